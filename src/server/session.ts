/**
 * One client connection: its task (made by HELLO, or joined with JOIN), its
 * threads, and the ops it sends. Who the client is comes from the kernel
 * (the socket's peer credentials), never from what it says. A MACH_MSG that
 * has to wait never holds up the connection: its result goes back when it
 * completes, tagged by seq.
 */
import type { Socket } from "node:net";
import { copyBytes, rdU32, wrU32 } from "../abi/bytes.js";
import { viewOf } from "../abi/layout.js";
import { HEADER_SIZE } from "../abi/msg_layout.js";
import { randomBytes } from "node:crypto";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS } from "../abi/kern_return.js";
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
  MACH_SEND_TIMEOUT,
  MAX_TRAILER_SIZE,
} from "../abi/message.js";
import { IpcPort } from "../ipc/port.js";
import type { Kernel } from "../kern/kernel.js";
import { taskName } from "./proc_name.js";
import type { Task } from "../kern/task.js";
import type { Thread } from "../kern/thread.js";
import type { MachMsgResult } from "../ipc/mach_msg.js";
import type { VmMap } from "../kern/vm_map.js";
import { findTrap } from "../abi/traps.js";
import {
  FRAME_HEADER,
  MSG_ARGS,
  OOL_REGION,
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
  ProtocolError,
  MAX_TASK_NAME,
  RESULT,
  TRAP_HOST_SELF,
  TRAP_MACH_REPLY_PORT,
  TRAP_TASK_SELF,
  TRAP_THREAD_SELF,
  decodeRequest,
  descriptorRegions,
  frameBuffer,
  ownBuffer,
  pad4,
  regionsLength,
  writeRegions,
  writeRegionHeader,
  regionSizeField,
  type MachMsgRequest,
  type OolRegion,
  type Request,
} from "./protocol.js";
import { socketFd, type PeerCredentials } from "./native.js";
import { inReadBuffer, sendFrame } from "./wire.js";
import { ProcFrameError, decodeException, procCredential, procStartTime, procThreadOf, raiseFromWire, resultExtra, verifyAdopter, verifyForkChild } from "./proc_ops.js";
import { taskExec, taskFork, taskSetCredential } from "../kern/proc.js";
import { attachProcessMemory } from "../kern/vm_remote.js";
import { processMemory } from "./proc_memory.js";
import { attachProcessUsage } from "../kern/task_usage.js";
import { processUsage } from "./proc_usage.js";
import type { ClientAccount, MemoryBudget, ServerLimits } from "./limits.js";
import { mapRegions, oolClosed, oolIncoming, oolOp, oolOutgoing, unmapRegions } from "./ool_fd.js";

export { ProtocolError };

/** A task made by HELLO: the process that made it, and how many connections and threads it has. */
export interface TaskEntry {
  task: Task;
  /** The process (by the kernel's word) whose HELLO made the task: only it may JOIN. */
  peer: PeerCredentials;
  /** When that process started (procStartTime): a later process with its pid is not it. */
  start: string | null;
  /** Effective uids the process had before a credential change: its connections made then keep them. */
  pastUids: number[];
  connections: number;
  threads: number;
}

/** How many earlier effective uids an entry remembers (a process switching back and forth needs few). */
const MAX_PAST_UIDS = 8;

/**
 * Whether a connection's peer is the process of a task entry: the same pid, with the effective
 * uid the process has or one it had (a connection keeps the credential of its connect, so one
 * made before a setuid still names the old uid).
 */
function isEntryProcess(entry: TaskEntry, peer: PeerCredentials): boolean {
  return entry.peer.pid === peer.pid && (entry.peer.uid === peer.uid || entry.pastUids.includes(peer.uid));
}

/** Remember a uid the entry's process had, within MAX_PAST_UIDS. */
function rememberUid(entry: TaskEntry, uid: number): void {
  if (entry.pastUids.includes(uid)) return;
  entry.pastUids.push(uid);
  if (entry.pastUids.length > MAX_PAST_UIDS) entry.pastUids.shift();
}

/** Tasks shared by connections (JOIN). */
export interface TaskRegistry {
  byToken: Map<bigint, TaskEntry>;
}

export interface SessionHooks {
  kernel: Kernel;
  registry: TaskRegistry;
  limits: ServerLimits;
  budget: MemoryBudget;
  /** ADMIN commands (listings, trace); returns JSON text, or streams through `push`. */
  admin(session: Session, command: number, argument: number, push: (text: string) => void): string | null;
  log?(line: string): void;
}

const EMPTY = new Uint8Array(0);
const NO_REGIONS: OolRegion[] = [];
/** Out-of-line data of at least this many bytes go to the socket without a copy into the RESULT frame. */
const GATHER_REGIONS = 16384;
const ZERO_PAD = new Uint8Array(4);
/** The receive buffer most mach_msg calls use; larger receives are sized by the message that arrives. */
const SCRATCH = 16384;
/** A RESULT frame's bytes before its message: the frame header and RESULT. */
const RESULT_HEAD = FRAME_HEADER.size + RESULT.size;
/**
 * The largest frame gathered into the session's reused buffer (see gatherBuffer): a message
 * with 64 KiB out of line and some inline data fits. Larger frames get buffers of their own.
 */
const GATHER_REUSED = 128 * 1024;

/** Messages of at least this many bytes are sent from their frame, without a copy into the trap's buffer first. */
const DIRECT_SEND_MIN = 512;
/** A frame whose bytes are gone (the read buffer moved on): see pseudoReceived. */
const STALE = new Uint8Array(0);

/**
 * A trap that sent from `sent` and received into `buf`: a send that failed after copyin gives the message
 * back where it was sent from (ipc_kmsg_copyout_pseudo), and the RESULT carries it from `buf`.
 */
function pseudoReceived(mr: number, sent: Uint8Array, buf: Uint8Array, log?: (line: string) => void): number {
  const base = (mr & ~0x3e00) >>> 0;
  if (base !== MACH_SEND_TIMED_OUT && base !== MACH_SEND_NO_BUFFER && base !== MACH_SEND_INTERRUPTED) return mr;
  if (sent === STALE) log?.(`mach_msg: a send that could not wait waited (0x${mr.toString(16)}): its message is not given back`);
  else buf.set(sent.byteLength <= buf.byteLength ? sent : sent.subarray(0, buf.byteLength));
  return mr;
}

export class Session {
  task: Task | null = null;
  private token = 0n;
  private entry: TaskEntry | null = null;
  private readonly threads = new Map<number, Thread>();
  private nextThread = 1;
  closed = false;
  readonly account: ClientAccount;
  /** See borrow(). */
  private readonly scratch = new Uint8Array(RESULT_HEAD + SCRATCH + 3);
  private scratchBusy = false;
  /** See gatherBuffer(). */
  private gathered: Uint8Array | null = null;
  private gatheredBusy = false;
  /** The socket's descriptor, for sendFrame's direct send. */
  private readonly fd: number;

  constructor(
    readonly socket: Socket,
    /** Who is at the other end, from SO_PEERCRED. */
    readonly peer: PeerCredentials,
    private readonly hooks: SessionHooks,
  ) {
    this.account = hooks.budget.account(peer.uid);
    this.fd = socketFd(socket) ?? -1;
  }

  private log(line: string): void {
    this.hooks.log?.(`${this.task?.name ?? `pid ${this.peer.pid}`}: ${line}`);
  }

  /**
   * Where the frame reader gathers a frame that came over several socket chunks
   * (every large one: the socket hands data over 64 KiB at a time). One buffer
   * per session is reused, lent to one frame at a time: a new 64 KiB buffer
   * per frame was a third of the memory an OOL message churned through, and
   * V8 collects in proportion to it. Up to GATHER_REUSED bytes, kept while the
   * connection lasts; a frame that comes while it is lent gets its own.
   */
  gatherBuffer(n: number): Uint8Array {
    if (this.gatheredBusy || n > GATHER_REUSED) return ownBuffer(n);
    if (!this.gathered || this.gathered.byteLength < n) this.gathered = ownBuffer(Math.max(n, 65536 + 4096));
    this.gatheredBusy = true;
    return this.gathered.subarray(0, n);
  }

  /** The frame `f` is finished with: the gathered buffer, if it is that, may be lent again. */
  private doneWith(f: Uint8Array): void {
    if (this.gathered !== null && f.buffer === this.gathered.buffer) this.gatheredBusy = false;
  }

  /**
   * Whether handling `f` may keep views of it past handle()'s return: every op but a
   * MACH_MSG without OOL regions, whose message is copied into the trap's buffer and
   * whose frame is kept only as a reference (doneWith). The server reads into a buffer
   * the next read reuses (src/server/wire.ts), and copies such a frame first.
   */
  keepsFrame(f: Uint8Array): boolean {
    return f.byteLength < FRAME_HEADER.size + MSG_ARGS.size || rdU32(f, FRAME_HEADER.at.op) !== OP_MACH_MSG || rdU32(f, FRAME_HEADER.size + MSG_ARGS.at.oolCount) !== 0;
  }

  /** Handle one complete frame; throws ProtocolError for a malformed one. */
  handle(f: Uint8Array): void {
    // A MACH_MSG's frame is given back when the trap is done (finishMsg, failMsg), every
    // other op's at once; FORK, ADOPT and EXCEPTION may keep views of it, so it stays theirs.
    if (this.procOp(f)) {
      if (this.gathered !== null && f.buffer === this.gathered.buffer) this.gathered = null;
      return;
    }
    if (oolOp(this, f, (line) => this.log(line))) return;
    const r = decodeRequest(f);
    if (r instanceof ProtocolError) throw r;
    if (r.op !== OP_MACH_MSG) this.doneWith(f);
    if (!this.task && r.op !== OP_HELLO && r.op !== OP_JOIN) throw new ProtocolError("first frame must be HELLO or JOIN");
    switch (r.op) {
      case OP_MACH_MSG:
        return this.machMsg(r.seq, this.thread(r.thread), r, f.byteLength);
      case OP_HELLO:
        return this.hello(r);
      case OP_JOIN:
        return this.join(r);
      case OP_THREAD: {
        if (this.entry!.threads >= this.hooks.limits.maxThreadsPerTask) {
          // Thread ids start at 1: 0 says no thread was made.
          this.log(`thread limit (${this.hooks.limits.maxThreadsPerTask}) reached`);
          return this.result(r.seq, 0);
        }
        const id = this.nextThread++;
        this.threads.set(id, this.task!.createThread());
        this.entry!.threads++;
        return this.result(r.seq, id);
      }
      case OP_TRAP: {
        const t = this.thread(r.thread);
        const trap = r.trap;
        const value =
          trap === TRAP_TASK_SELF ? t.taskSelfTrap() : trap === TRAP_HOST_SELF ? t.hostSelfTrap() : trap === TRAP_THREAD_SELF ? t.threadSelfTrap() : trap === TRAP_MACH_REPLY_PORT ? t.machReplyPort() : -1;
        if (value < 0) throw new ProtocolError(`unknown trap ${trap}`);
        return this.result(r.seq, value);
      }
      case OP_TRAP_ARGS:
        return this.trapArgs(r.seq, this.thread(r.thread), r.trap, r.args);
      case OP_ADMIN: {
        const text = this.hooks.admin(this, r.command, r.argument, (line) => this.result(r.seq, KERN_SUCCESS, EMPTY, NO_REGIONS, new TextEncoder().encode(line)));
        if (text !== null) this.result(r.seq, KERN_SUCCESS, EMPTY, NO_REGIONS, new TextEncoder().encode(text));
        return;
      }
    }
  }

  /**
   * HELLO: a new task with the peer's credentials. The uid, gid and pid the
   * client writes are kept on the wire for compatibility and otherwise
   * ignored: the kernel's values win, so no claim can raise privilege.
   */
  private hello(r: Extract<Request, { op: typeof OP_HELLO }>): void {
    if (this.task) throw new ProtocolError("HELLO twice");
    const peer = this.peer;
    if (r.uid !== peer.uid || r.gid !== peer.gid || r.pid !== peer.pid) {
      this.log(`HELLO claims uid ${r.uid} gid ${r.gid} pid ${r.pid}; the kernel says uid ${peer.uid} gid ${peer.gid} pid ${peer.pid}, which the task gets`);
    }
    const { kernel, registry, limits } = this.hooks;
    let mine = 0;
    for (const e of registry.byToken.values()) if (e.peer.uid === peer.uid) mine++;
    if (registry.byToken.size >= limits.maxTasks || mine >= limits.maxTasksPerUser) {
      this.log(mine >= limits.maxTasksPerUser ? `refused: uid ${peer.uid} has its ${limits.maxTasksPerUser} tasks (maxTasksPerUser)` : `refused: the server's task limit (${limits.maxTasks}) is reached`);
      this.result(r.seq, KERN_RESOURCE_SHORTAGE);
      this.close();
      return;
    }
    // A second task of one process (two HELLOs) gets a pid of its own.
    const pid = kernel.tasks.has(peer.pid) ? undefined : peer.pid;
    // Named by its process, as macOS names a task, unless the client chose a name (taskName).
    const start = procStartTime(peer.pid);
    // SO_PEERCRED has the effective ids only; the audit token's real ones come from /proc.
    const read = procCredential(peer.pid, start);
    const cred = read && read.uid === peer.uid && read.gid === peer.gid ? read : null;
    const real = cred ? { realUid: cred.ruid, realGid: cred.rgid } : {};
    this.task = kernel.createTask({ uid: peer.uid, gid: peer.gid, ...real, pid, name: taskName(r.name, peer.pid), maxNames: limits.maxNames });
    // Real and effective ids that differ come of a set-id exec or a credential change, both of which mark P_SUGID.
    if (cred && (cred.ruid !== cred.uid || cred.rgid !== cred.gid)) this.task.sugid = true;
    attachProcessMemory(this.task, processMemory(peer.pid, limits.maxFrame));
    attachProcessUsage(this.task, processUsage(peer.pid, start));
    this.hooks.log?.(`${this.task.name} (pid ${this.task.pid}, uid ${peer.uid}) connected`);
    this.token = BigInt(`0x${randomBytes(8).toString("hex")}`);
    this.entry = { task: this.task, peer, start, pastUids: [], connections: 1, threads: 1 };
    registry.byToken.set(this.token, this.entry);
    this.threads.set(0, this.connectingThread(r.tid));
    this.result(r.seq, this.task.pid, EMPTY, NO_REGIONS, this.identity());
  }

  /**
   * JOIN: another connection of the same process becomes a thread of its
   * task. The token alone is not enough: the joining peer must be the very
   * process (pid and uid, by the kernel's word) that said HELLO, so a leaked
   * token is worthless elsewhere. A wrong process gets the same answer as an
   * unknown token, so tokens cannot be probed.
   */
  private join(r: Extract<Request, { op: typeof OP_JOIN }>): void {
    if (this.task) throw new ProtocolError("JOIN after HELLO");
    const entry = this.hooks.registry.byToken.get(r.token);
    const samePeer = entry !== undefined && isEntryProcess(entry, this.peer);
    if (!entry || !entry.task.active || !samePeer) {
      if (entry && !samePeer) this.log(`JOIN refused: the token belongs to pid ${entry.peer.pid} uid ${entry.peer.uid}`);
      this.result(r.seq, KERN_INVALID_ARGUMENT);
      this.close();
      return;
    }
    if (entry.threads >= this.hooks.limits.maxThreadsPerTask) {
      this.log(`JOIN refused: thread limit (${this.hooks.limits.maxThreadsPerTask}) reached`);
      this.result(r.seq, KERN_RESOURCE_SHORTAGE);
      this.close();
      return;
    }
    entry.connections++;
    entry.threads++;
    this.entry = entry;
    this.task = entry.task;
    this.token = r.token;
    this.threads.set(0, this.connectingThread(r.tid));
    this.result(r.seq, this.task.pid, EMPTY, NO_REGIONS, this.identity().subarray(8));
  }

  /** The Mach thread of the connecting thread: a new thread of the task, with the Linux thread id /proc confirms. */
  private connectingThread(tid: number): Thread {
    const thread = this.task!.createThread();
    thread.hostThread = procThreadOf(this.peer.pid, tid);
    return thread;
  }

  /** The task token and this connection's thread id (what a C thread names itself by in EXCEPTION). */
  private identity(): Uint8Array {
    const out = new Uint8Array(12);
    new DataView(out.buffer).setBigUint64(0, this.token, true);
    wrU32(out, 8, this.threads.get(0)?.id ?? 0);
    return out;
  }

  /** FORK, ADOPT and EXCEPTION (src/server/proc_ops.ts decodes and checks them); false for any other op. */
  private procOp(f: Uint8Array): boolean {
    if (f.byteLength < FRAME_HEADER.size) return false;
    const op = rdU32(f, FRAME_HEADER.at.op);
    if (op !== OP_FORK && op !== OP_ADOPT && op !== OP_EXCEPTION) return false;
    if (rdU32(f, FRAME_HEADER.at.length) !== f.byteLength) throw new ProtocolError(`frame of ${f.byteLength} bytes does not match its length field`);
    const seq = rdU32(f, FRAME_HEADER.at.seq);
    const threadId = rdU32(f, FRAME_HEADER.at.thread);
    const payload = f.subarray(FRAME_HEADER.size);
    if (!this.task && op !== OP_FORK && op !== OP_EXCEPTION) throw new ProtocolError("first frame must be HELLO or JOIN");
    try {
      if (op === OP_FORK) this.fork(seq, payload);
      else if (op === OP_ADOPT) this.adopt(seq, payload);
      else this.exception(seq, threadId, payload);
    } catch (e) {
      if (e instanceof ProcFrameError) throw new ProtocolError(e.message);
      throw e;
    }
    return true;
  }

  /**
   * FORK: a fork's child becomes a task of its own. The peer (by the kernel's
   * word) must be a child, per /proc, of the process that made the parent's
   * task, with the same credential, and present the parent's token.
   */
  private fork(seq: number, payload: Uint8Array): void {
    if (this.task) throw new ProtocolError("FORK after HELLO");
    if (payload.byteLength < FORK.size) throw new ProtocolError("short FORK");
    const f = FORK.read(new DataView(payload.buffer, payload.byteOffset, payload.byteLength), 0);
    if (f.nameLength > MAX_TASK_NAME || payload.byteLength < FORK.size + f.nameLength) throw new ProtocolError("FORK: bad name length");
    const name = new TextDecoder().decode(payload.subarray(FORK.size, FORK.size + f.nameLength));
    const { kernel, registry, limits } = this.hooks;
    const parent = registry.byToken.get(f.parentToken);
    const peer = this.peer;
    if (!parent || !parent.task.active || peer.uid !== parent.peer.uid || peer.gid !== parent.peer.gid || !verifyForkChild(parent.peer.pid, peer.pid)) {
      this.log(`FORK refused: not a child of the parent task's process`);
      this.result(seq, KERN_INVALID_ARGUMENT);
      this.close();
      return;
    }
    if (registry.byToken.size >= limits.maxTasks) {
      this.log(`refused: the server's task limit (${limits.maxTasks}) is reached`);
      this.result(seq, KERN_RESOURCE_SHORTAGE);
      this.close();
      return;
    }
    const pid = kernel.tasks.has(peer.pid) ? undefined : peer.pid;
    this.task = taskFork(parent.task, { pid, name: name || parent.task.name });
    const start = procStartTime(peer.pid);
    attachProcessMemory(this.task, processMemory(peer.pid, this.hooks.limits.maxFrame));
    attachProcessUsage(this.task, processUsage(peer.pid, start));
    this.token = BigInt(`0x${randomBytes(8).toString("hex")}`);
    this.entry = { task: this.task, peer, start, pastUids: [], connections: 1, threads: 1 };
    registry.byToken.set(this.token, this.entry);
    this.threads.set(0, this.connectingThread(f.tid));
    this.result(seq, this.task.pid, EMPTY, NO_REGIONS, this.identity());
  }

  /**
   * ADOPT: a new image after exec, on the connection its process kept, carries
   * on the task. A set-id image (the effective ids /proc shows changed, or
   * AT_SECURE) has the task's ports reset as exec_handle_sugid does.
   */
  private adopt(seq: number, payload: Uint8Array): void {
    if (payload.byteLength < ADOPT.size) throw new ProtocolError("short ADOPT");
    const a = ADOPT.read(new DataView(payload.buffer, payload.byteOffset, payload.byteLength), 0);
    if (a.nameLength > MAX_TASK_NAME || payload.byteLength < ADOPT.size + a.nameLength) throw new ProtocolError("ADOPT: bad name length");
    const entry = this.entry!;
    const ids = procStartTime(entry.peer.pid) === entry.start ? verifyAdopter(entry.peer.pid, a.pid) : null;
    if (!ids) {
      this.log(`ADOPT refused: pid ${a.pid} is not the connection's process ${entry.peer.pid}`);
      this.result(seq, KERN_INVALID_ARGUMENT);
      return;
    }
    const task = entry.task;
    const name = new TextDecoder().decode(payload.subarray(ADOPT.size, ADOPT.size + a.nameLength));
    // exec: this connection's thread carries on; every other thread of the task ends.
    const keep = this.threads.get(0)!;
    for (const [id, t] of this.threads) {
      if (id === 0) continue;
      t.terminate();
      this.threads.delete(id);
      entry.threads--;
    }
    const setId = a.setId !== 0 || ids.uid !== task.secToken[0] || ids.gid !== task.secToken[1] ? { uid: ids.uid, gid: ids.gid } : undefined;
    taskExec(task, keep, { name: name || undefined, setId });
    // The thread that execs takes the process's id as its own (Linux's de_thread).
    keep.hostThread = procThreadOf(entry.peer.pid, a.tid);
    // The new image's other threads will connect with its own credential.
    if (ids.uid !== entry.peer.uid) rememberUid(entry, entry.peer.uid);
    entry.peer = { ...entry.peer, uid: ids.uid, gid: ids.gid };
    this.result(seq, task.pid, EMPTY, NO_REGIONS, this.identity());
  }

  /**
   * ADMIN_CREDENTIALS: the process says its credential changed (libmachipc's setuid and kin, after
   * the call succeeded). What it changed to is /proc's word for the process that made the task,
   * never the client's, so the call can only make the task what the process already is.
   */
  credentialChanged(): { uid: number; gid: number; ruid: number; rgid: number } | { error: string } {
    const entry = this.entry;
    if (!entry || !entry.task.active) return { error: "no task" };
    const cred = procCredential(entry.peer.pid, entry.start);
    if (!cred) return { error: `pid ${entry.peer.pid} is not the process that made the task` };
    taskSetCredential(entry.task, cred);
    if (cred.uid !== entry.peer.uid) rememberUid(entry, entry.peer.uid);
    entry.peer = { ...entry.peer, uid: cred.uid, gid: cred.gid };
    return cred;
  }

  /**
   * EXCEPTION: a thread's fault raised as a Mach exception. With a token the
   * frame may come on a connection of its own (a fault handler's), from the
   * task's own process only, naming the thread by its id; with none it is
   * this connection's thread.
   */
  private exception(seq: number, threadId: number, payload: Uint8Array): void {
    const req = decodeException(payload);
    let thread: Thread | undefined;
    if (req.token === 0n) thread = this.task ? this.threads.get(threadId) : undefined;
    else {
      const entry = this.hooks.registry.byToken.get(req.token);
      if (entry && isEntryProcess(entry, this.peer)) {
        thread = entry.task.threads.find((t) => t.id === req.thread && t.active);
        // The connection is the task's from now on (no HELLO needed, no thread of its own made).
        if (thread && !this.task) this.task = entry.task;
      }
    }
    // A refusal carries the result record all the same (nobody handled it, no signal, no state).
    if (!thread || !thread.active) {
      this.result(seq, KERN_INVALID_ARGUMENT, EMPTY, NO_REGIONS, resultExtra(0, 0, []));
      return;
    }
    if (thread.inException) {
      // A faulting thread waits in its fault handler for the answer, so a second fault of the
      // same thread cannot come while one is out; a frame that says so anyway would change the
      // registers of the exception being handled (raiseFromWire sets them first). Refused.
      this.log(`EXCEPTION for thread ${thread.id}, which has one out: refused`);
      this.result(seq, KERN_FAILURE, EMPTY, NO_REGIONS, resultExtra(0, 0, []));
      return;
    }
    raiseFromWire(thread, req).then(
      (r) => this.result(seq, r.kr, EMPTY, NO_REGIONS, r.extra),
      (e: unknown) => {
        // The client waits for an answer whatever happened.
        this.log(`exception delivery failed: ${String(e)}`);
        this.result(seq, KERN_FAILURE, EMPTY, NO_REGIONS, resultExtra(0, 0, []));
      },
    );
  }

  /** TRAP_ARGS: a trap with arguments; a wait that blocks answers when it ends, and the session goes on meanwhile. */
  private trapArgs(seq: number, thread: Thread, trap: number, args: bigint[]): void {
    const desc = findTrap(trap);
    if (!desc || args.length !== desc.args.length) throw new ProtocolError(`TRAP_ARGS: trap ${trap} with ${args.length} arguments is not served`);
    const answer = (r: { kr: number; outs?: bigint[] }): void => {
      const outs = r.outs ?? [];
      const extra = new Uint8Array(8 * outs.length);
      const v = viewOf(extra);
      outs.forEach((o, i) => v.setBigUint64(8 * i, BigInt.asUintN(64, o), true));
      this.result(seq, r.kr, EMPTY, NO_REGIONS, extra);
    };
    const r = thread.trapSlots(trap, args);
    if (r instanceof Promise) r.then(answer, (e: unknown) => this.hooks.log?.(`trap ${trap} failed: ${String(e)}`));
    else answer(r);
  }

  private thread(id: number): Thread {
    const t = this.threads.get(id);
    if (!t || !t.active) throw new ProtocolError(`no thread ${id}`);
    return t;
  }

  /**
   * A buffer for one mach_msg: the session's scratch when it is free and big enough, else a new one (counted against the client).
   * Every one has RESULT_HEAD bytes of room before it and 3 after, so that its RESULT can be written around the received
   * message in place and sent from there (reply): the message is not copied into a frame of its own.
   */
  private borrow(size: number): Uint8Array {
    if (!this.scratchBusy && size <= SCRATCH) {
      this.scratchBusy = true;
      return this.scratch.subarray(RESULT_HEAD, RESULT_HEAD + size);
    }
    this.account.charge("frames", size);
    return new Uint8Array(RESULT_HEAD + size + 3).subarray(RESULT_HEAD, RESULT_HEAD + size);
  }

  private giveBack(buf: Uint8Array): void {
    if (buf.buffer === this.scratch.buffer) this.scratchBusy = false;
    else this.account.release("frames", buf.byteLength);
  }

  /**
   * Whether the send half of a trap sending `msg` certainly finishes before the trap returns: a
   * zero send timeout, a destination the copyin refuses, or a user port whose queue has room for it
   * with one to spare (the kernel's objects, whose replies may queue, are left to the copying path).
   */
  private sendCannotWait(msg: Uint8Array, option: number, timeout: number): boolean {
    if (option & MACH_SEND_TIMEOUT && timeout === 0) return true;
    const space = this.task!.space;
    const index = space.lookup(rdU32(msg, 8));
    if (index < 0) return true;
    const obj = space.objs[index];
    if (!(obj instanceof IpcPort)) return true;
    if (obj.receiver !== null && obj.receiver.kind === "kernel") return false;
    return (obj.mqueue === null ? 0 : obj.mqueue.count) + 1 < obj.qlimit;
  }

  /** Whether a message is bound for a kernel object (served at once, queued nowhere). */
  private toKernel(msg: Uint8Array): boolean {
    if (msg.byteLength < 12) return false;
    const space = this.task!.space;
    const index = space.lookup(rdU32(msg, 8));
    const obj = index >= 0 ? space.objs[index] : null;
    return obj instanceof IpcPort && obj.receiver?.kind === "kernel";
  }

  /**
   * MACH_MSG: mirror the sender's OOL regions into the task, run the trap,
   * send back what was received. The frame counts against the client until
   * the trap completes; the mirrored regions leave the task's memory then
   * (the kernel took its own copy at copyin), whatever the outcome.
   */
  private machMsg(seq: number, thread: Thread, m: MachMsgRequest, frameBytes: number): void {
    const { option, sendSize, rcvSize, msg } = m;
    const vm = this.task!.vm;
    const account = this.account;
    const limits = this.hooks.limits;
    account.charge("frames", frameBytes);
    if (m.regions.length > 0) {
      // Regions by descriptor are taken from the side channel and checked first (ool_fd.ts).
      oolIncoming(this, seq, m.regions, limits, this.hooks.budget, () => this.toKernel(msg), (line) => this.log(line));
      mapRegions(vm, m.regions);
    }
    const sending = (option & MACH_SEND_MSG) !== 0;
    if (sending && sendSize > msg.byteLength) {
      // The client said more than it sent: as a bad user address would (the trap was made all the same).
      thread.syscallsMach++;
      const buf = this.borrow(msg.byteLength);
      buf.set(msg);
      return this.finishMsg(seq, m, frameBytes, MACH_SEND_INVALID_DATA, buf, vm);
    }
    const budget = this.hooks.budget;
    // The limits first: they are a few comparisons, the kernel-object test a name lookup.
    if (sending && (account.held(this.socket.writableLength) > limits.clientMemory || budget.userHeld(account.uid) > limits.userMemory || !budget.fits(0)) && !this.toKernel(msg)) {
      // ipc_kmsg_alloc failing: the message is not copied in, the caller keeps everything.
      thread.syscallsMach++;
      this.log(
        `MACH_SEND_NO_BUFFER: holds ${account.held(this.socket.writableLength)} bytes (limit ${limits.clientMemory}), uid ${account.uid} ${budget.userHeld(account.uid)} (limit ${limits.userMemory}), server ${budget.total} (limit ${limits.totalMemory})`,
      );
      const buf = this.borrow(msg.byteLength);
      buf.set(msg);
      return this.finishMsg(seq, m, frameBytes, MACH_SEND_NO_BUFFER, buf, vm);
    }
    const receiving = (option & MACH_RCV_MSG) !== 0;
    if (!receiving || rcvSize <= SCRATCH) {
      // The common case, one trap into a buffer of the receive size: no closure is made unless it waits.
      // Whatever rcv_size is, MACH_RCV_LARGE's size (and identity) go into the header, and a message too large
      // without it leaves msg_receive_error's header and trailer there (XNU copies them out unbounded): room for both.
      const buf = this.borrow(Math.max(msg.byteLength, receiving ? Math.max(rcvSize, HEADER_SIZE + MAX_TRAILER_SIZE) : 0));
      // A large message is sent from the frame itself (copied in once, by the kernel), and received into `buf`
      // (mach_msg_overwrite's rcv_msg), when the frame lasts as long as the trap or the send cannot wait.
      const direct = sending && msg.byteLength >= DIRECT_SEND_MIN && (!inReadBuffer(msg) || this.sendCannotWait(msg, option, m.timeout));
      if (!direct) buf.set(msg);
      const r = direct ? thread.machMsgOverwrite(msg, option, sendSize, rcvSize, m.rcvName, m.timeout, 0, buf) : thread.machMsg(buf, option, sendSize, rcvSize, m.rcvName, m.timeout, 0);
      if (typeof r === "number") return this.finishMsg(seq, m, frameBytes, direct ? pseudoReceived(r, msg, buf) : r, buf, vm);
      // The send half finished in the trap unless a guard violation made the wait (the read buffer goes on to the next
      // read: what a pseudo-receive left in the frame is kept now, in case the send failed).
      const sent = !direct ? null : !inReadBuffer(msg) ? msg : thread.guardViolation !== null ? msg.slice() : STALE;
      r.then(
        (mr) => this.finishMsg(seq, m, frameBytes, sent === null ? mr : pseudoReceived(mr, sent, buf, (line) => this.log(line)), buf, vm),
        (e: unknown) => this.failMsg(m, frameBytes, buf, e, vm),
      );
      return;
    }
    let finished = false;
    const finish = (mr: number, buf: Uint8Array): void => {
      if (finished) return;
      finished = true;
      this.finishMsg(seq, m, frameBytes, mr, buf, vm);
    };
    const fail = (buf: Uint8Array) => (e: unknown) => {
      finished = true;
      this.failMsg(m, frameBytes, buf, e, vm);
    };
    // A large receive is not given its rcv_size up front: the send goes alone,
    // then the receive looks with a small buffer and MACH_RCV_LARGE (a bigger
    // message stays queued and says its size) and takes a buffer that size
    // next; only a buffer as large as rcv_size gets the caller's own semantics,
    // and that happens only once the message is known to need it.
    const rcvOnly = (option & ~MACH_SEND_MSG) >>> 0;
    // One trap for the client, whatever steps it takes here: the first step counts it (machMsg), the others are steps (machMsgInKernel).
    let entered = false;
    const step = (buf: Uint8Array, opt: number, ss: number, rs: number): MachMsgResult => {
      if (entered) return thread.machMsgInKernel(buf, opt, ss, rs, m.rcvName, m.timeout);
      entered = true;
      return thread.machMsg(buf, opt, ss, rs, m.rcvName, m.timeout, 0);
    };
    const look = (size: number): void => {
      const forced = size < rcvSize;
      const buf = this.borrow(size);
      const seen = (mr: number, sync: boolean): void => {
        if (finished) return;
        if (!forced || mr !== MACH_RCV_TOO_LARGE) return finish(mr, buf);
        const need = rdU32(buf, 4) + MAX_TRAILER_SIZE;
        this.giveBack(buf);
        // After a wait the queue may have moved on: look again before trusting the size.
        look(sync ? Math.min(rcvSize, Math.max(need, size + 1)) : size);
      };
      const r = step(buf, forced ? (rcvOnly | MACH_RCV_LARGE) >>> 0 : rcvOnly, 0, forced ? size : rcvSize);
      if (typeof r === "number") seen(r, true);
      else r.then((mr) => seen(mr, false), fail(buf));
    };
    const receive = (): void => look(SCRATCH);
    if (!sending) return receive();
    const sbuf = this.borrow(msg.byteLength);
    sbuf.set(msg);
    const sent = (mr: number): void => {
      if (mr !== MACH_MSG_SUCCESS) return finish(mr, sbuf);
      // The copyin is done: the mirrored regions need not wait for the receive.
      unmapRegions(vm, m.regions);
      this.giveBack(sbuf);
      receive();
    };
    const s = step(sbuf, (option & ~MACH_RCV_MSG) >>> 0, sendSize, 0);
    if (typeof s === "number") return sent(s);
    s.then(sent, fail(sbuf));
  }

  /** The trap is done: the mirrored regions leave the task, the result goes back, the frame stops counting. */
  private finishMsg(seq: number, m: MachMsgRequest, frameBytes: number, mr: number, buf: Uint8Array, vm: VmMap): void {
    unmapRegions(vm, m.regions);
    this.doneWith(m.msg);
    if (!this.closed) this.reply(seq, buf, m.option, m.sendSize, mr);
    this.giveBack(buf);
    this.account.release("frames", frameBytes);
  }

  private failMsg(m: MachMsgRequest, frameBytes: number, buf: Uint8Array, e: unknown, vm: VmMap): void {
    this.log(`mach_msg failed: ${String(e)}`);
    unmapRegions(vm, m.regions);
    this.doneWith(m.msg);
    this.giveBack(buf);
    this.account.release("frames", frameBytes);
  }

  /** How many bytes of `buf` go back after a mach_msg: the received message (or the pseudo-received one). */
  private outgoingLength(buf: Uint8Array, option: number, sendSize: number, mr: number): number {
    const base = (mr & ~0x3e00) >>> 0;
    if (option & MACH_RCV_MSG && (mr === MACH_MSG_SUCCESS || base === MACH_RCV_BODY_ERROR || base === MACH_RCV_HEADER_ERROR || mr === MACH_RCV_TOO_LARGE)) {
      if (mr === MACH_RCV_TOO_LARGE && option & MACH_RCV_LARGE) return Math.min(24, buf.byteLength);
      if (buf.byteLength < 8) return 0;
      const size = rdU32(buf, 4);
      const tsize = size + 8 <= buf.byteLength ? rdU32(buf, size + 4) : 0;
      return Math.min(buf.byteLength, size + tsize);
    }
    if (base === MACH_SEND_TIMED_OUT || base === MACH_SEND_NO_BUFFER || base === MACH_SEND_INTERRUPTED) return Math.min(sendSize, buf.byteLength);
    return 0;
  }

  /** The RESULT of a mach_msg; received OOL data leaves the task's simulated memory for the client's real memory. */
  private reply(seq: number, buf: Uint8Array, option: number, sendSize: number, mr: number): void {
    const n = this.outgoingLength(buf, option, sendSize, mr);
    const vm = this.task!.vm;
    // Regions held as memfds go on by descriptor (or as bytes read from them), taken out of the map first.
    const passed = n >= 28 ? oolOutgoing(this, vm, buf, n, seq) : NO_REGIONS;
    // The regions leave the task's map here, so the data need no copy of their own.
    const inline = n >= 28 ? descriptorRegions(buf, n, (address, size) => vm.read(address, size), false) : NO_REGIONS;
    const regions = passed.length === 0 ? inline : inline.length === 0 ? passed : [...passed, ...inline];
    if (regions.length === 0) return this.resultInPlace(seq, mr, buf, n);
    for (const r of regions) vm.deallocate(r.address, r.data.byteLength);
    this.result(seq, mr, buf.subarray(0, n), regions);
  }

  /**
   * The RESULT of a mach_msg with no OOL regions, written around the first `n` bytes of `buf` (a buffer
   * from borrow, which has the room) and sent from there: the received message is not copied again.
   * What the socket cannot take at once is copied by sendFrame, since `buf` is lent again after.
   */
  private resultInPlace(seq: number, value: number, buf: Uint8Array, n: number): void {
    if (this.closed) return;
    const length = RESULT_HEAD + pad4(n);
    const f = new Uint8Array(buf.buffer, buf.byteOffset - RESULT_HEAD, length);
    const h = FRAME_HEADER.at;
    wrU32(f, h.length, length);
    wrU32(f, h.op, OP_RESULT);
    wrU32(f, h.seq, seq);
    wrU32(f, h.thread, 0);
    const at = RESULT.at;
    wrU32(f, FRAME_HEADER.size + at.value, value >>> 0);
    wrU32(f, FRAME_HEADER.size + at.msgLength, n);
    wrU32(f, FRAME_HEADER.size + at.oolCount, 0);
    wrU32(f, FRAME_HEADER.size + at.extraLength, 0);
    for (let i = RESULT_HEAD + n; i < length; i++) f[i] = 0;
    sendFrame(this.socket, this.fd, f, true);
    this.checkUnread();
  }

  /** A client that does not read its results is cut off rather than let the server's memory grow. */
  private checkUnread(): void {
    if (this.socket.writableLength > this.hooks.limits.clientMemory) {
      this.log(`disconnected: ${this.socket.writableLength} bytes of results unread (limit ${this.hooks.limits.clientMemory})`);
      this.close();
    }
  }

  /**
   * Whether a connection's peer is this session's process (OOL_ATTACH): by its task entry once it
   * has one, so a side channel opened after a setuid (a new effective uid) is still its own.
   */
  isOwnProcess(peer: PeerCredentials): boolean {
    if (this.entry) return isEntryProcess(this.entry, peer);
    return peer.pid === this.peer.pid && peer.uid === this.peer.uid;
  }

  result(seq: number, value: number, msg: Uint8Array = EMPTY, regions: OolRegion[] = NO_REGIONS, extra: Uint8Array = EMPTY): void {
    if (this.closed) return;
    const body = FRAME_HEADER.size + RESULT.size;
    const regionsAt = body + pad4(msg.byteLength);
    const regionBytes = regions.length > 0 ? regionsLength(regions) : 0;
    const extraAt = regionsAt + regionBytes;
    // Large out-of-line data go to the socket as they are, gathered with the rest
    // into one writev, rather than copied into one frame first.
    const gather = regionBytes >= GATHER_REGIONS;
    // Every byte is written below (the pads explicitly): no zero-fill first.
    const f = frameBuffer(gather ? regionsAt : extraAt + extra.byteLength, OP_RESULT, seq, 0, false);
    if (gather) wrU32(f, FRAME_HEADER.at.length, extraAt + extra.byteLength);
    const at = RESULT.at;
    wrU32(f, FRAME_HEADER.size + at.value, value >>> 0);
    wrU32(f, FRAME_HEADER.size + at.msgLength, msg.byteLength);
    wrU32(f, FRAME_HEADER.size + at.oolCount, regions.length);
    wrU32(f, FRAME_HEADER.size + at.extraLength, extra.byteLength);
    copyBytes(f, body, msg, 0, msg.byteLength);
    for (let i = body + msg.byteLength; i < regionsAt; i++) f[i] = 0;
    if (gather) this.writeGathered(f, regions, extra);
    else {
      if (regions.length > 0) writeRegions(f, regionsAt, regions);
      if (extra.byteLength > 0) f.set(extra, extraAt);
      sendFrame(this.socket, this.fd, f);
    }
    this.checkUnread();
  }

  /**
   * A RESULT's head (frame header, RESULT, the message), then each region's
   * header and its data in place, and the extra bytes, as one corked write:
   * the region data are the received memory itself, which has left the
   * task's map and is written by nothing else until the socket has sent it.
   */
  private writeGathered(head: Uint8Array, regions: OolRegion[], extra: Uint8Array): void {
    const sock = this.socket;
    sock.cork();
    sock.write(head);
    for (const r of regions) {
      const h = new Uint8Array(OOL_REGION.size);
      writeRegionHeader(h, 0, r.address, regionSizeField(r));
      sock.write(h);
      if (r.data.byteLength > 0) sock.write(r.data);
      const pad = pad4(r.data.byteLength) - r.data.byteLength;
      if (pad > 0) sock.write(ZERO_PAD.subarray(0, pad));
    }
    if (extra.byteLength > 0) sock.write(extra.slice());
    sock.uncork();
  }

  /** The connection is gone: its threads end, and the task dies with its last connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    oolClosed(this);
    for (const t of this.threads.values()) t.terminate();
    this.account.close();
    const entry = this.entry;
    if (entry) {
      entry.threads -= this.threads.size;
      if (--entry.connections === 0) {
        this.hooks.registry.byToken.delete(this.token);
        entry.task.terminate();
      }
    }
  }
}
