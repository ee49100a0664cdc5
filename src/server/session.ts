/**
 * One client connection: its task (made by HELLO, or joined with JOIN), its
 * threads, and the ops it sends. A MACH_MSG that has to wait never holds up
 * the connection: its result goes back when it completes, tagged by seq.
 */
import { viewOf } from "../abi/layout.js";
import type { Socket } from "node:net";
import { copyBytes, rdU32, wrU32 } from "../abi/bytes.js";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { KERN_INVALID_ARGUMENT, KERN_NO_ACCESS, KERN_SUCCESS } from "../abi/kern_return.js";
import {
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TOO_LARGE,
  MACH_MSG_SUCCESS,
  MACH_RCV_BODY_ERROR,
  MACH_RCV_HEADER_ERROR,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_INTERRUPTED,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_MSG,
} from "../abi/message.js";
import type { Kernel } from "../kern/kernel.js";
import type { Task } from "../kern/task.js";
import type { Thread } from "../kern/thread.js";
import {
  ADMIN,
  FRAME_HEADER,
  HELLO,
  JOIN,
  MAX_FRAME,
  MAX_PENDING_OUTPUT,
  MSG_ARGS,
  OP_ADMIN,
  OP_HELLO,
  OP_JOIN,
  OP_MACH_MSG,
  OP_RESULT,
  OP_THREAD,
  OP_TRAP,
  OP_TRAP_ARGS,
  OP_FORK,
  OP_EXCEPTION,
  OP_ADOPT,
  ADOPT,
  FORK,
  RESULT,
  TRAP,
  TRAP_HOST_SELF,
  TRAP_MACH_REPLY_PORT,
  TRAP_TASK_SELF,
  TRAP_THREAD_SELF,
  decodeRegions,
  descriptorRegions,
  frameBuffer,
  pad4,
  regionsLength,
  writeRegions,
  type OolRegion,
} from "./protocol.js";
import { ProcFrameError, decodeException, raiseFromWire, trapWithArgs, verifyAdopter, verifyForkChild } from "./proc_ops.js";
import { taskExec, taskFork } from "../kern/proc.js";

/** Tasks shared by connections (JOIN), with how many connections keep each alive. */
export interface TaskRegistry {
  byToken: Map<bigint, { task: Task; connections: number }>;
}

export interface SessionHooks {
  kernel: Kernel;
  registry: TaskRegistry;
  maxNames?: number;
  /** ADMIN commands (listings, trace); returns JSON text, or streams through `push`. */
  admin(session: Session, command: number, argument: number, push: (text: string) => void): string | null;
  log?(line: string): void;
}

export class ProtocolError extends Error {}

const EMPTY = new Uint8Array(0);
const NO_REGIONS: OolRegion[] = [];

/** Whether the claimed identity can be believed (see docs/server.md for the trust model). */
export function verifyPeer(uid: number, pid: number): boolean {
  const me = process.getuid?.() ?? 0;
  // A process may claim its own uid; root may claim any (it could setuid anyway).
  if (process.platform !== "linux") return me === 0 || uid === me;
  try {
    const owner = statSync(`/proc/${pid}`).uid;
    return owner === uid || owner === 0;
  } catch {
    return false;
  }
}

export class Session {
  task: Task | null = null;
  private token = 0n;
  private readonly threads = new Map<number, Thread>();
  private nextThread = 1;
  closed = false;
  /** The receive buffer most mach_msg calls use (see machMsg). */
  private readonly scratch = new Uint8Array(16384);
  private scratchBusy = false;

  constructor(
    readonly socket: Socket,
    private readonly hooks: SessionHooks,
  ) {}

  /** Handle one complete frame; throws ProtocolError for a malformed one. */
  handle(f: Uint8Array): void {
    const payload = f.subarray(FRAME_HEADER.size);
    // mach_msg is nearly every frame: it skips the general decoding below.
    if (rdU32(f, FRAME_HEADER.at.op) === OP_MACH_MSG && this.task) {
      this.machMsg(rdU32(f, FRAME_HEADER.at.seq), this.thread(rdU32(f, FRAME_HEADER.at.thread)), payload);
      return;
    }
    const h = FRAME_HEADER.read(viewOf(f), 0);
    const pv = viewOf(payload);
    const need = (n: number): void => {
      if (payload.byteLength < n) throw new ProtocolError(`op ${h.op}: payload of ${payload.byteLength} bytes, need ${n}`);
    };
    // A fork's child starts with FORK; a fault handler's connection may send EXCEPTION alone.
    if (h.op !== OP_HELLO && h.op !== OP_JOIN && h.op !== OP_FORK && h.op !== OP_EXCEPTION && !this.task) throw new ProtocolError("first frame must be HELLO or JOIN");
    try {
      if (this.procOp(h.op, h.seq, h.thread, payload)) return;
    } catch (e) {
      if (e instanceof ProcFrameError) throw new ProtocolError(e.message);
      throw e;
    }
    switch (h.op) {
      case OP_HELLO: {
        if (this.task) throw new ProtocolError("HELLO twice");
        need(HELLO.size);
        const hello = HELLO.read(pv, 0);
        need(HELLO.size + hello.nameLength);
        const name = new TextDecoder().decode(payload.subarray(HELLO.size, HELLO.size + hello.nameLength));
        if (!verifyPeer(hello.uid, hello.pid)) {
          this.result(h.seq, KERN_NO_ACCESS);
          this.close();
          return;
        }
        const kernel = this.hooks.kernel;
        const pid = kernel.tasks.has(hello.pid) ? undefined : hello.pid;
        this.task = kernel.createTask({ uid: hello.uid, gid: hello.gid, pid, name: name || `pid${hello.pid}`, maxNames: this.hooks.maxNames });
        this.token = BigInt(`0x${randomBytes(8).toString("hex")}`);
        this.hooks.registry.byToken.set(this.token, { task: this.task, connections: 1 });
        this.threads.set(0, this.task.createThread());
        this.result(h.seq, this.task.pid, new Uint8Array(0), [], this.identity());
        return;
      }
      case OP_JOIN: {
        if (this.task) throw new ProtocolError("JOIN after HELLO");
        need(JOIN.size);
        const token = JOIN.read(pv, 0).token;
        const entry = this.hooks.registry.byToken.get(token);
        if (!entry || !entry.task.active) {
          this.result(h.seq, KERN_INVALID_ARGUMENT);
          this.close();
          return;
        }
        entry.connections++;
        this.task = entry.task;
        this.token = token;
        this.threads.set(0, this.task.createThread());
        this.result(h.seq, this.task.pid, EMPTY, NO_REGIONS, this.identity().subarray(8));
        return;
      }
      case OP_THREAD: {
        const id = this.nextThread++;
        this.threads.set(id, this.task!.createThread());
        this.result(h.seq, id);
        return;
      }
      case OP_TRAP: {
        need(TRAP.size);
        const t = this.thread(h.thread);
        const trap = TRAP.read(pv, 0).trap;
        const value =
          trap === TRAP_TASK_SELF ? t.taskSelfTrap() : trap === TRAP_HOST_SELF ? t.hostSelfTrap() : trap === TRAP_THREAD_SELF ? t.threadSelfTrap() : trap === TRAP_MACH_REPLY_PORT ? t.machReplyPort() : -1;
        if (value < 0) throw new ProtocolError(`unknown trap ${trap}`);
        this.result(h.seq, value);
        return;
      }
      case OP_MACH_MSG:
        this.machMsg(h.seq, this.thread(h.thread), payload);
        return;
      case OP_ADMIN: {
        need(ADMIN.size);
        const a = ADMIN.read(pv, 0);
        const text = this.hooks.admin(this, a.command, a.argument, (line) => this.result(h.seq, KERN_SUCCESS, new Uint8Array(0), [], new TextEncoder().encode(line)));
        if (text !== null) this.result(h.seq, KERN_SUCCESS, new Uint8Array(0), [], new TextEncoder().encode(text));
        return;
      }
      default:
        throw new ProtocolError(`unknown op ${h.op}`);
    }
  }

  /** The task token and this connection's thread id (what a C thread names itself by in EXCEPTION). */
  private identity(): Uint8Array {
    const out = new Uint8Array(12);
    viewOf(out).setBigUint64(0, this.token, true);
    wrU32(out, 8, this.threads.get(0)?.id ?? 0);
    return out;
  }

  /** FORK, ADOPT, EXCEPTION and TRAP_ARGS (src/server/proc_ops.ts); false for any other op. */
  private procOp(op: number, seq: number, threadId: number, payload: Uint8Array): boolean {
    switch (op) {
      case OP_FORK: {
        if (this.task) throw new ProtocolError("FORK after HELLO");
        if (payload.byteLength < FORK.size) throw new ProtocolError("short FORK");
        const f = FORK.read(viewOf(payload), 0);
        if (payload.byteLength < FORK.size + f.nameLength) throw new ProtocolError("short FORK");
        const name = new TextDecoder().decode(payload.subarray(FORK.size, FORK.size + f.nameLength));
        const parent = this.hooks.registry.byToken.get(f.parentToken)?.task;
        if (!parent || !parent.active || !verifyForkChild(parent, f.pid, f.uid, f.gid) || f.uid !== parent.secToken[0]) {
          this.result(seq, KERN_NO_ACCESS);
          this.close();
          return true;
        }
        const pid = this.hooks.kernel.tasks.has(f.pid) ? undefined : f.pid;
        this.task = taskFork(parent, { pid, name: name || parent.name });
        this.token = BigInt(`0x${randomBytes(8).toString("hex")}`);
        this.hooks.registry.byToken.set(this.token, { task: this.task, connections: 1 });
        this.threads.set(0, this.task.createThread());
        this.result(seq, this.task.pid, EMPTY, NO_REGIONS, this.identity());
        return true;
      }
      case OP_ADOPT: {
        if (payload.byteLength < ADOPT.size) throw new ProtocolError("short ADOPT");
        const a = ADOPT.read(viewOf(payload), 0);
        if (payload.byteLength < ADOPT.size + a.nameLength) throw new ProtocolError("short ADOPT");
        const task = this.task!;
        if (!verifyAdopter(task, a.pid, a.uid, a.gid)) {
          this.result(seq, KERN_NO_ACCESS);
          return true;
        }
        const name = new TextDecoder().decode(payload.subarray(ADOPT.size, ADOPT.size + a.nameLength));
        // exec: the threads of other connections end with them; this connection's thread carries on.
        for (const [id, t] of this.threads) if (id !== 0) t.terminate();
        const keep = this.threads.get(0)!;
        for (const [id] of this.threads) if (id !== 0) this.threads.delete(id);
        const setId = a.setId !== 0 || a.uid !== task.secToken[0] || a.gid !== task.secToken[1] ? { uid: a.uid, gid: a.gid } : undefined;
        taskExec(task, keep, { name: name || undefined, setId });
        this.result(seq, task.pid, EMPTY, NO_REGIONS, this.identity());
        return true;
      }
      case OP_EXCEPTION: {
        const req = decodeException(payload);
        let thread: Thread | undefined;
        if (req.token === 0n) thread = this.task ? this.threads.get(threadId) : undefined;
        else {
          const task = this.hooks.registry.byToken.get(req.token)?.task;
          thread = task?.threads.find((t) => t.id === req.thread && t.active);
        }
        if (!thread || !thread.active) {
          this.result(seq, KERN_INVALID_ARGUMENT);
          return true;
        }
        raiseFromWire(thread, req).then(
          (r) => this.result(seq, r.kr, EMPTY, NO_REGIONS, r.extra),
          (e: unknown) => this.hooks.log?.(`exception failed: ${String(e)}`),
        );
        return true;
      }
      case OP_TRAP_ARGS: {
        const r = trapWithArgs(this.thread(threadId), payload);
        if (!r) throw new ProtocolError("unknown trap");
        const out = new Uint8Array(4);
        wrU32(out, 0, r.value >>> 0);
        this.result(seq, r.kr, EMPTY, NO_REGIONS, out);
        return true;
      }
      default:
        return false;
    }
  }

  private thread(id: number): Thread {
    const t = this.threads.get(id);
    if (!t || !t.active) throw new ProtocolError(`no thread ${id}`);
    return t;
  }

  /** MACH_MSG: mirror the sender's OOL regions into the task, run the trap, send back what was received. */
  private machMsg(seq: number, thread: Thread, payload: Uint8Array): void {
    if (payload.byteLength < MSG_ARGS.size) throw new ProtocolError("short MACH_MSG");
    const at = MSG_ARGS.at;
    const option = rdU32(payload, at.option);
    const sendSize = rdU32(payload, at.sendSize);
    const rcvSize = rdU32(payload, at.rcvSize);
    const oolCount = rdU32(payload, at.oolCount);
    let msg: Uint8Array;
    let mapped: bigint[] | null = null;
    const vm = this.task!.vm;
    if (oolCount === 0) msg = payload.subarray(MSG_ARGS.size);
    else {
      const regions = decodeRegions(payload, MSG_ARGS.size, payload.byteLength, oolCount);
      if (!regions) throw new ProtocolError("MACH_MSG regions overrun the frame");
      msg = payload.subarray(regions.off);
      mapped = [];
      for (const r of regions.regions) {
        vm.mapAt(r.address, r.data);
        mapped.push(r.address);
      }
    }
    // The receive buffer is bounded by what a frame can carry back. Most
    // messages fit the session's scratch buffer, which is lent to one
    // mach_msg at a time (a blocked receive keeps it until it completes).
    const bufSize = Math.max(msg.byteLength, Math.min(rcvSize, MAX_FRAME - 4096));
    const lend = !this.scratchBusy && bufSize <= this.scratch.byteLength;
    const buf = lend ? this.scratch.subarray(0, bufSize) : new Uint8Array(bufSize);
    if (lend) this.scratchBusy = true;
    buf.set(msg);
    const done = (mr: number): void => {
      if (mapped) for (const addr of mapped) vm.deallocate(addr, 0);
      if (!this.closed) this.reply(seq, buf, option, sendSize, mr);
      if (lend) this.scratchBusy = false;
    };
    if (option & MACH_SEND_MSG && sendSize > msg.byteLength) {
      // The client said more than it sent: as a bad user address would.
      done(MACH_SEND_INVALID_DATA);
      return;
    }
    const r = thread.machMsg(buf, option, sendSize, rcvSize, rdU32(payload, at.rcvName), rdU32(payload, at.timeout), 0);
    if (typeof r === "number") done(r);
    else
      r.then(done, (e: unknown) => {
        if (lend) this.scratchBusy = false;
        this.hooks.log?.(`mach_msg failed: ${String(e)}`);
      });
  }

  /** How many bytes of `buf` go back after a mach_msg: the received message (or the pseudo-received one). */
  private outgoingLength(buf: Uint8Array, option: number, sendSize: number, mr: number): number {
    const base = (mr & ~0x3e00) >>> 0;
    if (option & MACH_RCV_MSG && (mr === MACH_MSG_SUCCESS || base === MACH_RCV_BODY_ERROR || base === MACH_RCV_HEADER_ERROR || mr === MACH_RCV_TOO_LARGE)) {
      if (mr === MACH_RCV_TOO_LARGE && option & MACH_RCV_LARGE) return 24;
      const size = rdU32(buf, 4);
      const tsize = size + 8 <= buf.byteLength ? rdU32(buf, size + 4) : 0;
      return Math.min(buf.byteLength, size + tsize);
    }
    if (base === MACH_SEND_TIMED_OUT || base === MACH_SEND_NO_BUFFER || base === MACH_SEND_INTERRUPTED) return sendSize;
    return 0;
  }

  /** The RESULT of a mach_msg; received OOL data leaves the task's simulated memory for the client's real memory. */
  private reply(seq: number, buf: Uint8Array, option: number, sendSize: number, mr: number): void {
    const n = this.outgoingLength(buf, option, sendSize, mr);
    const vm = this.task!.vm;
    const regions = n >= 28 ? descriptorRegions(buf, n, (address, size) => vm.read(address, size)) : NO_REGIONS;
    for (const r of regions) vm.deallocate(r.address, r.data.byteLength);
    this.result(seq, mr, buf.subarray(0, n), regions);
  }

  result(seq: number, value: number, msg: Uint8Array = EMPTY, regions: OolRegion[] = NO_REGIONS, extra: Uint8Array = EMPTY): void {
    if (this.closed) return;
    const body = FRAME_HEADER.size + RESULT.size;
    const regionsAt = body + pad4(msg.byteLength);
    const extraAt = regionsAt + (regions.length > 0 ? regionsLength(regions) : 0);
    const f = frameBuffer(extraAt + extra.byteLength, OP_RESULT, seq, 0);
    const at = RESULT.at;
    wrU32(f, FRAME_HEADER.size + at.value, value >>> 0);
    wrU32(f, FRAME_HEADER.size + at.msgLength, msg.byteLength);
    wrU32(f, FRAME_HEADER.size + at.oolCount, regions.length);
    wrU32(f, FRAME_HEADER.size + at.extraLength, extra.byteLength);
    copyBytes(f, body, msg, 0, msg.byteLength);
    if (regions.length > 0) writeRegions(f, regionsAt, regions);
    if (extra.byteLength > 0) f.set(extra, extraAt);
    this.socket.write(f);
    // A client that does not read its results is cut off rather than let the server's memory grow.
    if (this.socket.writableLength > MAX_PENDING_OUTPUT) {
      this.hooks.log?.(`${this.task?.name ?? "client"}: output backlog, disconnecting`);
      this.close();
    }
  }

  /** The connection is gone: its threads end, and the task dies with its last connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const t of this.threads.values()) t.terminate();
    const entry = this.hooks.registry.byToken.get(this.token);
    if (entry && --entry.connections === 0) {
      this.hooks.registry.byToken.delete(this.token);
      entry.task.terminate();
    }
  }
}
