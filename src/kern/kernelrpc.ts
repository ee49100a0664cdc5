/**
 * osfmk/ipc/mach_kernelrpc.c: the kernel-RPC traps libsystem tries before the
 * MIG message. Each works only on the caller's own task: any other target (a
 * name that is not a send right to the caller's task port) answers
 * MACH_SEND_INVALID_DEST, which sends libsystem on to the MIG routine. The
 * traps answer in their own terms where the message would be refused at
 * send time (insert_right of a port set is KERN_INVALID_RIGHT here, where
 * the message's copyin says MACH_SEND_INVALID_RIGHT).
 */
import { KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_SEND_INVALID_DEST } from "../abi/message.js";
import { MACH_MSG_TYPE_COPY_SEND, carriedType } from "../abi/message.js";
import { machPortValid } from "../abi/port.js";
import * as mp from "../ipc/mach_port.js";
import { notifyPortDeleted } from "../ipc/notify.js";
import { ipValid, type PortRef } from "../ipc/port.js";
import { destroyCarriedRight, portReleaseSend, rightCopyin } from "../ipc/right.js";
import { convertPortToTask } from "./ipc_tt.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";
import { machVmAllocate, machVmDeallocate, machVmMap, machVmProtect } from "./vm_user.js";
import { VM_PROT_ALL } from "../abi/vm.js";

/** vm_inherit.h's VM_INHERIT_DEFAULT (VM_INHERIT_COPY), what the map trap asks for. */
const VM_INHERIT_DEFAULT = 1;

/**
 * port_name_to_task / port_name_to_thread: a send right the caller holds is copied in (COPY_SEND,
 * dead names allowed), converted, and released again; an inactive object is none.
 */
export function portNameToObject<T extends { active: boolean }>(thread: Thread, name: number, convert: (port: PortRef) => T | null): T | null {
  if (!machPortValid(name)) return null;
  const r = rightCopyin(thread.task.space, name, MACH_MSG_TYPE_COPY_SEND, true);
  if (r.kr !== KERN_SUCCESS) return null;
  const port = r.port;
  const object = convert(port);
  if (ipValid(port)) portReleaseSend(port);
  return object && object.active ? object : null;
}

export const portNameToTask = (thread: Thread, name: number): Task | null => portNameToObject(thread, name, (p) => convertPortToTask<Task>(p));

/** The caller's own task when `target` names it; null sends the caller to the MIG message. */
const selfTarget = (thread: Thread, target: number): Task | null => {
  const task = portNameToTask(thread, target);
  return task === thread.task ? task : null;
};

export type KernelrpcResult = { kr: number; outs?: bigint[] };
const notSelf: KernelrpcResult = { kr: MACH_SEND_INVALID_DEST };
const kr = (v: number): KernelrpcResult => ({ kr: v });

export function vmAllocateTrap(thread: Thread, target: number, addr: bigint, size: bigint, flags: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  if (!task) return notSelf;
  const r = machVmAllocate(task.vm, addr, size, flags);
  return r.kr === KERN_SUCCESS ? { kr: KERN_SUCCESS, outs: [r.addr] } : kr(r.kr);
}

export function vmDeallocateTrap(thread: Thread, target: number, address: bigint, size: bigint): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(machVmDeallocate(task.vm, address, size)) : notSelf;
}

export function vmProtectTrap(thread: Thread, target: number, address: bigint, size: bigint, setMaximum: boolean, prot: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(machVmProtect(task.vm, address, size, setMaximum, prot)) : notSelf;
}

/**
 * _kernelrpc_mach_vm_map_trap: mach_vm_map on the caller's own map with no memory object
 * (IPC_PORT_NULL, offset 0, no copy), the maximum protection VM_PROT_ALL and the default
 * inheritance; the address comes back only on success.
 */
export function vmMapTrap(thread: Thread, target: number, addr: bigint, size: bigint, mask: bigint, flags: number, cur: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  if (!task) return notSelf;
  const r = machVmMap(task.vm, addr, size, mask, flags, cur, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  return r.kr === KERN_SUCCESS ? { kr: KERN_SUCCESS, outs: [r.addr] } : kr(r.kr);
}

export function portAllocateTrap(thread: Thread, target: number, right: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  if (!task) return notSelf;
  const r = mp.machPortAllocate(task.space, right);
  return r.kr === KERN_SUCCESS ? { kr: KERN_SUCCESS, outs: [BigInt(r.name!)] } : kr(r.kr);
}

export function portDestroyTrap(thread: Thread, target: number, name: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortDestroy(task.space, name)) : notSelf;
}

export function portDeallocateTrap(thread: Thread, target: number, name: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortDeallocate(task.space, name)) : notSelf;
}

export function portModRefsTrap(thread: Thread, target: number, name: number, right: number, delta: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortModRefs(task.space, name, right, delta)) : notSelf;
}

export function portMoveMemberTrap(thread: Thread, target: number, member: number, after: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortMoveMember(task.space, member, after)) : notSelf;
}

/**
 * The right named `poly` is copied in with disposition `polyPoly` (ipc_object_copyin, which
 * checks it against the entry: a port set cannot MAKE_SEND) and inserted under `name`.
 * xnu-3248 leaks the copied-in right when the insertion fails; machipc releases it
 * (docs/xnu-bugs.md).
 */
export function portInsertRightTrap(thread: Thread, target: number, name: number, poly: number, polyPoly: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  if (!task) return notSelf;
  const c = rightCopyin(task.space, poly, polyPoly, true);
  if (c.kr !== KERN_SUCCESS) return kr(c.kr);
  const port = c.port;
  if (c.soright) notifyPortDeleted(c.soright, poly);
  const disp = carriedType(polyPoly);
  const r = mp.machPortInsertRight(task.space, name, port, disp);
  if (r !== KERN_SUCCESS) destroyCarriedRight(port, disp);
  return kr(r);
}

export function portInsertMemberTrap(thread: Thread, target: number, name: number, pset: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortInsertMember(task.space, name, pset)) : notSelf;
}

export function portExtractMemberTrap(thread: Thread, target: number, name: number, pset: number): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortExtractMember(task.space, name, pset)) : notSelf;
}

/** mach_port_options_t as the trap copies it in: flags and mpl_qlimit (the reserved words are not read). */
export function portConstructTrap(thread: Thread, target: number, flags: number, qlimit: number, context: bigint): KernelrpcResult {
  const task = selfTarget(thread, target);
  if (!task) return notSelf;
  const r = mp.machPortConstruct(task.space, flags, qlimit, context);
  return r.kr === KERN_SUCCESS ? { kr: KERN_SUCCESS, outs: [BigInt(r.name!)] } : kr(r.kr);
}

export function portDestructTrap(thread: Thread, target: number, name: number, srdelta: number, guard: bigint): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortDestruct(task.space, name, srdelta, guard)) : notSelf;
}

export function portGuardTrap(thread: Thread, target: number, name: number, guard: bigint, strict: boolean): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortGuard(task.space, name, guard, strict)) : notSelf;
}

export function portUnguardTrap(thread: Thread, target: number, name: number, guard: bigint): KernelrpcResult {
  const task = selfTarget(thread, target);
  return task ? kr(mp.machPortUnguard(task.space, name, guard)) : notSelf;
}
