/**
 * Unhandled faults: with only BSD's ux handler at the host, the process dies
 * of the signal it chooses for the exception (as on macOS: a protection
 * failure is SIGBUS); a stack overflow is handled on the alternate signal
 * stack; MACHIPC_EXCEPTIONS=0 leaves the signals alone; a signal sent with
 * kill is no exception at all.
 */
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { KERN_FAILURE } from "../../src/abi/kern_return.js";
import { EXC_BAD_ACCESS, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { MACH_MSG_SUCCESS, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_RCV_TIMED_OUT } from "../../src/abi/message.js";
import { Proc, serve, answer, catchException, handlerFor, idle, killLeftovers, proctest, reg, serverEnv } from "./c_helpers.js";
import { FAULTS, RSP } from "./c_faults.js";

const STATE_IDENTITY = (EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES) >>> 0;

let bin = "";
before(() => {
  assert.equal(process.arch, "x64", "these faults are written for x86_64");
  bin = proctest();
});
afterEach(killLeftovers);

for (const f of FAULTS) {
  test(`${f.kind} with no handler but BSD's: the process dies of ${f.signal}`, async () => {
    const server = await serve();
    const p = new Proc(bin, ["fault", f.kind], serverEnv(server));
    await p.line(/^ready (\d+)/);
    p.send();
    assert.deepEqual(await p.exited, { code: null, signal: f.signal });
    assert.equal(p.lines.some((l) => l.startsWith("resumed")), false);
    await idle(server, 1);
  });
}

test("a stack overflow is raised from the alternate signal stack; refused by its handler, the process dies of SIGSEGV", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "overflow"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const { client, t, self, port } = await handlerFor(server, pid, STATE_IDENTITY);
  p.send();
  const e = await catchException(t, port);
  assert.equal(e.exception, EXC_BAD_ACCESS);
  // The fault is at the stack's guard, just below where rsp points.
  const rsp = reg(e.state, RSP);
  const addr = e.codes[1]!;
  assert.ok(addr <= rsp && rsp - addr < 1n << 16n, `fault at 0x${addr.toString(16)} near rsp 0x${rsp.toString(16)}`);
  await answer(t, self, e, KERN_FAILURE);
  assert.deepEqual(await p.exited, { code: null, signal: "SIGSEGV" });
  client.close();
  await idle(server, 1);
});

test("MACHIPC_EXCEPTIONS=0: no exception is raised and the fault kills as Linux has it", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "segv"], serverEnv(server, { MACHIPC_EXCEPTIONS: "0" }));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const { client, t, port } = await handlerFor(server, pid, STATE_IDENTITY);
  p.send();
  assert.deepEqual(await p.exited, { code: null, signal: "SIGSEGV" });
  const buf = new Uint8Array(1024);
  assert.equal(await t.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 200), MACH_RCV_TIMED_OUT);
  client.close();
  await idle(server, 1);
});

test("a SIGSEGV sent with kill is a signal, not an exception: the default action, no handler asked", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "none"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const { client, t, port } = await handlerFor(server, pid, STATE_IDENTITY);
  process.kill(pid, "SIGSEGV");
  assert.deepEqual(await p.exited, { code: null, signal: "SIGSEGV" });
  const buf = new Uint8Array(1024);
  const mr = await t.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 200);
  assert.notEqual(mr, MACH_MSG_SUCCESS);
  client.close();
  await idle(server, 1);
});
