/**
 * mach_error_string / mach_error_type / mach_error as libsystem words them (xnu-3248's
 * libsyscall tables), from the TypeScript description and from libmachipc's C, which must agree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { machErrorLine, machErrorString, machErrorType, renderMachErrorTable } from "../../src/abi/mach_error_text.js";
import * as kr from "../../src/abi/kern_return.js";
import * as msg from "../../src/abi/message.js";
import { compile } from "./cc.js";

const kernCodes = Object.entries(kr).filter(([n, v]) => typeof v === "number" && /^(KERN|MIG)_/.test(n) && n !== "KERN_RETURN_MAX") as [string, number][];
const msgCodes = Object.entries(msg).filter(([n, v]) => typeof v === "number" && /^MACH_(SEND|RCV)_(INVALID|TIMED|INTERRUPTED|TOO|NO_BUFFER|MSG_TOO|IN_|PORT|HEADER|BODY|SCATTER|LARGE)/.test(n) && (v as number) >= 0x10000000) as [string, number][];
/** Bootstrap's codes (launchd's bootstrap.h): outside every table, so "unknown error code". */
const BOOTSTRAP = [1100, 1101, 1102, 1103, 1104, 1105, 1106, 1107];

test("kern_return_t, MIG and mach_msg codes read as libsystem's text", () => {
  assert.equal(machErrorString(kr.KERN_SUCCESS), "(os/kern) successful");
  assert.equal(machErrorString(kr.KERN_NO_ACCESS), "(os/kern) no access");
  assert.equal(machErrorString(kr.KERN_PROTECTION_FAILURE), "(os/kern) protection failure");
  assert.equal(machErrorString(kr.KERN_TERMINATED), "(os/kern) object terminated");
  assert.equal(machErrorString(kr.KERN_ABORTED), "(os/kern) aborted");
  assert.equal(machErrorString(kr.KERN_OPERATION_TIMED_OUT), "(os/kern) operation timed out");
  assert.equal(machErrorString(kr.MIG_BAD_ARGUMENTS), "(ipc/mig) server type check failure");
  assert.equal(machErrorString(kr.MIG_REMOTE_ERROR), "(ipc/mig) server detected error");
  assert.equal(machErrorString(kr.MIG_SERVER_DIED), "(ipc/mig) server died");
  assert.equal(machErrorString(msg.MACH_SEND_INVALID_DEST), "(ipc/send) invalid destination port");
  assert.equal(machErrorString(msg.MACH_SEND_INVALID_RIGHT), "(ipc/send) invalid port right");
  assert.equal(machErrorString(msg.MACH_RCV_TIMED_OUT), "(ipc/rcv) timed out");
  assert.equal(machErrorString(msg.MACH_RCV_PORT_DIED), "(ipc/rcv) port died");
  assert.equal(machErrorType(kr.KERN_INVALID_NAME), "(os/kern)");
  assert.equal(machErrorType(kr.MIG_TYPE_ERROR), "(ipc/mig)");
  for (const [name, code] of [...kernCodes, ...msgCodes].filter(([n]) => n !== "MACH_RCV_IN_PROGRESS_TIMED")) {
    const text = machErrorString(code);
    assert.ok(text && text !== "unknown error code" && !text.includes("/?)"), `${name} (${code}) has its own text: ${text}`);
  }
  // Past the end of libsystem's receive table (17 entries): no text of its own there either.
  assert.equal(machErrorString(msg.MACH_RCV_IN_PROGRESS_TIMED), "unknown error code");
  for (const b of BOOTSTRAP) assert.equal(machErrorString(b), "unknown error code");
  assert.equal(machErrorString(0x3fff), "unknown error code");
  assert.equal(machErrorString((4 << 26) | (7 << 14)), "(ipc/?) unknown subsystem error");
  assert.equal(machErrorString(5 << 26), null, "libsystem returns NULL for a system it has no table for");
  assert.equal(machErrorLine("call:", kr.KERN_INVALID_ARGUMENT), "call: (os/kern) invalid argument\n");
  assert.equal(machErrorLine("call:", 1102), "call: (os/kern) unknown error code (44e)\n");
});

test("native/src/mach_error_text.inc is src/abi/mach_error_text.ts rendered (npm run gen:constants)", () => {
  assert.equal(readFileSync("native/src/mach_error_text.inc", "utf8"), renderMachErrorTable());
});

test("libmachipc's mach_error_string, mach_error_type and mach_error give the TypeScript table's answers for every code", () => {
  const codes = [...kernCodes.map(([, v]) => v), ...msgCodes.map(([, v]) => v), ...BOOTSTRAP, -100, -203, 1001, 1602, 27601, 0x3fff, (4 << 26) | (7 << 14), 5 << 26, (3 << 14) | 5];
  const prog = compile(`#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>
static const int codes[] = {${codes.join(", ")}};
int main(void) {
  for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *s = mach_error_string(codes[i]), *t = mach_error_type(codes[i]);
    printf("%s|%s\\n", s ? s : "NULL", t ? t : "NULL");
    mach_error("e:", codes[i]);
  }
  return 0;
}
`, { link: true });
  const out = execFileSync(prog, [], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const stderr = execFileSync("sh", ["-c", `"${prog}" 2>&1 >/dev/null`], { encoding: "utf8" });
  assert.deepEqual(out.trimEnd().split("\n"), codes.map((c) => `${machErrorString(c) ?? "NULL"}|${machErrorType(c) ?? "NULL"}`));
  assert.equal(stderr, codes.map((c) => machErrorLine("e:", c)).join(""));
});
