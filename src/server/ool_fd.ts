/**
 * Out-of-line regions by file descriptor. A libmachipc thread sends a large
 * region as a sealed memfd on its connection's side channel (a second
 * connection of the same process, attached with OOL_CHANNEL / OOL_ATTACH);
 * the frame names it with OOL_REGION_BY_FD and no bytes. The server checks
 * the memfd before trusting it, holds it in the message unread (a backing,
 * src/ipc/ool_backing.ts) and passes it on to a receiver whose connection
 * has a side channel; anyone else gets its bytes, read with pread. The
 * descriptors the server holds are bounded per task and in total; past the
 * bounds a region is read into memory at once. docs/server.md's wire section.
 */
import { randomBytes } from "node:crypto";
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import { rdU32 } from "../abi/bytes.js";
import type { OolBacking } from "../ipc/ool_backing.js";
import type { Task } from "../kern/task.js";
import type { VmMap } from "../kern/vm_map.js";
import { nativeHelpers, socketFd } from "./native.js";
import type { MemoryBudget, ServerLimits } from "./limits.js";
import { FRAME_HEADER, OOL_FDS_MAX, OOL_NONCE_BYTES, OP_OOL_ATTACH, OP_OOL_CHANNEL, ProtocolError, descriptorRegions, type OolRegion } from "./protocol.js";

/** What of a session this module uses (session.ts's Session). */
export interface OolSession {
  readonly socket: import("node:net").Socket;
  readonly peer: { pid: number; uid: number };
  task: Task | null;
  /** Whether a connection's peer is this session's process, with any uid it has had. */
  isOwnProcess(peer: { pid: number; uid: number }): boolean;
  closed: boolean;
  result(seq: number, value: number, msg?: Uint8Array, regions?: OolRegion[], extra?: Uint8Array): void;
  close(): void;
}

/** Descriptors the server holds for messages: by the task that sent them, and in all. */
class FdLedger {
  total = 0;
  private readonly byTask = new Map<Task, number>();
  constructor(readonly limits: ServerLimits) {}

  /** Whether `task` may have one more held; if so it is counted. */
  hold(task: Task): boolean {
    const n = this.byTask.get(task) ?? 0;
    if (n >= this.limits.maxOolFdsPerTask || this.total >= this.limits.maxOolFds) return false;
    this.byTask.set(task, n + 1);
    this.total++;
    return true;
  }

  drop(task: Task): void {
    const n = (this.byTask.get(task) ?? 1) - 1;
    if (n === 0) this.byTask.delete(task);
    else this.byTask.set(task, n);
    this.total--;
  }

  heldBy(task: Task): number {
    return this.byTask.get(task) ?? 0;
  }
}

/** One ledger per server (its budget is the server's own object). */
const ledgers = new WeakMap<MemoryBudget, FdLedger>();
function ledgerOf(budget: MemoryBudget, limits: ServerLimits): FdLedger {
  let l = ledgers.get(budget);
  if (!l) ledgers.set(budget, (l = new FdLedger(limits)));
  return l;
}

/** Descriptors the server holds for messages now (tests and the invariant listing). */
export function oolFdsHeld(budget: MemoryBudget, task?: Task): number {
  const l = ledgers.get(budget);
  return !l ? 0 : task ? l.heldBy(task) : l.total;
}

/** A checked memfd held for a message: closed when its last holder lets go. */
class MemfdBacking implements OolBacking {
  private refs = 1;
  constructor(
    private fd: number,
    readonly size: number,
    private readonly ledger: FdLedger,
    private readonly task: Task,
  ) {}

  /** The descriptor (still held), to pass on. */
  get descriptor(): number {
    return this.fd;
  }

  read(): Uint8Array {
    return this.size === 0 ? new Uint8Array(0) : new Uint8Array(nativeHelpers().oolReadFd(this.fd, this.size));
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs > 0 || this.fd < 0) return;
    nativeHelpers().closeFd(this.fd);
    this.fd = -1;
    this.ledger.drop(this.task);
  }
}

/** A session's side channel (a descriptor of the server's own; no net.Socket reads it) and the nonce it was offered. */
interface OolState {
  channel: { fd: number } | null;
  nonce: string | null;
}

const states = new WeakMap<OolSession, OolState>();
const byNonce = new Map<string, OolSession>();

function stateOf(s: OolSession): OolState {
  let st = states.get(s);
  if (!st) states.set(s, (st = { channel: null, nonce: null }));
  return st;
}

/** OOL_CHANNEL and OOL_ATTACH (false for any other op), before the frame is decoded. */
export function oolOp(session: OolSession, f: Uint8Array, log: (line: string) => void): boolean {
  if (f.byteLength < FRAME_HEADER.size) return false;
  const op = rdU32(f, FRAME_HEADER.at.op);
  if (op !== OP_OOL_CHANNEL && op !== OP_OOL_ATTACH) return false;
  if (rdU32(f, FRAME_HEADER.at.length) !== f.byteLength) throw new ProtocolError(`frame of ${f.byteLength} bytes does not match its length field`);
  const seq = rdU32(f, FRAME_HEADER.at.seq);
  if (op === OP_OOL_CHANNEL) {
    if (!session.task) throw new ProtocolError("first frame must be HELLO or JOIN");
    const s = stateOf(session);
    if (s.nonce) byNonce.delete(s.nonce);
    s.nonce = null;
    // One channel per connection: a second request gets no nonce.
    if (s.channel) return session.result(seq, KERN_INVALID_ARGUMENT), true;
    const nonce = randomBytes(OOL_NONCE_BYTES);
    s.nonce = nonce.toString("hex");
    byNonce.set(s.nonce, session);
    session.result(seq, KERN_SUCCESS, undefined, undefined, new Uint8Array(nonce.buffer, nonce.byteOffset, nonce.byteLength));
    return true;
  }
  if (session.task) throw new ProtocolError("OOL_ATTACH after HELLO");
  attach(session, seq, f.subarray(FRAME_HEADER.size), log);
  return true;
}

/**
 * OOL_ATTACH: this connection becomes the side channel of the one that was
 * given the nonce, if both are the same process (its pid, and its effective
 * uid now or before a setuid, by the kernel's word): a leaked nonce is
 * worthless elsewhere. The nonce is used up either
 * way. The server keeps a duplicate of the connection's descriptor and closes
 * its net.Socket, so that Node reads nothing more from it (a read without
 * recvmsg would drop, and close, the descriptors queued); the attach is
 * answered on it with a bare 4-byte KERN_SUCCESS, a refusal with a RESULT.
 */
function attach(side: OolSession, seq: number, payload: Uint8Array, log: (line: string) => void): void {
  const nonce = payload.byteLength === OOL_NONCE_BYTES ? Buffer.from(payload).toString("hex") : "";
  const main = byNonce.get(nonce);
  if (main) {
    byNonce.delete(nonce);
    stateOf(main).nonce = null;
  }
  const fd = socketFd(side.socket);
  const same = main !== undefined && main.isOwnProcess(side.peer);
  if (!main || main.closed || !main.task?.active || !same || fd === null || stateOf(main).channel) {
    if (main && !same) log(`OOL_ATTACH refused: the nonce belongs to pid ${main.peer.pid} uid ${main.peer.uid}, not pid ${side.peer.pid} uid ${side.peer.uid}`);
    side.result(seq, KERN_INVALID_ARGUMENT);
    side.close();
    return;
  }
  const native = nativeHelpers();
  const own = native.dupFd(fd);
  // Closed by Node: its 'close' ends the side connection's session, quietly (it never said HELLO).
  side.socket.destroy();
  if (native.oolSendFds(own, KERN_SUCCESS, []) !== 0) {
    native.closeFd(own);
    return;
  }
  stateOf(main).channel = { fd: own };
  main.task.vm.acceptsBackings = true;
}

/** A session is gone: its nonce, and its side channel (the descriptors queued on it go with it). */
export function oolClosed(session: OolSession): void {
  const st = states.get(session);
  if (!st) return;
  if (st.nonce) byNonce.delete(st.nonce);
  st.nonce = null;
  if (st.channel) nativeHelpers().closeFd(st.channel.fd);
  st.channel = null;
}

/** One side-channel message as oolRecvFds fills it: its tag, whether it was cut off, its descriptors (at most 64). */
const received = new Int32Array(2 + 64);

/** Why a descriptor was refused, by oolCheckFd's answer. */
const REFUSAL = ["", "not a memfd", "not sealed against shrink, grow and write", "smaller than declared"];

/**
 * A MACH_MSG frame's regions by descriptor: take their memfds from the side
 * channel (queued before the frame), check each, and make each a backing,
 * or bytes when the message goes to the kernel (which reads them at once) or
 * the descriptor bounds are reached. A region whose descriptor is missing,
 * surplus, or fails a check keeps no memory: copyin finds nothing at its
 * address and answers MACH_SEND_INVALID_MEMORY, as XNU does for an unreadable
 * region, and every descriptor the frame brought is closed.
 */
export function oolIncoming(session: OolSession, seq: number, regions: OolRegion[], limits: ServerLimits, budget: MemoryBudget, toKernel: () => boolean, log: (line: string) => void): void {
  let want = 0;
  let bytes = 0;
  for (const r of regions) if (r.fdSize !== undefined) (want++, (bytes += r.fdSize));
  if (want === 0) return;
  const native = nativeHelpers();
  const ch = stateOf(session).channel;
  const fds: number[] = [];
  let why = ch ? "" : "the connection has no side channel";
  // Messages tagged with another frame's seq are surplus: closed, and this frame refused.
  while (ch) {
    const n = native.oolRecvFds(ch.fd, received);
    if (n < 0) {
      if (fds.length === 0 && !why) why = "no descriptors were passed";
      break;
    }
    const tag = received[0]! >>> 0;
    const truncated = received[1] !== 0;
    if (tag !== seq || truncated) {
      for (let k = 0; k < n; k++) native.closeFd(received[2 + k]!);
      why ||= truncated ? "a cut-off side-channel message" : `descriptors tagged for frame ${tag}`;
      continue;
    }
    for (let k = 0; k < n; k++) fds.push(received[2 + k]!);
    break;
  }
  if (!why && fds.length !== want) why = `${fds.length} descriptors for ${want} regions`;
  if (!why && (want > OOL_FDS_MAX || bytes > limits.maxFrame)) why = `${want} regions of ${bytes} bytes by descriptor (at most ${OOL_FDS_MAX}, ${limits.maxFrame} bytes)`;
  let i = 0;
  if (!why) {
    for (const r of regions) {
      if (r.fdSize === undefined) continue;
      const bad = native.oolCheckFd(fds[i++]!, r.fdSize);
      if (bad !== 0) {
        why = `a region's descriptor is ${REFUSAL[bad] ?? "unusable"}`;
        break;
      }
    }
  }
  if (why) {
    log(`MACH_MSG: regions by descriptor refused (${why})`);
    for (const fd of fds) native.closeFd(fd);
    return;
  }
  const task = session.task!;
  const ledger = ledgerOf(budget, limits);
  const kernel = toKernel();
  i = 0;
  for (const r of regions) {
    if (r.fdSize === undefined) continue;
    const fd = fds[i++]!;
    if (!kernel && ledger.hold(task)) {
      r.backing = new MemfdBacking(fd, r.fdSize, ledger, task);
      continue;
    }
    // The kernel reads the bytes at once, and past the bounds nothing more is held: read them now.
    r.data = r.fdSize === 0 ? new Uint8Array(0) : new Uint8Array(native.oolReadFd(fd, r.fdSize));
    r.fdSize = undefined;
    native.closeFd(fd);
  }
}

/** Map a frame's regions into the sending task for copyin: bytes as they are, backings held by the map. */
export function mapRegions(vm: VmMap, regions: OolRegion[]): void {
  for (const r of regions) {
    if (r.backing) vm.mapBacking(r.address, r.backing);
    else if (r.fdSize === undefined) vm.mapAt(r.address, r.data);
  }
}

/** Unmap them again (copyin took what it needed). */
export function unmapRegions(vm: VmMap, regions: OolRegion[]): void {
  for (const r of regions) {
    if (r.backing) {
      vm.unmapBacking(r.address, r.backing);
      r.backing = undefined;
    } else vm.unmap(r.address, r.data);
  }
}

const NO_REGIONS: OolRegion[] = [];
const EMPTY = new Uint8Array(0);

/**
 * The regions of a received message held as backings in the receiver's map,
 * taken out of it: passed on the side channel (tagged with the RESULT's seq,
 * before the RESULT is written) when this connection has one, their bytes
 * read otherwise. The caller reads the rest of the message's regions as before.
 */
export function oolOutgoing(session: OolSession, vm: VmMap, msg: Uint8Array, size: number, seq: number): OolRegion[] {
  if (!vm.acceptsBackings) return NO_REGIONS;
  // Made at the first backing: a message of port descriptors only takes none.
  let held = null as Map<bigint, OolBacking> | null;
  // The walk over the descriptors is descriptorRegions'; only the backings are taken here (the rest stay for the caller).
  const out = descriptorRegions(
    msg,
    size,
    (address) => {
      const b = vm.removeBacking(address);
      if (!b) return null;
      (held ??= new Map()).set(address, b);
      return EMPTY;
    },
    false,
  );
  if (out.length === 0 || held === null) return NO_REGIONS;
  const ch = stateOf(session).channel;
  const taken: MemfdBacking[] = [];
  for (const r of out) {
    const b = held.get(r.address)!;
    // Past OOL_FDS_MAX, or with no side channel, the bytes go inline.
    if (ch && b instanceof MemfdBacking && taken.length < OOL_FDS_MAX) {
      r.fdSize = b.size;
      taken.push(b);
    } else {
      r.data = b.read();
      b.release();
    }
  }
  if (taken.length === 0) return out;
  const err = nativeHelpers().oolSendFds(ch!.fd, seq, taken.map((b) => b.descriptor));
  let k = 0;
  for (const r of out) {
    if (r.fdSize === undefined) continue;
    const b = taken[k++]!;
    // A side channel that cannot take them (its queue full, its peer gone): the bytes go inline.
    if (err !== 0) {
      r.data = b.read();
      r.fdSize = undefined;
    }
    // The descriptor in flight (or the bytes read) is the receiver's now.
    b.release();
  }
  return out;
}
