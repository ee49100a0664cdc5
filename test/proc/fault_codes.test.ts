/** native/src/fault_codes.c on this machine: x86_64's and arm64's fault codes and register layouts (test/proc/c/fault_codes_test.c). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

test("both architectures' faults map to XNU's exceptions and codes, and their registers to the thread state flavors", () => {
  mkdirSync("native/build/test", { recursive: true });
  const out = "native/build/test/fault_codes_test";
  execFileSync(process.env["CC"] || "cc", ["-std=c11", "-Wall", "-Wextra", "-Inative/include", "-Inative/src", "-o", out, "test/proc/c/fault_codes_test.c", "native/src/fault_codes.c"], { stdio: "inherit" });
  const r = execFileSync(out, { encoding: "utf8" });
  const m = r.match(/^ok (\d+)$/m);
  assert.ok(m, r);
  assert.ok(Number(m[1]) > 100, `${m[1]} checks`);
});
