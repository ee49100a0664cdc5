/**
 * The kernel-RPC traps of osfmk/ipc/mach_kernelrpc.c: on the caller's own task they answer as the
 * mach_port / mach_vm operations do, in their own terms; any other target is MACH_SEND_INVALID_DEST
 * so libsystem falls back to the MIG message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_RIGHT_EXISTS,
  KERN_NO_SPACE,
  KERN_PROTECTION_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_SUCCESS,
} from "../../src/abi/kern_return.js";
import { MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_RIGHT } from "../../src/abi/message.js";
import { MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND_RECEIVE } from "../../src/abi/port.js";
import { MACH_TRAPS } from "../../src/abi/traps.js";
import type { IpcPort } from "../../src/ipc/port.js";
import type { Actor } from "../helpers/kernel.js";

/** Messages queued on the port `name` receives for. */
const kernelPortMsgCount = (a: Actor, name: number): number => (a.task.space.objs[a.task.space.lookup(name)] as IpcPort).msgcount;

test("the trap table carries xnu-3248's numbers for the kernel-RPC and semaphore traps", () => {
  const byName = Object.fromEntries(MACH_TRAPS.map((t) => [t.name, t.number]));
  assert.equal(byName["_kernelrpc_mach_vm_allocate_trap"], 10);
  assert.equal(byName["_kernelrpc_mach_port_allocate_trap"], 16);
  assert.equal(byName["_kernelrpc_mach_port_insert_right_trap"], 21);
  assert.equal(byName["_kernelrpc_mach_port_construct_trap"], 24);
  assert.equal(byName["semaphore_signal_trap"], 33);
  assert.equal(byName["semaphore_timedwait_signal_trap"], 39);
  assert.equal(byName["_kernelrpc_mach_port_unguard_trap"], 42);
});

test("port traps on the caller's own task: allocate, insert_right, mod_refs, deallocate, destroy", () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = a.thread;
  const r = t.trap("_kernelrpc_mach_port_allocate_trap", { target: a.self, right: MACH_PORT_RIGHT_RECEIVE });
  assert.ok(!(r instanceof Promise));
  assert.equal(r.kr, KERN_SUCCESS);
  const name = r["name"] as number;
  assert.equal((t.trap("_kernelrpc_mach_port_insert_right_trap", { target: a.self, name, poly: name, polyPoly: MACH_MSG_TYPE_MAKE_SEND }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal(a.task.space.bits[a.task.space.lookup(name)]! & MACH_PORT_TYPE_SEND_RECEIVE, MACH_PORT_TYPE_SEND_RECEIVE);
  assert.equal((t.trap("_kernelrpc_mach_port_mod_refs_trap", { target: a.self, name, right: MACH_PORT_RIGHT_SEND, delta: 2 }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal((t.trap("_kernelrpc_mach_port_deallocate_trap", { target: a.self, name }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal((t.trap("_kernelrpc_mach_port_mod_refs_trap", { target: a.self, name, right: MACH_PORT_RIGHT_SEND, delta: -2 }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal(a.task.space.bits[a.task.space.lookup(name)]! & MACH_PORT_TYPE_SEND_RECEIVE, MACH_PORT_TYPE_RECEIVE);
  assert.equal((t.trap(17, { target: a.self, name }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal((t.trap("_kernelrpc_mach_port_deallocate_trap", { target: a.self, name }) as unknown as { kr: number }).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("a target other than the caller's own task is MACH_SEND_INVALID_DEST, and nothing changes", () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  // b's task port, as a send right in a's space.
  const bTask = a.thread.trap("_kernelrpc_mach_port_allocate_trap", { target: a.self, right: MACH_PORT_RIGHT_RECEIVE }) as unknown as { kr: number; name: number };
  for (const target of [0, 0xffffffff, bTask.name, a.reply, 0x12345603]) {
    const r = a.thread.trap("_kernelrpc_mach_port_allocate_trap", { target, right: MACH_PORT_RIGHT_RECEIVE }) as unknown as { kr: number };
    assert.equal(r.kr, MACH_SEND_INVALID_DEST, `target ${target}`);
  }
  const host = a.thread.hostSelfTrap();
  assert.equal((a.thread.trap("_kernelrpc_mach_port_deallocate_trap", { target: host, name: host }) as unknown as { kr: number }).kr, MACH_SEND_INVALID_DEST);
  void b;
  assertInvariant(kernel);
});

test("insert_right(task, pset, pset, MAKE_SEND) is KERN_INVALID_RIGHT by trap, where the MIG message is refused with MACH_SEND_INVALID_RIGHT", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const pset = (a.thread.trap("_kernelrpc_mach_port_allocate_trap", { target: a.self, right: MACH_PORT_RIGHT_PORT_SET }) as unknown as { name: number }).name;
  assert.equal((a.thread.trap("_kernelrpc_mach_port_insert_right_trap", { target: a.self, name: pset, poly: pset, polyPoly: MACH_MSG_TYPE_MAKE_SEND }) as unknown as { kr: number }).kr, KERN_INVALID_RIGHT);
  const mig = await a.thread.call("mach_port_insert_right", a.self, { name: pset, poly: { name: pset, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal(mig.kr, MACH_SEND_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("insert_right copies the right in first and gives it back when the name is taken (no leaked send right)", () => {
  const kernel = boot();
  const a = actor(kernel);
  const alloc = () => (a.thread.trap("_kernelrpc_mach_port_allocate_trap", { target: a.self, right: MACH_PORT_RIGHT_RECEIVE }) as unknown as { name: number }).name;
  const p = alloc();
  const q = alloc();
  const ins = (name: number, polyPoly: number) =>
    (a.thread.trap("_kernelrpc_mach_port_insert_right_trap", { target: a.self, name, poly: p, polyPoly }) as unknown as { kr: number }).kr;
  assert.equal(ins(q, MACH_MSG_TYPE_MAKE_SEND), KERN_RIGHT_EXISTS, "p's send right belongs under p's own name");
  // A send-once right made for a taken name is destroyed again: its send-once notification reaches p.
  assert.equal(ins(q, MACH_MSG_TYPE_MAKE_SEND_ONCE), KERN_NAME_EXISTS);
  assert.equal(kernelPortMsgCount(a, p), 1);
  assert.equal((a.thread.trap("_kernelrpc_mach_port_insert_right_trap", { target: a.self, name: 0x4242, poly: 0x9999, polyPoly: MACH_MSG_TYPE_COPY_SEND }) as unknown as { kr: number }).kr, KERN_INVALID_NAME);
  assert.equal((a.thread.trap("_kernelrpc_mach_port_insert_right_trap", { target: a.self, name: p, poly: p, polyPoly: 0 }) as unknown as { kr: number }).kr, KERN_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("insert_member / extract_member / move_member, construct / destruct and guard / unguard by trap", () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = a.thread;
  const call = (n: string, args: Record<string, number | bigint>) => t.trap(n, { target: a.self, ...args }) as unknown as { kr: number; name?: number };
  const pset = call("_kernelrpc_mach_port_allocate_trap", { right: MACH_PORT_RIGHT_PORT_SET }).name!;
  const pset2 = call("_kernelrpc_mach_port_allocate_trap", { right: MACH_PORT_RIGHT_PORT_SET }).name!;
  const port = call("_kernelrpc_mach_port_construct_trap", { flags: 0, qlimit: 0, context: 0n }).name!;
  assert.equal(call("_kernelrpc_mach_port_insert_member_trap", { name: port, pset }).kr, KERN_SUCCESS);
  assert.equal(call("_kernelrpc_mach_port_move_member_trap", { member: port, after: pset2 }).kr, KERN_SUCCESS);
  assert.equal(call("_kernelrpc_mach_port_extract_member_trap", { name: port, pset }).kr, 12 /* KERN_NOT_IN_SET */);
  assert.equal(call("_kernelrpc_mach_port_extract_member_trap", { name: port, pset: pset2 }).kr, KERN_SUCCESS);
  assert.equal(call("_kernelrpc_mach_port_guard_trap", { name: port, guard: 0x1234n, strict: 0 }).kr, KERN_SUCCESS);
  // (A wrong guard is an EXC_GUARD that kills the task: test/exc/xnu_answers.test.ts.)
  assert.equal(call("_kernelrpc_mach_port_unguard_trap", { name: port, guard: 0x1234n }).kr, KERN_SUCCESS);
  assert.equal(call("_kernelrpc_mach_port_destruct_trap", { name: port, srdelta: 0, guard: 0n }).kr, KERN_SUCCESS);
  assert.equal(call("_kernelrpc_mach_port_destruct_trap", { name: port, srdelta: 0, guard: 0n }).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("vm traps: allocate anywhere and fixed, protect within the maximum, deallocate exactly the pages", () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = a.thread;
  const vm = (n: string, args: Record<string, number | bigint>) => t.trap(n, { target: a.self, ...args }) as unknown as { kr: number; addr?: bigint };
  const r = vm("_kernelrpc_mach_vm_allocate_trap", { addr: 0n, size: 10000n, flags: 1 });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(r.addr! % 4096n, 0n, "page aligned");
  assert.equal(vm("_kernelrpc_mach_vm_allocate_trap", { addr: r.addr!, size: 4096n, flags: 0 }).kr, KERN_NO_SPACE);
  assert.equal(vm("_kernelrpc_mach_vm_allocate_trap", { addr: 0n, size: 4096n, flags: 0x8 }).kr, KERN_INVALID_ARGUMENT);
  assert.equal(vm("_kernelrpc_mach_vm_allocate_trap", { addr: 0n, size: 0n, flags: 1 }).addr, 0n);
  assert.equal(vm("_kernelrpc_mach_vm_protect_trap", { address: r.addr!, size: 4096n, set_maximum: 1, new_protection: 1 }).kr, KERN_SUCCESS);
  assert.equal(vm("_kernelrpc_mach_vm_protect_trap", { address: r.addr!, size: 4096n, set_maximum: 0, new_protection: 3 }).kr, KERN_PROTECTION_FAILURE);
  assert.equal(vm("_kernelrpc_mach_vm_protect_trap", { address: r.addr!, size: 4096n, set_maximum: 0, new_protection: 0x20 }).kr, KERN_INVALID_ARGUMENT);
  assert.equal(vm("_kernelrpc_mach_vm_protect_trap", { address: 0x10000n, size: 4096n, set_maximum: 0, new_protection: 1 }).kr, KERN_INVALID_ADDRESS);
  const before = a.task.vm.regionCount;
  assert.equal(vm("_kernelrpc_mach_vm_deallocate_trap", { address: r.addr!, size: 10000n }).kr, KERN_SUCCESS);
  assert.equal(a.task.vm.regionCount, before - 1);
  assert.equal(vm("_kernelrpc_mach_vm_deallocate_trap", { address: r.addr!, size: 10000n }).kr, KERN_SUCCESS, "nothing mapped is not an error");
  const other = actor(kernel);
  assert.equal((other.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: other.reply, addr: 0n, size: 1n, flags: 1 }) as unknown as { kr: number }).kr, MACH_SEND_INVALID_DEST);
  void KERN_INVALID_VALUE;
  assertInvariant(kernel);
});

test("each trap marked as a routine's fast path names a served routine (the C generator's trap-first wrappers)", () => {
  const kernel = boot();
  const marked = MACH_TRAPS.filter((t) => t.routine);
  assert.equal(marked.length, 15);
  for (const t of marked.filter((x) => !x.routine!.startsWith("mach_vm_"))) {
    assert.ok(kernel.registry.find(t.routine!), `${t.routine} is served`);
  }
});
