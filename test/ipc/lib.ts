/** Small wrappers the IPC tests share: mach_port calls and raw sends/receives. */
import assert from "node:assert/strict";
import { MACH_RCV_MSG, MACH_SEND_MSG, MACH_RCV_TIMEOUT } from "../../src/abi/message.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import type { Actor } from "../helpers/kernel.js";
import { Msg } from "../helpers/kernel.js";

export async function allocate(a: Actor, right = 1): Promise<number> {
  const r = await a.thread.call(3204, a.self, { right });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

export async function portType(a: Actor, name: number): Promise<{ kr: number; type: number }> {
  const r = await a.thread.call(3201, a.self, { name });
  return { kr: r.kr, type: (r["ptype"] as number) ?? 0 };
}

export async function getRefs(a: Actor, name: number, right: number): Promise<number> {
  const r = await a.thread.call(3207, a.self, { name, right });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["refs"] as number;
}

export async function status(a: Actor, name: number): Promise<number[]> {
  const r = await a.thread.call(3217, a.self, { name, flavor: 2 });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["port_info_out"] as number[];
}

/** Send `m` (size bytes) without receiving; must not block. */
export function send(a: Actor, m: Msg, size: number, option = 0, timeout = 0): number {
  const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | option, size, 0, 0, timeout, 0);
  assert.equal(typeof r, "number", "send should not block");
  return r as number;
}

/** Poll-receive one message on `name` into a fresh buffer. */
export function recv(a: Actor, name: number, size = 1024, option = 0): { mr: number; m: Msg } {
  const m = new Msg(Math.max(size, 64));
  const r = a.thread.machMsg(m.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | option, 0, size, name, 0, 0);
  assert.equal(typeof r, "number", "a polling receive never blocks");
  return { mr: r as number, m };
}

/** A simple message of `size` bytes to `dest`. */
export function simpleMsg(dest: number, bits: number, size = 32, id = 1000, local = 0): Msg {
  const m = new Msg(Math.max(size, 256));
  m.header({ bits, size, remote: dest, local, id });
  return m;
}
