/** `machipc build-native` without a C compiler: what it says it would install, or exactly what to install. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A PATH with node and, if asked, apt-get, but no cc, gcc or clang. */
function pathWithout(apt: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-nocc-"));
  chmodSync(dir, 0o755);
  symlinkSync(process.execPath, join(dir, "node"));
  if (apt) symlinkSync("/usr/bin/apt-get", join(dir, "apt-get"));
  return dir;
}

function buildNative(env: NodeJS.ProcessEnv, uid?: number): { status: number | null; stderr: string; stdout: string } {
  const out = mkdtempSync(join(tmpdir(), "machipc-native-out-"));
  chmodSync(out, 0o777);
  const r = spawnSync(process.execPath, ["dist/cli/main.js", "build-native", "--out", out], { env: { ...env, CC: "" }, encoding: "utf8", ...(uid !== undefined ? { uid, gid: uid } : {}) });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test("not root, with apt-get: it names the Debian packages to install, and installs nothing", () => {
  const r = buildNative({ PATH: pathWithout(true) }, 65534);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "build-native: no C compiler found; install one as root with `apt-get install gcc libc6-dev` (or set CC to a C compiler), then run this again\n");
});

test("without apt-get: it says to install gcc or clang", () => {
  const r = buildNative({ PATH: pathWithout(false) });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build-native: no C compiler found; install gcc or clang with your system's package manager/);
});

test("with a compiler: it builds libmachipc where it is told", () => {
  const out = mkdtempSync(join(tmpdir(), "machipc-native-out-"));
  const r = spawnSync(process.execPath, ["dist/cli/main.js", "build-native", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `build-native: built ${join(out, "libmachipc.so")}, ${join(out, "machipc.pc")}, ${join(out, "machipc_native.node")}, the examples, the benchmarks with cc\n`);
  // Nothing changed since: the second run compiles nothing.
  const again = spawnSync(process.execPath, ["dist/cli/main.js", "build-native", "--out", out], { encoding: "utf8" });
  assert.equal(again.stderr, `build-native: ${out} is up to date with its C sources (nothing to compile)\n`);
});
