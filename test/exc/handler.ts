/** A scripted exception handler for tests: receive one exception message, answer it. */
import assert from "node:assert/strict";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG } from "../../src/abi/message.js";
import { Kernel, type ExceptionOutcome } from "../../src/index.js";
import { EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT } from "../../src/abi/exception.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import type { Thread } from "../../src/kern/thread.js";
import { actor, boot, transfer, type Actor } from "../helpers/kernel.js";

export interface Received {
  id: number;
  size: number;
  bits: number;
  replyName: number;
  localName: number;
  buf: Uint8Array;
  view: DataView;
}

/** Wait for one message on `port` in `h`'s space. */
export async function receiveOne(h: Actor, port: number): Promise<Received> {
  const buf = new Uint8Array(4096);
  const view = new DataView(buf.buffer);
  const mr = await h.thread.machMsg(buf, MACH_RCV_MSG, 0, buf.length, port, 0, 0);
  assert.equal(mr, 0, "handler receive");
  return {
    id: view.getInt32(20, true),
    size: view.getUint32(4, true),
    bits: view.getUint32(0, true),
    replyName: view.getUint32(8, true),
    localName: view.getUint32(12, true),
    buf,
    view,
  };
}

/** The codes of an exception request (exc: 32-bit, mach_exc: 64-bit). */
export function codesOf(r: Received): bigint[] {
  const identityOrDefault = r.id % 10 !== 2 && r.id % 10 !== 6;
  const at = identityOrDefault ? 64 : 36; // codeCnt offset
  const cnt = r.view.getUint32(at, true);
  const wide = r.id >= 2405;
  const out: bigint[] = [];
  for (let i = 0; i < cnt; i++) out.push(wide ? r.view.getBigInt64(at + 4 + 8 * i, true) : BigInt(r.view.getInt32(at + 4 + 4 * i, true)));
  return out;
}

/** Send a reply built by the test on the request's send-once reply right. */
export async function reply(h: Actor, r: Received, body: Uint8Array): Promise<void> {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  v.setUint32(0, 18, true); // MOVE_SEND_ONCE
  v.setUint32(4, body.length, true);
  v.setUint32(8, r.replyName, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, 0, true);
  if (v.getInt32(20, true) === 0) v.setInt32(20, r.id + 100, true);
  body.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const mr = await h.thread.machMsg(body, MACH_SEND_MSG, body.length, 0, 0, 0, 0);
  assert.equal(mr, 0, "handler reply send");
}

/** A 36-byte reply with a RetCode. */
export function retCodeReply(kr: number): Uint8Array {
  const b = new Uint8Array(36);
  new DataView(b.buffer).setInt32(32, kr, true);
  return b;
}

/** A state reply: RetCode 0, flavor, count, state words. */
export function stateReply(flavor: number, state: Uint32Array): Uint8Array {
  const b = new Uint8Array(44 + 4 * state.length);
  const v = new DataView(b.buffer);
  v.setInt32(32, 0, true);
  v.setInt32(36, flavor, true);
  v.setUint32(40, state.length, true);
  state.forEach((w, i) => v.setUint32(44 + 4 * i, w, true));
  return b;
}

/** The old state carried by a state request, as words. */
export function oldStateOf(r: Received): { flavor: number; state: Uint32Array } {
  const codeCntAt = r.id % 10 === 3 || r.id % 10 === 7 ? 64 : 36;
  const cnt = r.view.getUint32(codeCntAt, true);
  const flavorAt = codeCntAt + 4 + cnt * (r.id >= 2405 ? 8 : 4);
  const flavor = r.view.getInt32(flavorAt, true);
  const n = r.view.getUint32(flavorAt + 4, true);
  const state = new Uint32Array(n);
  for (let i = 0; i < n; i++) state[i] = r.view.getUint32(flavorAt + 8 + 4 * i, true);
  return { flavor, state };
}

/**
 * A victim thread and a handler thread of one task (as an in-process crash reporter is), the
 * handler's receive right (with a send right of the same name) installed for EXC_MASK_BAD_ACCESS
 * with `behavior` through task_set_exception_ports, as a user installs it.
 */
export async function sameTaskHandler(behavior: number): Promise<{ kernel: Kernel; victim: Thread; handler: Thread; hp: number }> {
  const kernel = Kernel.boot({ cpus: 2 });
  const task = kernel.createTask({ uid: 501 });
  const victim = task.createThread();
  const handler = task.createThread();
  const r = await handler.call("mach_port_allocate", handler.taskSelfTrap(), { right: MACH_PORT_RIGHT_RECEIVE });
  const hp = r["name"] as number;
  assert.equal(r.kr, KERN_SUCCESS);
  const ins = await handler.call("mach_port_insert_right", handler.taskSelfTrap(), { name: hp, poly: { name: hp, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal(ins.kr, KERN_SUCCESS);
  const set = await victim.call("task_set_exception_ports", victim.taskSelfTrap(), { exception_mask: EXC_MASK_BAD_ACCESS, new_port: hp, behavior, new_flavor: 0 });
  assert.equal(set.kr, KERN_SUCCESS);
  return { kernel, victim, handler, hp };
}

/** A receive right in `a`'s space (mach_port_allocate): its name. */
export async function allocatePort(a: Actor): Promise<number> {
  const r = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

/** `handler`'s port `port` as the victim's thread- or task-level handler for EXC_BAD_ACCESS. */
export async function installHandler(level: "thread" | "task", victim: Actor, handler: Actor, port: number, behavior = EXCEPTION_DEFAULT, flavor = 0): Promise<void> {
  const send = transfer(handler, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  const routine = level === "thread" ? "thread_set_exception_ports" : "task_set_exception_ports";
  const target = level === "thread" ? victim.thread.threadSelfTrap() : victim.self;
  const r = await victim.thread.call(routine, target, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: { name: send, disposition: 17 }, behavior, new_flavor: flavor });
  assert.equal(r.kr, KERN_SUCCESS);
}

/** Send `body` as the reply to `r` on its send-once right and return the trap's result without awaiting anything. */
export function replyNow(h: Actor, r: Received, body: Uint8Array): number {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  v.setUint32(0, (v.getUint32(0, true) & 0x80000000) | 18, true);
  v.setUint32(4, body.length, true);
  v.setUint32(8, r.replyName, true);
  if (v.getInt32(20, true) === 0) v.setInt32(20, r.id + 100, true);
  body.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const mr = h.thread.machMsg(body, MACH_SEND_MSG, body.length, 0, 0, 0, 0);
  assert.equal(typeof mr, "number", "a reply to a waiting kernel RPC does not wait");
  return mr as number;
}

/** Answer `r` with RetCode `kr` (replyNow): the trap's result. */
export const answerNow = (h: Actor, r: Received, kr: number): number => replyNow(h, r, retCodeReply(kr));

/** Poll `port` once (MACH_RCV_TIMEOUT 0): the trap's result. */
export function pollPort(h: Actor, port: number): number {
  const buf = new Uint8Array(1024);
  const mr = h.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 0, 0);
  assert.equal(typeof mr, "number");
  return mr as number;
}

/** A victim whose thread and task handlers are ports tp and kp of one handler task. */
export async function twoLevels(): Promise<{ kernel: Kernel; victim: Actor; h: Actor; tp: number; kp: number }> {
  const kernel = boot({ arch: "x86_64" });
  const victim = actor(kernel);
  const h = actor(kernel);
  const tp = await allocatePort(h);
  const kp = await allocatePort(h);
  await installHandler("thread", victim, h, tp);
  await installHandler("task", victim, h, kp);
  return { kernel, victim, h, tp, kp };
}

/** What each level answered, in order. */
export const attemptLevels = (o: ExceptionOutcome): [string, number][] => o.attempts.map((a) => [a.level, a.kr]);
