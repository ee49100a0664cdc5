/**
 * The wire between machipc clients and the server: length-prefixed frames.
 * Every layout is declared once here; server, Node client and the C library
 * (native/src/internal.h mirrors these numbers) read and write them.
 *
 * A frame is FRAME_HEADER then an op-specific payload:
 *   HELLO      uid, gid, pid, tid, name   -> RESULT value = pid, extra = task token (u64)
 *   JOIN       task token (u64), tid      -> RESULT value = pid (a new thread of that task)
 *   TRAP       trap number                -> RESULT value = port name
 *   MACH_MSG   MSG_ARGS, OOL regions, the message bytes
 *                                         -> RESULT value = mach_msg_return_t, received bytes, OOL regions
 *   THREAD     (nothing)                  -> RESULT value = new thread id (for `thread` in later frames)
 *   ADMIN      command, argument          -> RESULT value = 0, extra = JSON text
 *   TRAP_ARGS  trap number, argc, argc u64 arguments (src/abi/traps.ts)
 *                                         -> RESULT value = kern_return_t, extra = the copied-out u64s
 *   FORK       parent's task token, HELLO's fields, name (a fork's child, first frame)
 *                                         -> RESULT value = pid, extra = task token (u64), thread id (u32)
 *   EXCEPTION  task token (0: this connection's), thread, exception, codes, register state
 *                                         -> RESULT value = exception_triage's kr, extra = EXCEPTION_RESULT, state
 *   ADOPT      HELLO's fields, set-id flag (a new image after exec, on the connection it inherited)
 *                                         -> RESULT value = pid, extra = task token (u64), thread id (u32)
 *   OOL_CHANNEL (nothing)              -> RESULT value = 0, extra = a one-use nonce (OOL_NONCE_BYTES) for OOL_ATTACH
 *   OOL_ATTACH  the nonce (the first frame of a second connection of the same process: its side channel)
 *                                         -> RESULT value = 0 on that connection, or KERN_INVALID_ARGUMENT and it is closed
 * HELLO and JOIN answer with the connection's thread id (u32) in extra too,
 * after HELLO's token: EXCEPTION names a C thread by it. The `tid` of HELLO,
 * JOIN, FORK and ADOPT is the connecting thread's Linux thread id (0: not
 * known), which thread_info reads the thread's times by; the server takes it
 * only if /proc shows it is a thread of the connecting process.
 */
import { defineLayout, viewOf } from "../abi/layout.js";
import { rdU32, wrU32 } from "../abi/bytes.js";
import { MACH_MSGH_BITS_COMPLEX } from "../abi/message.js";
import type { OolBacking } from "../ipc/ool_backing.js";

export const OP_HELLO = 1;
export const OP_JOIN = 2;
export const OP_TRAP = 3;
export const OP_MACH_MSG = 4;
export const OP_THREAD = 5;
export const OP_ADMIN = 6;
export const OP_TRAP_ARGS = 7;
export const OP_FORK = 8;
export const OP_EXCEPTION = 9;
export const OP_ADOPT = 10;
export const OP_OOL_CHANNEL = 11;
export const OP_OOL_ATTACH = 12;
export const OP_RESULT = 0x80;

export const TRAP_MACH_REPLY_PORT = 26;
export const TRAP_THREAD_SELF = 27;
export const TRAP_TASK_SELF = 28;
export const TRAP_HOST_SELF = 29;

export const ADMIN_TASKS = 1;
export const ADMIN_LSMP = 2;
export const ADMIN_HOST = 3;
export const ADMIN_TRACE = 4;
/** The right-accounting invariant of the served kernel, and the bytes clients hold in the server (root and the server's user only). */
export const ADMIN_INVARIANT = 5;
export const ADMIN_LSMP_ALL = 6;
/** A task's name by pid, for libproc's proc_name (any client: process names are no secret, as `ps` shows): {"name": ...} or {}. */
export const ADMIN_PROC_NAME = 7;
/**
 * The calling process's credential changed (setuid and its kin): the server reads the new one from
 * /proc and applies it to the task as set_security_token does. {"uid", "gid", "ruid", "rgid"} or {"error"}.
 */
export const ADMIN_CREDENTIALS = 8;
/** The commpage's words libsystem reads without a trap (host_get_atm_diagnostic_flag's): {"atmDiagnosticConfig": n}, open to all. */
export const ADMIN_COMMPAGE = 9;

/** Largest frame accepted: a maximal Mach message plus its OOL data (bounded). */
export const MAX_FRAME = 64 * 1024 * 1024;
/** Unread output beyond this marks a stuck client, which is disconnected. */
export const MAX_PENDING_OUTPUT = 64 * 1024 * 1024;

const FRAME_HEADER_SIZE = 16;
export const FRAME_HEADER = defineLayout("frame_header", FRAME_HEADER_SIZE, {
  length: { at: 0, type: "u32" },
  op: { at: 4, type: "u32" },
  seq: { at: 8, type: "u32" },
  thread: { at: 12, type: "u32" },
});

export const HELLO = defineLayout("hello", 20, {
  uid: { at: 0, type: "u32" },
  gid: { at: 4, type: "u32" },
  pid: { at: 8, type: "u32" },
  nameLength: { at: 12, type: "u32" },
  tid: { at: 16, type: "u32" },
});

export const JOIN = defineLayout("join", 12, { token: { at: 0, type: "u64" }, tid: { at: 8, type: "u32" } });
export const TRAP = defineLayout("trap", 4, { trap: { at: 0, type: "u32" } });
/** TRAP_ARGS: then `argc` little-endian u64 argument slots. */
export const TRAP_ARGS = defineLayout("trap_args", 8, {
  trap: { at: 0, type: "u32" },
  argc: { at: 4, type: "u32" },
});
/** The most argument slots a trap takes (mach_msg_overwrite_trap's 8). */
export const TRAP_ARGS_MAX = 8;


/** FORK: the parent's token, then the child's HELLO fields and name. */
export const FORK = defineLayout("fork", 28, {
  parentToken: { at: 0, type: "u64" },
  uid: { at: 8, type: "u32" },
  gid: { at: 12, type: "u32" },
  pid: { at: 16, type: "u32" },
  nameLength: { at: 20, type: "u32" },
  tid: { at: 24, type: "u32" },
});

/** ADOPT: the new image's identity (effective ids; `setId` is AT_SECURE), then its name. */
export const ADOPT = defineLayout("adopt", 24, {
  uid: { at: 0, type: "u32" },
  gid: { at: 4, type: "u32" },
  pid: { at: 8, type: "u32" },
  setId: { at: 12, type: "u32" },
  nameLength: { at: 16, type: "u32" },
  tid: { at: 20, type: "u32" },
});

/**
 * EXCEPTION: who raises it and what, then `flavorCount` states, each a
 * flavor, a count and `count` 32-bit words (thread, float and exception state).
 */
export const EXCEPTION = defineLayout("exception", 40, {
  token: { at: 0, type: "u64" },
  thread: { at: 8, type: "u32" },
  exception: { at: 12, type: "u32" },
  codeCount: { at: 16, type: "u32" },
  flavorCount: { at: 20, type: "u32" },
  code0: { at: 24, type: "u64" },
  code1: { at: 32, type: "u64" },
});
/** A state block's head in EXCEPTION and its result. */
export const STATE_BLOCK = defineLayout("state_block", 8, {
  flavor: { at: 0, type: "u32" },
  count: { at: 4, type: "u32" },
});
/** Largest state a block may carry, in words (x86_AVX_STATE is 211, ARM_DEBUG_STATE64 130). */
export const STATE_BLOCK_MAX = 256;
/** Flavors one EXCEPTION frame may carry. */
export const STATE_BLOCKS_MAX = 4;
/** The largest EXCEPTION frame, which a fault handler's connection may send before any HELLO. */
export const MAX_EXCEPTION_FRAME = 16 + 40 + STATE_BLOCKS_MAX * (8 + 4 * STATE_BLOCK_MAX);
/** EXCEPTION's result extra: then `flavorCount` state blocks, the thread's state after delivery. */
export const EXCEPTION_RESULT = defineLayout("exception_result", 12, {
  /** 0 nobody, 1 thread, 2 task, 3 host (the level whose handler answered KERN_SUCCESS). */
  handledBy: { at: 0, type: "u32" },
  /** The signal BSD's ux handler posted (macOS numbering), 0 for none: the process should die of it. */
  signal: { at: 4, type: "u32" },
  flavorCount: { at: 8, type: "u32" },
});

export const MSG_ARGS = defineLayout("mach_msg_args", 24, {
  option: { at: 0, type: "u32" },
  sendSize: { at: 4, type: "u32" },
  rcvSize: { at: 8, type: "u32" },
  rcvName: { at: 12, type: "u32" },
  timeout: { at: 16, type: "u32" },
  oolCount: { at: 20, type: "u32" },
});

/** An OOL region travelling with a message: its address in the sender, then `size` bytes padded to 4. */
export const OOL_REGION = defineLayout("ool_region", 12, {
  address: { at: 0, type: "u64" },
  size: { at: 8, type: "u32" },
});

/**
 * An OOL_REGION whose size has this bit carries no bytes: its memory is a sealed memfd passed
 * on the connection's side channel (src/server/ool_fd.ts, docs/server.md's wire section).
 */
export const OOL_REGION_BY_FD = 0x80000000;
/** Regions one frame may pass by descriptor (native/src/internal.h mirrors it). */
export const OOL_FDS_MAX = 32;
/** OOL_CHANNEL's nonce, which OOL_ATTACH presents. */
export const OOL_NONCE_BYTES = 16;

export const ADMIN = defineLayout("admin", 8, {
  command: { at: 0, type: "u32" },
  argument: { at: 4, type: "u32" },
});

/** RESULT: value, then the received message (msgLength bytes), OOL regions, and extra bytes. */
export const RESULT = defineLayout("result", 16, {
  value: { at: 0, type: "u32" },
  msgLength: { at: 4, type: "u32" },
  oolCount: { at: 8, type: "u32" },
  extraLength: { at: 12, type: "u32" },
});

/**
 * `n` rounded up to a multiple of 4, for any u32 `n` (the sum is a double,
 * never wrapped to 32 bits: `(n + 3) & ~3` turns 0x7ffffffd into a negative number).
 */
export const pad4 = (n: number): number => n + ((4 - (n & 3)) & 3);

/** A frame that no valid client sends: the connection is dropped, with this as the logged reason. */
export class ProtocolError extends Error {}

/** Longest task name a HELLO may carry (MAXCOMLEN-style labels are far shorter). */
export const MAX_TASK_NAME = 255;
/** Before HELLO or JOIN only those two small frames are valid: nothing larger is buffered. */
export const MAX_FRAME_BEFORE_HELLO = FRAME_HEADER_SIZE + 16 + MAX_TASK_NAME + 1;

export interface OolRegion {
  address: bigint;
  data: Uint8Array;
  /** A region by descriptor (OOL_REGION_BY_FD): its size; `data` is empty, the memfd comes on the side channel. */
  fdSize?: number | undefined;
  /** The server's hold on that memfd once checked (src/server/ool_fd.ts). */
  backing?: OolBacking | undefined;
}

/** The size field an OOL_REGION header carries for `r`. */
export function regionSizeField(r: OolRegion): number {
  return r.fdSize !== undefined ? (OOL_REGION_BY_FD | r.fdSize) >>> 0 : r.data.byteLength;
}

/** Encode a frame with a payload built from parts. */
export function frame(op: number, seq: number, thread: number, parts: Uint8Array[]): Uint8Array {
  let len = FRAME_HEADER.size;
  for (const p of parts) len += p.byteLength;
  const out = frameBuffer(len, op, seq, thread);
  let off = FRAME_HEADER.size;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/**
 * Frames up to FRAME_SLAB_MAX bytes are cut from a shared slab, as Node's Buffer
 * pool does for up to 4 KiB: a small typed array of its own gets an off-heap
 * store each time, which costs more than the frame's whole handling, and a
 * message with 4 KiB inline got one per RESULT. A slab lives while any frame
 * cut from it does; 64 KiB bounds what one frame left in a slow socket can hold.
 */
const FRAME_SLAB = 64 * 1024;
const FRAME_SLAB_MAX = 16 * 1024;
let slab: Uint8Array = new Uint8Array(0);
let slabAt = 0;

/** For tests: a fresh slab filled with `byte`, so that a frame cut next shows any byte its builder left unwritten. */
export function dirtyFrameSlab(byte: number): void {
  slab = ownBuffer(FRAME_SLAB).fill(byte);
  slabAt = 0;
}

function carveFrame(n: number): Uint8Array {
  if (n > FRAME_SLAB_MAX) return ownBuffer(n);
  if (slabAt + n > slab.byteLength) {
    slab = ownBuffer(FRAME_SLAB);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + n);
  // The next frame starts 8-aligned, as the pool's do.
  slabAt = (slabAt + n + 7) & ~7;
  return out;
}

/**
 * A frame of `length` bytes with its header written; the caller fills the payload
 * from FRAME_HEADER.size on, every byte of it when `zeroed` is false.
 */
export function frameBuffer(length: number, op: number, seq: number, thread: number, zeroed = true): Uint8Array {
  const out = carveFrame(length);
  if (zeroed) out.fill(0);
  const at = FRAME_HEADER.at;
  wrU32(out, at.length, length);
  wrU32(out, at.op, op);
  wrU32(out, at.seq, seq);
  wrU32(out, at.thread, thread);
  return out;
}

/** An OOL_REGION header at `off`. */
export function writeRegionHeader(out: Uint8Array, off: number, address: bigint, size: number): void {
  wrU32(out, off + OOL_REGION.at.address, Number(address & 0xffffffffn));
  wrU32(out, off + OOL_REGION.at.address + 4, Number(address >> 32n));
  wrU32(out, off + OOL_REGION.at.size, size);
}

/** Write OOL regions (OOL_REGION then the data padded to 4 with zeros) at `off`; returns the end. */
export function writeRegions(out: Uint8Array, off: number, regions: OolRegion[]): number {
  for (const r of regions) {
    const n = r.data.byteLength;
    writeRegionHeader(out, off, r.address, regionSizeField(r));
    out.set(r.data, off + OOL_REGION.size);
    off += OOL_REGION.size + n;
    for (const end = off - n + pad4(n); off < end; off++) out[off] = 0;
  }
  return off;
}

/** Bytes OOL regions take on the wire. */
export function regionsLength(regions: OolRegion[]): number {
  let n = 0;
  for (const r of regions) n += OOL_REGION.size + pad4(r.data.byteLength);
  return n;
}

/** A fixed structure's bytes. */
export function struct<F extends Parameters<typeof defineLayout>[2]>(layout: ReturnType<typeof defineLayout<F>>, values: Parameters<ReturnType<typeof defineLayout<F>>["write"]>[2]): Uint8Array {
  const b = new Uint8Array(layout.size);
  layout.write(viewOf(b), 0, values);
  return b;
}

/**
 * Read `count` regions at `off`; null when they do not fit in `end`. The data
 * are views into `buf` (whoever holds a region holds the frame). Every size is
 * checked against what is left before it is used, so no count or size can
 * make the walk go past `end` or allocate.
 */
export function decodeRegions(buf: Uint8Array, off: number, end: number, count: number): { regions: OolRegion[]; off: number } | null {
  if (count > (end - off) / OOL_REGION.size) return null;
  const dv = viewOf(buf);
  const regions: OolRegion[] = [];
  for (let i = 0; i < count; i++) {
    if (end - off < OOL_REGION.size) return null;
    const h = OOL_REGION.read(dv, off);
    off += OOL_REGION.size;
    if (h.size >= OOL_REGION_BY_FD) {
      // No memfd larger than a frame could be is taken: its bytes may have to be sent on inline.
      if (h.size - OOL_REGION_BY_FD > MAX_FRAME) return null;
      regions.push({ address: h.address, data: buf.subarray(off, off), fdSize: h.size - OOL_REGION_BY_FD });
      continue;
    }
    if (end - off < pad4(h.size)) return null;
    regions.push({ address: h.address, data: buf.subarray(off, off + h.size) });
    off += pad4(h.size);
  }
  return { regions, off };
}

/** A client's frame, decoded and checked: every length in it fits the frame. */
export type Request =
  | { op: typeof OP_HELLO; seq: number; thread: number; uid: number; gid: number; pid: number; tid: number; name: string }
  | { op: typeof OP_JOIN; seq: number; thread: number; token: bigint; tid: number }
  | { op: typeof OP_TRAP; seq: number; thread: number; trap: number }
  | { op: typeof OP_TRAP_ARGS; seq: number; thread: number; trap: number; args: bigint[] }
  | { op: typeof OP_THREAD; seq: number; thread: number }
  | { op: typeof OP_ADMIN; seq: number; thread: number; command: number; argument: number }
  | ({ op: typeof OP_MACH_MSG; seq: number; thread: number } & MachMsgRequest);

/** MACH_MSG's arguments; `msg` and the regions' data are views into the frame. */
export interface MachMsgRequest {
  /** The frame (or payload) they were decoded from. */
  frame: Uint8Array;
  option: number;
  sendSize: number;
  rcvSize: number;
  rcvName: number;
  timeout: number;
  regions: OolRegion[];
  msg: Uint8Array;
}

/** No regions (shared: callers only read it). */
const NO_OOL: OolRegion[] = [];

/** MACH_MSG's payload (after the frame header), or a ProtocolError. */
export function decodeMachMsg(payload: Uint8Array): MachMsgRequest | ProtocolError {
  return machMsgRequest(payload, 0, 0, 0);
}

/**
 * A MACH_MSG request whose payload starts at `base` in `f`, with its frame's seq and
 * thread: one object per frame, the common one, read in place (no view of the payload first).
 */
function machMsgRequest(f: Uint8Array, base: number, seq: number, thread: number): Extract<Request, { op: typeof OP_MACH_MSG }> | ProtocolError {
  const length = f.byteLength - base;
  if (length < MSG_ARGS.size) return new ProtocolError(`MACH_MSG payload of ${length} bytes, need ${MSG_ARGS.size}`);
  const at = MSG_ARGS.at;
  const oolCount = rdU32(f, base + at.oolCount);
  let regions = NO_OOL;
  let msgAt = base + MSG_ARGS.size;
  if (oolCount > 0) {
    const r = decodeRegions(f, msgAt, f.byteLength, oolCount);
    if (!r) return new ProtocolError(`MACH_MSG: ${oolCount} OOL regions overrun the frame`);
    regions = r.regions;
    msgAt = r.off;
  }
  return {
    op: OP_MACH_MSG,
    seq,
    thread,
    option: rdU32(f, base + at.option),
    sendSize: rdU32(f, base + at.sendSize),
    rcvSize: rdU32(f, base + at.rcvSize),
    rcvName: rdU32(f, base + at.rcvName),
    timeout: rdU32(f, base + at.timeout),
    regions,
    msg: f.subarray(msgAt),
    frame: f,
  };
}

/** Decode one whole frame from a client (FrameReader checked its length), or say why it cannot be valid. */
export function decodeRequest(f: Uint8Array): Request | ProtocolError {
  if (f.byteLength < FRAME_HEADER.size || rdU32(f, FRAME_HEADER.at.length) !== f.byteLength) return new ProtocolError(`frame of ${f.byteLength} bytes does not match its length field`);
  const op = rdU32(f, FRAME_HEADER.at.op);
  const seq = rdU32(f, FRAME_HEADER.at.seq);
  const thread = rdU32(f, FRAME_HEADER.at.thread);
  // The common frame first, before the views and the helper the other ops use are made.
  if (op === OP_MACH_MSG) return machMsgRequest(f, FRAME_HEADER.size, seq, thread);
  return decodeOther(op, seq, thread, f.subarray(FRAME_HEADER.size));
}

/** Every op but MACH_MSG, from its payload. */
function decodeOther(op: number, seq: number, thread: number, payload: Uint8Array): Request | ProtocolError {
  const short = (need: number): ProtocolError | null => (payload.byteLength < need ? new ProtocolError(`op ${op}: payload of ${payload.byteLength} bytes, need ${need}`) : null);
  const pv = viewOf(payload);
  switch (op) {
    case OP_HELLO: {
      const bad = short(HELLO.size);
      if (bad) return bad;
      const h = HELLO.read(pv, 0);
      if (h.nameLength > MAX_TASK_NAME) return new ProtocolError(`HELLO: a name of ${h.nameLength} bytes (at most ${MAX_TASK_NAME})`);
      const bad2 = short(HELLO.size + h.nameLength);
      if (bad2) return bad2;
      const name = new TextDecoder().decode(payload.subarray(HELLO.size, HELLO.size + h.nameLength));
      return { op, seq, thread, uid: h.uid, gid: h.gid, pid: h.pid, tid: h.tid, name };
    }
    case OP_JOIN: {
      const bad = short(JOIN.size);
      if (bad) return bad;
      const j = JOIN.read(pv, 0);
      return { op, seq, thread, token: j.token, tid: j.tid };
    }
    case OP_TRAP:
      return short(TRAP.size) ?? { op, seq, thread, trap: TRAP.read(pv, 0).trap };
    case OP_TRAP_ARGS: {
      const bad = short(TRAP_ARGS.size);
      if (bad) return bad;
      const h = TRAP_ARGS.read(pv, 0);
      if (h.argc > TRAP_ARGS_MAX) return new ProtocolError(`TRAP_ARGS: ${h.argc} arguments (at most ${TRAP_ARGS_MAX})`);
      const bad2 = short(TRAP_ARGS.size + 8 * h.argc);
      if (bad2) return bad2;
      const args = Array.from({ length: h.argc }, (_, i) => pv.getBigUint64(TRAP_ARGS.size + 8 * i, true));
      return { op, seq, thread, trap: h.trap, args };
    }
    case OP_THREAD:
      return { op, seq, thread };
    case OP_ADMIN: {
      const bad = short(ADMIN.size);
      if (bad) return bad;
      const a = ADMIN.read(pv, 0);
      return { op, seq, thread, command: a.command, argument: a.argument };
    }
    default:
      return new ProtocolError(`unknown op ${op}`);
  }
}

/**
 * The out-of-line regions a message's descriptors point at (OOL memory and
 * OOL port arrays), read through `read`; both ends of the wire need them.
 * The data are copies unless `copy` is false (for a caller that unmaps the
 * regions at once, so nothing else can write them while they are sent).
 */
export function descriptorRegions(msg: Uint8Array, size: number, read: (address: bigint, size: number) => Uint8Array | null, copy = true): OolRegion[] {
  if (size < 28 || !(rdU32(msg, 0) & MACH_MSGH_BITS_COMPLEX)) return NO_OOL;
  const dv = viewOf(msg);
  const out: OolRegion[] = [];
  const count = dv.getUint32(24, true);
  let off = 28;
  for (let i = 0; i < count && off + 12 <= size; i++) {
    const type = msg[off + 11]!;
    if (type === 1 || type === 2 || type === 3) {
      if (off + 16 > size) break;
      const address = dv.getBigUint64(off, true);
      const n = type === 2 ? dv.getUint32(off + 12, true) * 4 : dv.getUint32(off + 12, true);
      const data = n > 0 ? read(address, n) : null;
      if (data) out.push({ address, data: copy ? data.slice() : data });
      off += 16;
    } else off += 12;
  }
  return out;
}

/** `n` bytes of a fresh buffer, not zeroed (for a caller that writes every byte). */
export function ownBuffer(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/** Reassemble frames from a byte stream. */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** The chunk (or what is left of it) pushed as borrowed and still held; at most one is. */
  private borrowedChunk: Uint8Array | null = null;
  /**
   * Whether the frame next() returned last is a view of a borrowed chunk: its bytes are
   * the caller's to reuse once it returns, so whoever keeps the frame longer copies it.
   */
  lastBorrowed = false;
  /** The largest frame accepted now (a server lowers it until HELLO). */
  maxFrame = MAX_FRAME;
  /**
   * Where a frame that came over several chunks is gathered: `n` bytes the
   * reader overwrites whole. By default a buffer of its own, left unfilled
   * (zeroing 64 KiB only to copy over it cost as much as the copy).
   */
  gather: (n: number) => Uint8Array = ownBuffer;

  /** Bytes received and not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The length field of the frame being received (0 until its first 4 bytes are in). */
  pendingLength(): number {
    return this.buffered < 4 ? 0 : this.headLength();
  }

  /** The first 4 bytes buffered, as the length they are; read in place when the first chunk has them. */
  private headLength(): number {
    const first = this.chunks[0]!;
    return first.byteLength >= 4 ? rdU32(first, 0) : rdU32(this.flatten(), 0);
  }

  /**
   * Add received bytes. A `borrowed` chunk's memory is the caller's again once it has taken
   * the frames it can (a read buffer the next read overwrites): keepBorrowed() copies what is
   * left of it, and lastBorrowed says which frames are views of it, known without asking a
   * typed array for its .buffer (a call into the runtime). Pushing a second one keeps the first.
   */
  push(chunk: Uint8Array, borrowed = false): void {
    if (borrowed) {
      this.keepBorrowed();
      this.borrowedChunk = chunk;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
  }

  /** What is held of the borrowed chunk becomes a copy of its own. */
  keepBorrowed(): void {
    const b = this.borrowedChunk;
    if (b === null) return;
    this.borrowedChunk = null;
    const i = this.chunks.lastIndexOf(b);
    if (i >= 0) this.chunks[i] = b.slice();
  }

  /** The bytes still held that are views of `memory` (a read buffer about to be reused) become copies of their own. */
  keep(memory: ArrayBufferLike): void {
    for (let i = 0; i < this.chunks.length; i++) if (this.chunks[i]!.buffer === memory) this.chunks[i] = this.chunks[i]!.slice();
  }

  /** The next whole frame, null if incomplete, or an Error for a frame that cannot be valid. */
  next(): Uint8Array | null | Error {
    if (this.buffered < 4) return null;
    const length = this.headLength();
    if (length < FRAME_HEADER.size || length > this.maxFrame) return new ProtocolError(`bad frame length ${length} (${FRAME_HEADER.size} to ${this.maxFrame})`);
    if (this.buffered < length) return null;
    return this.take(length);
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const all = new Uint8Array(this.buffered);
    let off = 0;
    for (const c of this.chunks) {
      all.set(c, off);
      off += c.byteLength;
    }
    this.chunks = [all];
    this.borrowedChunk = null;
    return all;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    // The common case, one whole frame at the head of a chunk, costs no copy:
    // the socket hands each chunk over and never writes to it again.
    const borrowed = first === this.borrowedChunk;
    this.lastBorrowed = borrowed;
    if (first.byteLength === n) {
      this.chunks.shift();
      if (borrowed) this.borrowedChunk = null;
      this.buffered -= n;
      return first;
    }
    if (first.byteLength > n) {
      const rest = first.subarray(n);
      this.chunks[0] = rest;
      if (borrowed) this.borrowedChunk = rest;
      this.buffered -= n;
      return first.subarray(0, n);
    }
    this.lastBorrowed = false;
    // A frame over several chunks is copied once, into a buffer of its size: the
    // chunks it used up go, a partly used one stays for the next frame.
    const out = this.gather(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.byteLength, n - off);
      out.set(k === c.byteLength ? c : c.subarray(0, k), off);
      off += k;
      const rest = k === c.byteLength ? null : c.subarray(k);
      if (rest === null) this.chunks.shift();
      else this.chunks[0] = rest;
      if (c === this.borrowedChunk) this.borrowedChunk = rest;
    }
    this.buffered -= n;
    return out;
  }
}
