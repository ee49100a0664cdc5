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

test("_kernelrpc_mach_vm_map_trap (15): mach_vm_map with no memory object, its checks in xnu-3248's order, on the task's map", () => {
  const kernel = boot();
  const a = actor(kernel);
  type MapResult = { kr: number; addr?: bigint };
  const map = (args: Record<string, number | bigint>): MapResult =>
    a.thread.trap("_kernelrpc_mach_vm_map_trap", { target: a.self, addr: 0n, size: 4096n, mask: 0n, flags: 1, cur_protection: 3, ...args }) as unknown as MapResult;
  const regions = () => a.task.vm.regionCount;
  // Anywhere, aligned to mask + 1: zero-filled pages of the rounded size.
  const r = map({ size: 10000n, mask: 0xfffffn });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(r.addr! & 0xfffffn, 0n, "aligned to the mask");
  assert.deepEqual(a.task.vm.regionAt(r.addr!), { base: r.addr!, size: 12288 });
  assert.ok(a.task.vm.read(r.addr!, 12288)!.every((b) => b === 0));
  // The maximum is VM_PROT_ALL whatever the current protection: raising it later is allowed.
  const ro = map({ cur_protection: 1 });
  const protect = (address: bigint, prot: number) =>
    (a.thread.trap("_kernelrpc_mach_vm_protect_trap", { target: a.self, address, size: 4096n, set_maximum: 0, new_protection: prot }) as unknown as { kr: number }).kr;
  assert.equal(protect(ro.addr!, 7), KERN_SUCCESS);
  // With VM_FLAGS_ANYWHERE the address is a hint: the first free place at or above it.
  const hinted = map({ addr: r.addr! + 0x100000n });
  assert.ok(hinted.addr! >= r.addr! + 0x100000n, "at or above the hint");
  // Fixed: a taken address, or one off the mask, is KERN_NO_SPACE; VM_FLAGS_OVERWRITE replaces.
  assert.equal(map({ addr: hinted.addr!, flags: 0 }).kr, KERN_NO_SPACE);
  const free = hinted.addr! + 0x10000000n;
  assert.equal(map({ addr: free + 0x1000n, flags: 0, mask: 0xffffn }).kr, KERN_NO_SPACE);
  assert.deepEqual(map({ addr: free + 0x1234n, flags: 0 }), { kr: KERN_SUCCESS, addr: free + 0x1000n }, "the address is truncated to its page");
  a.task.vm.write(free + 0x1000n, Uint8Array.of(7));
  assert.equal(map({ addr: free + 0x1000n, flags: 0x4000 }).kr, KERN_SUCCESS);
  assert.equal(a.task.vm.read(free + 0x1000n, 1)![0], 0, "overwritten with fresh zero pages");
  assert.equal(map({ addr: 0n, flags: 0 }).kr, KERN_INVALID_ADDRESS);
  assert.equal(map({ addr: 0x7ffffffff000n, flags: 0 }).kr, KERN_INVALID_ADDRESS);
  // The checks that refuse before anything is mapped, and copy nothing out.
  const before = regions();
  const refused: [Record<string, number | bigint>, number, string][] = [
    [{ flags: 0x100 }, KERN_INVALID_ARGUMENT, "VM_FLAGS_PERMANENT is not a user flag"],
    [{ flags: 0x8 }, KERN_INVALID_ARGUMENT, "an undefined flag"],
    [{ size: 0n }, KERN_INVALID_ARGUMENT, "size 0 (mach_vm_allocate would succeed)"],
    [{ size: 0xfffffffffffff001n }, KERN_INVALID_ARGUMENT, "a size that rounds past 2^64"],
    [{ cur_protection: 0x20 }, KERN_INVALID_ARGUMENT, "a protection beyond VM_PROT_ALL"],
    [{ flags: 1 | (3 << 16) }, KERN_INVALID_ARGUMENT, "an unknown superpage size"],
    [{ flags: 1 | (2 << 16) }, KERN_INVALID_ARGUMENT, "a 2 MB superpage of 4 KB"],
    [{ flags: 1 | 2, size: 0x100000000n }, KERN_INVALID_ARGUMENT, "purgable beyond ANON_MAX_SIZE"],
    [{ size: 0x8000000n }, KERN_NO_SPACE, "more than the server holds for a task"],
  ];
  // (The table reports an out slot the trap did not copy out as 0.)
  for (const [args, code, why] of refused) assert.deepEqual(map(args), { kr: code, addr: 0n }, why);
  assert.equal(regions(), before, "nothing mapped by a refused call");
  // Accepted: VM_PROT_IS_MASK (it matters only for a named entry), VM_FLAGS_RETURN_DATA_ADDR, superpages.
  assert.equal(map({ cur_protection: 0x43 }).kr, KERN_SUCCESS);
  assert.equal(map({ flags: 1 | 0x100000 }).kr, KERN_SUCCESS);
  const sp = map({ flags: 1 | (1 << 16) });
  assert.equal(sp.kr, KERN_SUCCESS);
  assert.equal(sp.addr! & 0x1fffffn, 0n, "a superpage is 2 MB aligned");
  assert.equal(a.task.vm.regionAt(sp.addr!)!.size, 0x200000, "VM_FLAGS_SUPERPAGE_SIZE_ANY rounds the size up to 2 MB");
  // Only the caller's own task: any other target (here a port that is no task) sends libsystem on to the MIG message.
  assert.deepEqual(map({ target: a.reply }), { kr: MACH_SEND_INVALID_DEST, addr: 0n });
  assertInvariant(kernel);
});

test("each trap marked as a routine's fast path names a served routine (the C generator's trap-first wrappers)", () => {
  const kernel = boot();
  const marked = MACH_TRAPS.filter((t) => t.routine);
  assert.equal(marked.length, 16);
  for (const t of marked.filter((x) => !x.routine!.startsWith("mach_vm_"))) {
    assert.ok(kernel.registry.find(t.routine!), `${t.routine} is served`);
  }
});
