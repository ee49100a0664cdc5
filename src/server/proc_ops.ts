/**
 * The process operations of the wire: a fork's child becoming a task of its
 * own (FORK), a new image adopting its task after exec (ADOPT), a C thread's
 * fault raised as a Mach exception (EXCEPTION). Session calls these; the
 * kernel does the work (src/kern/proc.ts, exception.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { viewOf } from "../abi/layout.js";
import { rdU32, wrU32 } from "../abi/bytes.js";
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Thread } from "../kern/thread.js";
import { EXCEPTION, EXCEPTION_RESULT, STATE_BLOCK, STATE_BLOCK_MAX, STATE_BLOCKS_MAX } from "./protocol.js";
import { x86_EXCEPTION_STATE64, ARM_EXCEPTION_STATE64, x86_THREAD_STATE64, x86_FLOAT_STATE64, ARM_THREAD_STATE64, ARM_NEON_STATE64 } from "../abi/thread_status.js";

/** Thrown for a malformed frame (the session turns it into its ProtocolError). */
export class ProcFrameError extends Error {}

/** What /proc says of a process: its parent and its real, effective and saved uids and gids. */
export interface ProcStatus {
  ppid: number;
  uids: number[];
  gids: number[];
}

/** /proc/<pid>/status, or null when there is no such process (or no /proc). */
export function procStatus(pid: number): ProcStatus | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (k: string): number[] => (text.match(new RegExp(`^${k}:\\s*(.*)$`, "m"))?.[1] ?? "").trim().split(/\s+/).map(Number);
    return { ppid: field("PPid")[0] ?? -1, uids: field("Uid"), gids: field("Gid") };
  } catch {
    return null;
  }
}

/**
 * `tid` if /proc shows it is a thread of process `pid` (what a client says of its own thread is
 * taken only so far), else 0: no host thread known.
 */
export function procThreadOf(pid: number, tid: number): number {
  return Number.isInteger(tid) && tid > 0 && existsSync(`/proc/${pid}/task/${tid}`) ? tid : 0;
}

/**
 * When a process started (/proc/<pid>/stat's starttime, in clock ticks since boot), or null when
 * there is none: with the pid, what tells one process from a later one that reused its pid.
 */
export function procStartTime(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** A process's credential as BSD keeps it for the Mach tokens: effective and real uid and gid. */
export interface ProcCredential {
  uid: number;
  gid: number;
  ruid: number;
  rgid: number;
}

/**
 * The credential /proc shows for the process `pid` started at `start` (procStartTime), or null
 * when that process is gone (its pid unused, or reused by another).
 */
export function procCredential(pid: number, start: string | null): ProcCredential | null {
  const st = procStatus(pid);
  if (!st || st.uids.length < 2 || st.gids.length < 2 || start === null || procStartTime(pid) !== start) return null;
  return { uid: st.uids[1]!, gid: st.gids[1]!, ruid: st.uids[0]!, rgid: st.gids[0]! };
}

/** A fork's child: the connecting process (by the kernel's word) is, per /proc, a child of the parent task's process. */
export function verifyForkChild(parentPid: number, childPid: number): boolean {
  const st = procStatus(childPid);
  return !!st && st.ppid === parentPid;
}

/**
 * An exec's new image: the process the connection belongs to, whose effective
 * ids (after a set-id exec, not those of the connect) /proc tells; null if not.
 */
export function verifyAdopter(connectionPid: number, claimedPid: number): { uid: number; gid: number } | null {
  if (claimedPid !== connectionPid) return null;
  const st = procStatus(connectionPid);
  if (!st || st.uids.length < 2 || st.gids.length < 2) return null;
  return { uid: st.uids[1]!, gid: st.gids[1]! };
}

export interface ExceptionRequest {
  token: bigint;
  thread: number;
  exception: number;
  codes: bigint[];
  states: { flavor: number; words: Uint32Array }[];
}

/** Decode an EXCEPTION payload (every length checked before use). */
export function decodeException(payload: Uint8Array): ExceptionRequest {
  if (payload.byteLength < EXCEPTION.size) throw new ProcFrameError("short EXCEPTION");
  const dv = viewOf(payload);
  const h = EXCEPTION.read(dv, 0);
  if (h.codeCount > 2 || h.flavorCount > STATE_BLOCKS_MAX) throw new ProcFrameError("EXCEPTION: too many codes or states");
  const codes = [BigInt.asIntN(64, h.code0), BigInt.asIntN(64, h.code1)].slice(0, h.codeCount);
  const states: ExceptionRequest["states"] = [];
  let off = EXCEPTION.size;
  for (let i = 0; i < h.flavorCount; i++) {
    if (off + STATE_BLOCK.size > payload.byteLength) throw new ProcFrameError("EXCEPTION: states overrun the frame");
    const b = STATE_BLOCK.read(dv, off);
    off += STATE_BLOCK.size;
    if (b.count > STATE_BLOCK_MAX || off + 4 * b.count > payload.byteLength) throw new ProcFrameError("EXCEPTION: state overruns the frame");
    const words = new Uint32Array(b.count);
    for (let w = 0; w < b.count; w++) words[w] = rdU32(payload, off + 4 * w);
    off += 4 * b.count;
    states.push({ flavor: b.flavor, words });
  }
  return { token: h.token, thread: h.thread, exception: h.exception, codes, states };
}

const LEVELS = { thread: 1, task: 2, host: 3 } as const;

/**
 * Raise the exception on `thread` with the registers the fault left: the
 * thread's state is what the signal's ucontext held, delivery goes thread →
 * task → host, and the answer carries the state to resume with and the
 * signal BSD's handler posted when nobody else took it.
 */
export async function raiseFromWire(thread: Thread, req: ExceptionRequest): Promise<{ kr: number; extra: Uint8Array }> {
  const st = thread.state;
  for (const s of req.states) {
    if (s.flavor === x86_EXCEPTION_STATE64 && s.words.length === 4) {
      // {trapno u16, cpu u16, err u32, faultvaddr u64}: not settable by thread_set_state, set as the trap does.
      st.setException(BigInt(s.words[2]!) | (BigInt(s.words[3]!) << 32n), s.words[1]!, s.words[0]! & 0xffff);
    } else if (s.flavor === ARM_EXCEPTION_STATE64 && s.words.length === 4) {
      st.setException(BigInt(s.words[0]!) | (BigInt(s.words[1]!) << 32n), s.words[2]!, s.words[3]!);
    } else if (st.set(s.flavor, s.words) !== KERN_SUCCESS) {
      return { kr: KERN_INVALID_ARGUMENT, extra: resultExtra(0, 0, []) };
    }
  }
  const before = thread.signals.length;
  const out = await thread.raiseException(req.exception, req.codes);
  const posted = thread.signals.slice(before);
  thread.signals.length = before;
  const signal = posted.length > 0 ? posted[posted.length - 1]!.signal : 0;
  const flavors = st.arch === "x86_64" ? [x86_THREAD_STATE64, x86_FLOAT_STATE64] : [ARM_THREAD_STATE64, ARM_NEON_STATE64];
  const blocks = flavors.map((flavor) => ({ flavor, words: st.get(flavor, st.countFor(flavor)).state }));
  // Taken by BSD's handler alone is not handled: the process is to die of the signal.
  const handled = out.handledBy && signal === 0 ? LEVELS[out.handledBy] : 0;
  return { kr: out.kr, extra: resultExtra(handled, signal, blocks) };
}

export function resultExtra(handledBy: number, signal: number, blocks: { flavor: number; words: Uint32Array }[]): Uint8Array {
  let n = EXCEPTION_RESULT.size;
  for (const b of blocks) n += STATE_BLOCK.size + 4 * b.words.length;
  const out = new Uint8Array(n);
  const dv = viewOf(out);
  EXCEPTION_RESULT.write(dv, 0, { handledBy, signal, flavorCount: blocks.length });
  let off = EXCEPTION_RESULT.size;
  for (const b of blocks) {
    STATE_BLOCK.write(dv, off, { flavor: b.flavor, count: b.words.length });
    off += STATE_BLOCK.size;
    for (let i = 0; i < b.words.length; i++) wrU32(out, off + 4 * i, b.words[i]!);
    off += 4 * b.words.length;
  }
  return out;
}

/** Decode an EXCEPTION result's extra (the Node client's side). */
export function decodeExceptionResult(extra: Uint8Array): { handledBy: number; signal: number; states: { flavor: number; words: Uint32Array }[] } {
  // A refused EXCEPTION (no such thread, one out already) may come back without its record.
  if (extra.byteLength < EXCEPTION_RESULT.size) return { handledBy: 0, signal: 0, states: [] };
  const dv = viewOf(extra);
  const h = EXCEPTION_RESULT.read(dv, 0);
  const states: { flavor: number; words: Uint32Array }[] = [];
  let off = EXCEPTION_RESULT.size;
  for (let i = 0; i < h.flavorCount && off + STATE_BLOCK.size <= extra.byteLength; i++) {
    const b = STATE_BLOCK.read(dv, off);
    off += STATE_BLOCK.size;
    const words = new Uint32Array(b.count);
    for (let w = 0; w < b.count && off + 4 * w + 4 <= extra.byteLength; w++) words[w] = rdU32(extra, off + 4 * w);
    off += 4 * b.count;
    states.push({ flavor: b.flavor, words });
  }
  return { handledBy: h.handledBy, signal: h.signal, states };
}

/** The EXCEPTION request bytes (the Node client's side). */
export function encodeException(req: ExceptionRequest): Uint8Array {
  let n = EXCEPTION.size;
  for (const s of req.states) n += STATE_BLOCK.size + 4 * s.words.length;
  const out = new Uint8Array(n);
  const dv = viewOf(out);
  EXCEPTION.write(dv, 0, {
    token: req.token,
    thread: req.thread,
    exception: req.exception,
    codeCount: req.codes.length,
    flavorCount: req.states.length,
    code0: BigInt.asUintN(64, req.codes[0] ?? 0n),
    code1: BigInt.asUintN(64, req.codes[1] ?? 0n),
  });
  let off = EXCEPTION.size;
  for (const s of req.states) {
    STATE_BLOCK.write(dv, off, { flavor: s.flavor, count: s.words.length });
    off += STATE_BLOCK.size;
    for (let i = 0; i < s.words.length; i++) wrU32(out, off + 4 * i, s.words[i]!);
    off += 4 * s.words.length;
  }
  return out;
}
