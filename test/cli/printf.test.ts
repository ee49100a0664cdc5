/** The CLI's printf against the C library's, format by format (lsmp's and hostinfo's conversions). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sprintf } from "../../src/cli/printf.js";

const CASES: [string, string, (number | bigint | string)[]][] = [
  ["%5d|%5d|%5d", "int", [0, 42, -7]],
  ["%5.0d|%5.0d|%.0d", "int", [0, 3, 0]],
  ["%6d|%8d|%d", "int", [5, 123456789, -2147483648]],
  ["0x%08x|0x%03x|%x", "uint", [0x103, 0x7, 0xdeadbeef]],
  ["%02d|%d.%02d", "int", [7, 15, 9]],
  ["%s|%10s|%-6s|", "str", ["recv", "send", "so"]],
];

test("sprintf matches C's printf for every conversion the listings use", () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-printf-"));
  const lines: string[] = [];
  for (const [fmt, kind, args] of CASES) {
    const cargs = args.map((a) => (kind === "str" ? JSON.stringify(a) : kind === "uint" ? `${a}u` : `(${a})`)).join(", ");
    lines.push(`printf(${JSON.stringify(fmt + "\n")}, ${cargs});`);
  }
  lines.push(`printf("0x%016llx|0x%llx\\n", 0x1234abcdULL, 0x10001ULL);`);
  lines.push(`printf("%.2f|%.2f\\n", (double)(float)25283436544.0 / (1024.0*1024.0*1024.0), 1.005);`);
  writeFileSync(join(dir, "p.c"), `#include <stdio.h>\nint main(void) {\n${lines.join("\n")}\nreturn 0;\n}\n`);
  execFileSync("cc", ["-w", "-o", join(dir, "p"), join(dir, "p.c")]);
  const c = execFileSync(join(dir, "p"), { encoding: "utf8" }).split("\n");
  const mine = [
    ...CASES.map(([fmt, , args]) => sprintf(fmt, ...args)),
    sprintf("0x%016llx|0x%llx", 0x1234abcdn, 0x10001n),
    sprintf("%.2f|%.2f", Math.fround(25283436544) / (1024 * 1024 * 1024), 1.005),
  ];
  mine.forEach((line, i) => assert.equal(line, c[i], `format ${i}`));
});
