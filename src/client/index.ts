/**
 * `machipc/client`: a process's connection to a machipc server, offering the
 * same trap interface as the in-process kernel (machMsg, taskSelfTrap, ...),
 * with OOL memory mirrored through the client's own address-space map.
 */
import { connect as netConnect, type Socket } from "node:net";
import { isMainThread } from "node:worker_threads";
import { MACH_SEND_MSG } from "../abi/message.js";
import { findTrap, trapResult, trapSlots, type TrapArgs, type TrapResult } from "../abi/traps.js";
import { copyBytes, rdU32, wrU32 } from "../abi/bytes.js";
import { VmMap } from "../kern/vm_map.js";
import type { MachMsgCaller } from "../mig/call.js";
import { migCall, type UserArgs, type UserResult } from "../mig/call.js";
import type { CallArgs, RoutineKey, RoutineResult } from "../mig/typed.js";
import { MigArgumentError } from "../mig/validate.js";
import type { Routine } from "../mig/routine.js";
import { MigRegistry } from "../kern/ipc_kobject.js";
import { installSubsystems } from "../subsystems/index.js";
import { checkSocketDirForClient, defaultSocketPath } from "../server/socket_path.js";
import { decodeExceptionResult, encodeException } from "../server/proc_ops.js";
import type { HostReport, LsmpReport, TaskSummary } from "../server/admin.js";
import { connectErrorMessage } from "./connect_error.js";
import {
  ADMIN,
  ADMIN_HOST,
  ADMIN_LSMP,
  ADMIN_LSMP_ALL,
  ADMIN_CREDENTIALS,
  ADMIN_PROC_NAME,
  ADMIN_TASKS,
  ADMIN_TRACE,
  FRAME_HEADER,
  FrameReader,
  HELLO,
  MAX_TASK_NAME,
  MSG_ARGS,
  OP_ADMIN,
  OP_HELLO,
  OP_MACH_MSG,
  OP_RESULT,
  OP_THREAD,
  OP_TRAP,
  OP_TRAP_ARGS,
  OP_EXCEPTION,
  RESULT,
  TRAP,
  TRAP_ARGS,
  TRAP_HOST_SELF,
  TRAP_MACH_REPLY_PORT,
  TRAP_TASK_SELF,
  TRAP_THREAD_SELF,
  decodeRegions,
  descriptorRegions,
  frame,
  frameBuffer,
  pad4,
  regionsLength,
  struct,
  writeRegions,
  type OolRegion,
} from "../server/protocol.js";

const EMPTY = new Uint8Array(0);
/** Where every client connection's reads land (see connect). */
const READ_BUFFER = new Uint8Array(64 * 1024);
const NO_REGIONS: OolRegion[] = [];

export interface ConnectOptions {
  /** Default: $MACHIPC_SOCKET, else the user's own server's socket (docs/server.md). */
  socketPath?: string;
  /** A label for listings. The task's uid, gid and pid are this process's, as the server's kernel reports them. */
  name?: string;
}

interface Result {
  value: number;
  msg: Uint8Array;
  regions: OolRegion[];
  extra: Uint8Array;
}

/** The routines a client can call by id (the same descriptions the kernel serves). */
const routines = new MigRegistry<unknown>();
installSubsystems(routines as never);

export class ClientError extends Error {}

/** Where a client's own OOL buffers start: above the server-side task map's range (vm_map.ts). */
const CLIENT_VM_BASE = 0x0000600000000000n;

/** A task in a machipc server. */
export class MachClient {
  readonly pid: number;
  /** Where OOL memory of this client lives (addresses as the server's messages name them). */
  // Received regions arrive at the addresses the server's task map chose; this
  // process's own allocations start elsewhere so the two never land on each other.
  readonly memory = new VmMap(CLIENT_VM_BASE);
  /** `now`: resolve uses the RESULT before it returns (sendFinished's finish), keeping no view of it. */
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void; now?: boolean }>();
  private readonly streams = new Map<number, (text: string) => void>();
  private seq = 1;
  private closedError: Error | null = null;
  readonly mainThread: ClientThread;

  private constructor(private readonly socket: Socket, pid: number) {
    this.pid = pid;
    this.mainThread = new ClientThread(this, 0);
  }

  /** Connect and say who we are. Rejects with a clear error if the server is not running or refuses. */
  static async connect(opts: ConnectOptions = {}): Promise<MachClient> {
    const path = opts.socketPath ?? socketPathFromEnv();
    // Before saying who we are, make sure the socket is the one its directory's owner put there.
    const unsafe = checkSocketDirForClient(path);
    if (unsafe) throw new ClientError(`refusing to connect to ${path}: ${unsafe}`);
    // Reads land in one buffer shared by every connection (onread): no Buffer per chunk.
    // A frame is handled before the next read; what outlives that is copied (deliver).
    const onBytes = (bytes: Uint8Array): void => {
      reader.push(bytes);
      for (;;) {
        const f = reader.next();
        if (f === null) break;
        const r = f instanceof Error ? null : parseResult(f);
        if (!r) {
          socket.destroy(new ClientError(`a malformed frame from the server${f instanceof Error ? `: ${f.message}` : ""}`));
          return;
        }
        if (client) client.deliver(r.seq, r.result, f as Uint8Array);
        else early.shift()?.(parseResult((f as Uint8Array).slice())!.result);
      }
      reader.keep(READ_BUFFER.buffer);
    };
    const reader = new FrameReader();
    let client: MachClient | null = null;
    const early: ((r: Result) => void)[] = [];
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({
        path,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array) => {
            onBytes(buf.subarray(0, n));
            return true;
          },
        },
      });
      s.once("connect", () => resolve(s));
      s.once("error", (e: NodeJS.ErrnoException) => reject(new ClientError(connectErrorMessage(path, e))));
    });
    // The server takes at most MAX_TASK_NAME bytes of a label (a longer HELLO is a protocol error).
    const name = new TextEncoder().encode(opts.name ?? `node:${process.pid}`).subarray(0, MAX_TASK_NAME);
    // The server takes uid, gid and pid from the kernel; they are sent as the wire has them.
    // Node's main thread is the process's first thread (its tid the pid); a worker's tid is not known.
    const tid = isMainThread ? process.pid : 0;
    const hello = struct(HELLO, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, pid: process.pid, nameLength: name.byteLength, tid });
    socket.write(frame(OP_HELLO, 0, 0, [hello, name]));
    const res = await new Promise<Result>((resolve, reject) => {
      early.push(resolve);
      socket.once("close", () => reject(new ClientError("the server closed the connection during the handshake")));
    });
    // Success carries the task token (and the thread id); a refusal is a bare kern_return_t.
    if (res.extra.byteLength < 8) throw new ClientError(`the server refused this process (kern_return ${res.value})`);
    client = new MachClient(socket, res.value);
    socket.on("close", () => client!.fail(new ClientError("connection to the machipc server closed")));
    return client;
  }

  /** `r` was parsed from `f`, which may be a view of the shared read buffer: whoever keeps it past this call gets a copy. */
  private deliver(seq: number, r: Result, f: Uint8Array): void {
    const stream = this.streams.get(seq);
    if (stream) return stream(new TextDecoder().decode(r.extra));
    const done = this.pending.get(seq);
    if (!done) return;
    this.pending.delete(seq);
    if (f.buffer === READ_BUFFER.buffer && !(done.now && r.regions.length === 0)) r = parseResult(f.slice())!.result;
    done.resolve(r);
  }

  private fail(e: Error): void {
    this.closedError = e;
    for (const [, done] of this.pending) done.reject(e);
    this.pending.clear();
  }

  /** Send one op and wait for its RESULT. */
  request(op: number, thread: number, parts: Uint8Array[]): Promise<Result> {
    return this.send((seq) => frame(op, seq, thread, parts));
  }

  /** Send the frame `build` makes for a fresh sequence number, and wait for its RESULT. */
  send(build: (seq: number) => Uint8Array): Promise<Result> {
    if (this.closedError) return Promise.reject(this.closedError);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.socket.write(build(seq));
    });
  }

  /**
   * As send, settled with what `finish` makes of the RESULT as it arrives: one
   * promise per call, where `send(...).then(finish)` makes a second one and
   * costs a microtask turn more on every RPC. `finish` must not keep the
   * RESULT's views (they may be of the read buffer), except its regions'.
   */
  sendFinished<T>(build: (seq: number) => Uint8Array, finish: (r: Result) => T): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const seq = this.seq++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, {
        resolve: (r) => {
          try {
            resolve(finish(r));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        },
        reject,
        now: true,
      });
      this.socket.write(build(seq));
    });
  }

  async trap(thread: number, trap: number): Promise<number> {
    return (await this.request(OP_TRAP, thread, [struct(TRAP, { trap })])).value;
  }

  /** TRAP_ARGS: a trap with its argument slots; the kern_return_t and the copied-out slots. */
  async trapArgs(thread: number, trap: number, args: readonly bigint[]): Promise<{ kr: number; outs: bigint[] }> {
    const slots = new Uint8Array(8 * args.length);
    const v = new DataView(slots.buffer);
    args.forEach((a, i) => v.setBigUint64(8 * i, a, true));
    const r = await this.request(OP_TRAP_ARGS, thread, [struct(TRAP_ARGS, { trap, argc: args.length }), slots]);
    const ev = new DataView(r.extra.buffer, r.extra.byteOffset, r.extra.byteLength);
    const outs = Array.from({ length: Math.floor(r.extra.byteLength / 8) }, (_, i) => ev.getBigUint64(8 * i, true));
    return { kr: r.value | 0, outs };
  }

  /** A new thread of this task. */
  async createThread(): Promise<ClientThread> {
    const r = await this.request(OP_THREAD, 0, []);
    if (r.value === 0) throw new ClientError("the server refused a new thread (its per-task thread limit)");
    return new ClientThread(this, r.value);
  }

  /** Admin listings (JSON). */
  async admin(command: number, argument = 0): Promise<unknown> {
    const r = await this.request(OP_ADMIN, 0, [struct(ADMIN, { command, argument })]);
    return JSON.parse(new TextDecoder().decode(r.extra));
  }
  /** The server's tasks (those this client may see). */
  tasks(): Promise<TaskSummary[]> {
    return this.admin(ADMIN_TASKS) as Promise<TaskSummary[]>;
  }
  /** A task's name space as lsmp shows it, or why not. */
  lsmp(pid: number): Promise<LsmpReport | { error: string }> {
    return this.admin(ADMIN_LSMP, pid) as Promise<LsmpReport | { error: string }>;
  }
  /** lsmp -a: every task's name space. */
  lsmpAll(): Promise<LsmpReport[]> {
    return this.admin(ADMIN_LSMP_ALL) as Promise<LsmpReport[]>;
  }
  /** The name of the task with pid `pid` (libproc's proc_name), or null when the kernel has none. */
  async procName(pid: number): Promise<string | null> {
    const r = (await this.admin(ADMIN_PROC_NAME, pid)) as { name?: string };
    return r.name ?? null;
  }
  /**
   * Tell the server this process's credential changed (after `process.setuid()` and its kin
   * succeed): the task's security and audit tokens and its host port (`mach_host_self()`) follow
   * the new effective uid, as set_security_token has them on macOS. The server reads the
   * credential from /proc, not from the client. Resolves to it; rejects when the server refuses.
   */
  async credentialsChanged(): Promise<{ uid: number; gid: number; ruid: number; rgid: number }> {
    const r = (await this.admin(ADMIN_CREDENTIALS)) as { uid: number; gid: number; ruid: number; rgid: number } | { error: string };
    if ("error" in r) throw new Error(`credentialsChanged: ${r.error}`);
    return r;
  }
  /** What hostinfo reports. */
  host(): Promise<HostReport> {
    return this.admin(ADMIN_HOST) as Promise<HostReport>;
  }
  /** Receive trace lines as messages pass through the server, until close(). */
  trace(onLine: (line: string) => void): void {
    const seq = this.seq++;
    this.streams.set(seq, onLine);
    this.socket.write(frame(OP_ADMIN, seq, 0, [struct(ADMIN, { command: ADMIN_TRACE, argument: 0 })]));
  }

  /** Call `fn` once the connection to the server is gone (closed by either side). */
  onClose(fn: () => void): void {
    if (this.socket.destroyed) queueMicrotask(fn);
    else this.socket.once("close", fn);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/** A RESULT frame, every length checked against the frame; null for one that cannot be valid. */
export function parseResult(f: Uint8Array): { seq: number; result: Result } | null {
  const body = FRAME_HEADER.size;
  const at = RESULT.at;
  if (f.byteLength < body + RESULT.size || rdU32(f, FRAME_HEADER.at.op) !== OP_RESULT) return null;
  const msgLength = rdU32(f, body + at.msgLength);
  const oolCount = rdU32(f, body + at.oolCount);
  const extraLength = rdU32(f, body + at.extraLength);
  let off = body + RESULT.size;
  if (f.byteLength - off < pad4(msgLength)) return null;
  // Frames are the client's own (the reader hands each over once): views, not copies.
  const msg = msgLength > 0 ? f.subarray(off, off + msgLength) : EMPTY;
  off += pad4(msgLength);
  let regions = NO_REGIONS;
  if (oolCount > 0) {
    const regs = decodeRegions(f, off, f.byteLength, oolCount);
    if (!regs) return null;
    regions = regs.regions;
    off = regs.off;
  }
  if (f.byteLength - off < extraLength) return null;
  const extra = extraLength > 0 ? f.subarray(off, off + extraLength) : EMPTY;
  return { seq: rdU32(f, FRAME_HEADER.at.seq), result: { value: rdU32(f, body + at.value), msg, regions, extra } };
}

/** A thread of a client task: the traps, as the in-process Thread offers them. */
export class ClientThread implements MachMsgCaller {
  private migReply = 0;
  constructor(
    readonly client: MachClient,
    readonly id: number,
  ) {}

  get memory(): VmMap {
    return this.client.memory;
  }

  taskSelfTrap(): Promise<number> {
    return this.client.trap(this.id, TRAP_TASK_SELF);
  }
  hostSelfTrap(): Promise<number> {
    return this.client.trap(this.id, TRAP_HOST_SELF);
  }
  threadSelfTrap(): Promise<number> {
    return this.client.trap(this.id, TRAP_THREAD_SELF);
  }
  machReplyPort(): Promise<number> {
    return this.client.trap(this.id, TRAP_MACH_REPLY_PORT);
  }

  /** A trap with arguments, named as in process (Thread.trap): `trap("semaphore_signal_trap", { signal_name })`. */
  async trap(trap: number | string, args: TrapArgs): Promise<TrapResult> {
    const t = findTrap(trap);
    if (!t) throw new ClientError(`no trap ${String(trap)}`);
    const r = await this.client.trapArgs(this.id, t.number, trapSlots(t, args));
    return trapResult(t, r.kr, r.outs);
  }

  /** mach_msg: the same arguments as in process; the received message lands in `buf`. */
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout = 0, notify = 0): Promise<number> {
    void notify;
    const memory = this.client.memory;
    const regions = option & MACH_SEND_MSG ? descriptorRegions(buf, sendSize, (a, n) => memory.read(a, n)) : NO_REGIONS;
    const msg = option & MACH_SEND_MSG ? buf.subarray(0, Math.min(sendSize, buf.byteLength)) : EMPTY;
    const regionBytes = regions.length > 0 ? regionsLength(regions) : 0;
    const id = this.id;
    return this.client.sendFinished(
      (seq) => {
        // One buffer: frame header, arguments, OOL regions, the message (every byte written, so not zeroed first).
        const argsAt = FRAME_HEADER.size;
        const msgAt = argsAt + MSG_ARGS.size + regionBytes;
        const f = frameBuffer(msgAt + msg.byteLength, OP_MACH_MSG, seq, id, false);
        const at = MSG_ARGS.at;
        wrU32(f, argsAt + at.option, option);
        wrU32(f, argsAt + at.sendSize, sendSize);
        wrU32(f, argsAt + at.rcvSize, rcvSize);
        wrU32(f, argsAt + at.rcvName, rcvName);
        wrU32(f, argsAt + at.timeout, timeout);
        wrU32(f, argsAt + at.oolCount, regions.length);
        if (regionBytes > 0) writeRegions(f, argsAt + MSG_ARGS.size, regions);
        copyBytes(f, msgAt, msg, 0, msg.byteLength);
        return f;
      },
      (r) => {
        if (r.msg.byteLength > 0) copyBytes(buf, 0, r.msg, 0, Math.min(r.msg.byteLength, buf.byteLength));
        for (const reg of r.regions) memory.mapAt(reg.address, reg.data);
        return r.value;
      },
    );
  }

  async migReplyPort(): Promise<number> {
    if (this.migReply === 0) this.migReply = await this.machReplyPort();
    return this.migReply;
  }

  async migDeallocReplyPort(name: number): Promise<void> {
    if (name === this.migReply) this.migReply = 0;
  }

  /** task_for_pid(target_tport, pid): a send right to the task of `pid`. */
  async taskForPid(targetTport: number, pid: number): Promise<{ kr: number; task: number }> {
    const r = await this.trap("task_for_pid", { target_tport: targetTport, pid });
    return { kr: r.kr, task: r["t"] as number };
  }
  /** task_name_for_pid(target_tport, pid): a send right to its task name port. */
  async taskNameForPid(targetTport: number, pid: number): Promise<{ kr: number; name: number }> {
    const r = await this.trap("task_name_for_pid", { target_tport: targetTport, pid });
    return { kr: r.kr, name: r["tn"] as number };
  }
  /** pid_for_task(t): the pid of a task (-1 on failure). */
  async pidForTask(t: number): Promise<{ kr: number; pid: number }> {
    const r = await this.trap("pid_for_task", { t });
    return { kr: r.kr, pid: (r["x"] as number) | 0 };
  }

  /**
   * Raise an exception on this thread, as a trap would, out of process: the
   * thread's, the task's and the host's handlers are offered it in turn with
   * `states` (flavor and words) as the thread's registers. Resolves when a
   * handler answered: which level took it (null if only BSD's handler did, and
   * then `signal` is the one it posted), and the thread's state afterwards.
   */
  async raiseException(exception: number, codes: (number | bigint)[] = [], states: { flavor: number; words: Uint32Array }[] = []): Promise<ClientExceptionOutcome> {
    const body = encodeException({ token: 0n, thread: this.id, exception, codes: codes.map((c) => BigInt(c)), states });
    const r = await this.client.request(OP_EXCEPTION, this.id, [body]);
    const out = decodeExceptionResult(r.extra);
    return { kr: r.value | 0, handledBy: LEVEL_NAMES[out.handledBy] ?? null, signal: out.signal, states: out.states };
  }

  /**
   * Call a kernel routine by name or MIG id, as a generated stub would, over
   * the socket; typed by the routine's description, as Thread.call is.
   */
  call<K extends RoutineKey>(routine: K, target: number, ...args: CallArgs<K>): Promise<RoutineResult<K>>;
  call(routine: RoutineKey, target: number, args: UserArgs = {}): Promise<UserResult> {
    return this.callUntyped(routine, target, args);
  }

  /** `call` for a routine chosen at run time (a name or id in a variable): checked at run time only. */
  callUntyped(routine: string | number, target: number, args: UserArgs = {}): Promise<UserResult> {
    const r = routines.find(routine);
    if (!r) return Promise.reject(new MigArgumentError(`no MIG routine ${String(routine)}`));
    return migCall(this, r as Routine<unknown>, target, args);
  }
}

const LEVEL_NAMES: Record<number, "thread" | "task" | "host"> = { 1: "thread", 2: "task", 3: "host" };

export interface ClientExceptionOutcome {
  /** exception_triage's result. */
  kr: number;
  handledBy: "thread" | "task" | "host" | null;
  /** The signal (macOS numbering) BSD's handler posted when no one else handled it, else 0. */
  signal: number;
  /** The thread's registers after delivery (general and float flavors). */
  states: { flavor: number; words: Uint32Array }[];
}

export { bootstrapCheckIn, bootstrapLookUp, bootstrapParent, bootstrapRegister, bootstrapStrerrorText } from "../subsystems/bootstrap_user.js";
/** The socket a client uses by default: $MACHIPC_SOCKET, else the server's default path. */
export function socketPathFromEnv(): string {
  return process.env["MACHIPC_SOCKET"] || defaultSocketPath();
}

export { MachClient as Client };

// The constants and types a client's calls need, as `machipc` exports them.
export * from "../abi/kern_return.js";
export * from "../abi/message.js";
export * from "../abi/port.js";
export * from "../abi/ikot.js";
export * from "../abi/exception.js";
export * from "../abi/host.js";
export * from "../abi/info.js";
export * from "../abi/vm_region.js";
export { kernReturnName } from "../abi/names.js";
export { MigArgumentError } from "../mig/validate.js";
export type { CallArgs, CallResult, KernError, RoutineArgs, RoutineId, RoutineKey, RoutineName, RoutineOuts, RoutineResult, Routines } from "../mig/typed.js";
export type { PortIn, UserPort } from "../mig/user.js";
export type { HostReport, LsmpReport, TaskSummary } from "../server/admin.js";
export const connect = MachClient.connect;
