/** Shared test scaffolding: boot, tasks, raw message building, and the invariant check. */
import assert from "node:assert/strict";
import { Kernel, type BootOptions, type Task, type Thread } from "../../src/index.js";
import { MACH_MSG_HEADER, NDR_RECORD, PORT_DESCRIPTOR } from "../../src/abi/msg_layout.js";
import { MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";

/** A kernel with fixed machine numbers, so tests do not depend on the host. */
export function boot(opts: BootOptions = {}): Kernel {
  return Kernel.boot({ cpus: 4, ...opts });
}

export interface Actor {
  task: Task;
  thread: Thread;
  /** mach_task_self() */
  self: number;
  /** a reply port made with mach_reply_port() */
  reply: number;
}

export function actor(kernel: Kernel, opts: Parameters<Kernel["createTask"]>[0] = {}): Actor {
  const task = kernel.createTask(opts);
  const thread = task.createThread();
  return { task, thread, self: thread.taskSelfTrap(), reply: thread.machReplyPort() };
}

/** The right-accounting invariant: every test scenario ends with it. */
export function assertInvariant(kernel: Kernel): void {
  assert.deepEqual(kernel.findViolations(), []);
}

/** A raw message buffer with little-endian field writers, laid out by hand like a C struct. */
export class Msg {
  readonly buf: Uint8Array;
  readonly view: DataView;
  constructor(size = 1024) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  header(h: { bits: number; size: number; remote: number; local?: number; voucher?: number; id: number }): this {
    MACH_MSG_HEADER.write(this.view, 0, {
      bits: h.bits,
      size: h.size,
      remotePort: h.remote,
      localPort: h.local ?? 0,
      voucherPort: h.voucher ?? 0,
      id: h.id,
    });
    return this;
  }
  ndr(at: number): this {
    this.buf.set(NDR_RECORD, at);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  i32(at: number, v: number): this {
    this.view.setInt32(at, v, true);
    return this;
  }
  u64(at: number, v: bigint): this {
    this.view.setBigUint64(at, v, true);
    return this;
  }
  portDesc(at: number, name: number, disposition: number): this {
    PORT_DESCRIPTOR.write(this.view, at, { name, pad1: 0, pad2: 0, disposition, type: 0 });
    return this;
  }
  get(at: number): number {
    return this.view.getUint32(at, true);
  }
  geti(at: number): number {
    return this.view.getInt32(at, true);
  }
}

/** Send `msg` (sendSize bytes) and receive the reply on `reply`, synchronously (kernel RPCs never wait). */
export function rpc(thread: Thread, msg: Msg, sendSize: number, reply: number): number {
  const r = thread.machMsg(msg.buf, MACH_SEND_MSG | MACH_RCV_MSG, sendSize, msg.buf.byteLength, reply, 0, 0);
  assert.equal(typeof r, "number", "a kernel RPC should complete without waiting");
  return r as number;
}

import { carriedType } from "../../src/abi/message.js";
import { rightCopyin, rightCopyout } from "../../src/ipc/right.js";
import { IpcPort } from "../../src/ipc/port.js";

/**
 * Test setup: move a right from one task's space to another's exactly as a
 * message carrying it would (copyin with `disposition`, copyout on the other
 * side). Returns the name in `to`'s space.
 */
export function transfer(from: Actor, name: number, disposition: number, to: Actor): number {
  const c = rightCopyin(from.task.space, name, disposition, false);
  assert.equal(c.kr, 0, "copyin for transfer");
  const port = c.port;
  assert.ok(port instanceof IpcPort);
  const o = rightCopyout(to.task.space, port, carriedType(disposition), true);
  assert.equal(o.kr, 0, "copyout for transfer");
  return o.name;
}

/** The whole received message as 32-bit words: msgh_size bytes and the trailer after them. */
export function replyWords(m: Msg): number[] {
  const size = m.get(4);
  const trailer = m.get(size + 4);
  return Array.from({ length: (size + trailer) / 4 }, (_, i) => m.get(4 * i));
}

/**
 * A simple MIG request (COPY_SEND target, MAKE_SEND_ONCE reply, NDR, then the
 * 32-bit `args`) sent and its reply received in the same buffer.
 */
export function simpleRpc(a: Actor, target: number, id: number, args: number[] = [], bufSize = 1024): Msg {
  // A request with no inline arguments is a bare header: MIG writes no NDR record for it.
  const size = args.length === 0 ? 24 : 32 + 4 * args.length;
  const m = new Msg(bufSize);
  m.header({ bits: 0x1513, size, remote: target, local: a.reply, id });
  if (args.length > 0) m.ndr(24);
  args.forEach((w, i) => m.u32(32 + 4 * i, w));
  assert.equal(rpc(a.thread, m, size, a.reply), 0);
  return m;
}

/** The words a kernel reply starts with: bits (MOVE_SEND_ONCE to the reply port), size, ports, id, NDR. */
export function replyHead(a: Actor, size: number, id: number, bits = 0x1200): number[] {
  return [bits, size, 0, a.reply, 0, id, 0, 1];
}

/** The 8-byte minimum trailer. */
export const MIN_TRAILER = [0, 8];
