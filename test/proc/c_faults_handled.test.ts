/**
 * A C program's hardware faults as Mach exceptions, caught by a handler in
 * another process: each fault type with its codes and the thread's real
 * registers, a STATE_IDENTITY reply that moves the instruction pointer on and
 * resumes the thread, thread_set_state while the thread waits, and faults in
 * awkward places (inside libmachipc, in a signal handler during a blocked call).
 */
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { KERN_FAILURE, KERN_INVALID_ADDRESS, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { EXC_BAD_ACCESS, EXCEPTION_DEFAULT, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";
import { Proc, serve, answer, catchException, handlerFor, idle, killLeftovers, proctest, reg, serverEnv, setReg } from "./c_helpers.js";
import { FAULTS, R12, RBX, RIP } from "./c_faults.js";

let bin = "";
before(() => {
  assert.equal(process.arch, "x64", "these faults are written for x86_64 (fault_codes.c's arm64 side has its own unit test)");
  bin = proctest();
});
afterEach(killLeftovers);

const STATE_IDENTITY = (EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES) >>> 0;

for (const f of FAULTS) {
  test(`${f.kind}: the exception, its codes and the registers; a STATE_IDENTITY reply resumes the thread past the fault`, async () => {
    const server = await serve();
    const p = new Proc(bin, ["fault", f.kind], serverEnv(server));
    const pid = Number((await p.line(/^ready (\d+)/))[1]);
    const h = await handlerFor(server, pid, STATE_IDENTITY);
    p.send();
    const e = await catchException(h.t, h.port);
    assert.equal(e.id, 2407);
    assert.equal(e.exception, f.exception);
    assert.equal(e.codes[0], f.code);
    const page = f.subcode === "page" ? BigInt((await p.line(/^page (0x[0-9a-f]+)/))[1]!) : f.subcode;
    assert.equal(e.codes[1], page, "the subcode (fault address)");
    assert.equal(e.flavor, x86_THREAD_STATE64);
    assert.equal(e.state.length, 42);
    assert.equal(reg(e.state, RBX), 0x1111n, "rbx as the program set it");
    assert.equal(reg(e.state, R12), 0x2222n, "r12 as the program set it");
    const state = e.state.slice();
    setReg(state, RIP, reg(e.state, RIP) + BigInt(f.length));
    await answer(h.t, h.self, e, KERN_SUCCESS, state);
    await p.line(new RegExp(`^resumed ${f.kind}$`));
    assert.deepEqual(await p.exited, { code: 0, signal: null });
    h.client.close();
    await idle(server, 1);
  });
}

test("EXCEPTION_DEFAULT: the handler moves the waiting thread on with thread_set_state from its own task", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "segv"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const h = await handlerFor(server, pid, (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0);
  p.send();
  const e = await catchException(h.t, h.port);
  assert.equal(e.id, 2405);
  const got = await h.t.call("thread_get_state", e.thread, { flavor: x86_THREAD_STATE64, old_stateCnt: 42 });
  assert.equal(got.kr, KERN_SUCCESS);
  const state = Uint32Array.from(got["old_state"] as number[]);
  assert.equal(reg(state, RBX), 0x1111n);
  setReg(state, RIP, reg(state, RIP) + 2n);
  assert.equal((await h.t.call("thread_set_state", e.thread, { flavor: x86_THREAD_STATE64, new_state: Array.from(state) })).kr, KERN_SUCCESS);
  await answer(h.t, h.self, e, KERN_SUCCESS);
  await p.line(/^resumed segv$/);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  h.client.close();
  await idle(server, 1);
});

test("a fault inside libmachipc (a bad message pointer to mach_msg) is raised like any other; refused, the process dies of SIGSEGV", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "inlib"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const h = await handlerFor(server, pid, STATE_IDENTITY);
  p.send();
  const e = await catchException(h.t, h.port);
  assert.equal(e.exception, EXC_BAD_ACCESS);
  assert.deepEqual(e.codes, [BigInt(KERN_INVALID_ADDRESS), 0x10n]);
  await answer(h.t, h.self, e, KERN_FAILURE);
  assert.deepEqual(await p.exited, { code: null, signal: "SIGSEGV" });
  h.client.close();
  await idle(server, 1);
});

test("a fault in a signal handler while its thread is blocked in mach_msg: raised on a connection of its own, and the blocked call completes", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "midcall"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const h = await handlerFor(server, pid, STATE_IDENTITY);
  p.send();
  const e = await catchException(h.t, h.port);
  assert.equal(e.exception, EXC_BAD_ACCESS);
  assert.equal(reg(e.state, RBX), 0x1111n);
  const state = e.state.slice();
  setReg(state, RIP, reg(e.state, RIP) + 2n);
  await answer(h.t, h.self, e, KERN_SUCCESS, state);
  await p.line(/^blocked call completed: \(os\/kern\) successful id 777$/);
  await p.line(/^resumed midcall$/);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  h.client.close();
  await idle(server, 1);
});

test("a thread whose first act is a fault joins the task from its signal handler, and is resumed", async () => {
  const server = await serve();
  const p = new Proc(bin, ["fault", "newthread"], serverEnv(server));
  const pid = Number((await p.line(/^ready (\d+)/))[1]);
  const h = await handlerFor(server, pid, STATE_IDENTITY);
  const before = server.kernel.tasks.get(pid)!.threads.length;
  p.send();
  const e = await catchException(h.t, h.port);
  assert.equal(e.exception, EXC_BAD_ACCESS);
  assert.equal(reg(e.state, RBX), 0x1111n);
  assert.equal(server.kernel.tasks.get(pid)!.threads.length, before + 1, "the faulting thread is a new thread of the task");
  const state = e.state.slice();
  setReg(state, RIP, reg(e.state, RIP) + 2n);
  await answer(h.t, h.self, e, KERN_SUCCESS, state);
  await p.line(/^the new thread resumed$/);
  await p.line(/^resumed newthread$/);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  h.client.close();
  await idle(server, 1);
});
