/**
 * task_get_state / task_set_state (machine_task_get_state / machine_task_set_state
 * in osfmk/i386/machine_task.c): the only task-wide state is the debug
 * registers new threads inherit, x86_DEBUG_STATE64 or the unified
 * x86_DEBUG_STATE, with exact counts, and dr7 checked as pcb.c's
 * debug_state_is_valid64 checks it. arm64 has no task-wide flavor here.
 */
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { x86_DEBUG_STATE, x86_DEBUG_STATE64, x86_DEBUG_STATE64_COUNT } from "../abi/thread_status.js";
import type { Arch } from "./machine.js";

/** VM_MAX_PAGE_ADDRESS on x86_64: the first address a breakpoint may not watch. */
const VM_MAX_PAGE_ADDRESS = 0x00007fffffe00000n;

/** x86_debug_state64: dr0-dr7 as u64s, 16 words. */
export class TaskDebugState {
  /** task->task_debug; null until first set (reads as zeros). */
  private dr: BigUint64Array | null = null;

  constructor(private readonly arch: Arch) {}

  get(flavor: number, count: number): { kr: KernReturn; state: number[] } {
    const fail = { kr: KERN_INVALID_ARGUMENT, state: [] };
    if (this.arch !== "x86_64") return fail;
    // *state_count is checked, never written: the caller's exact count comes back.
    if (flavor === x86_DEBUG_STATE64) return count === x86_DEBUG_STATE64_COUNT ? { kr: KERN_SUCCESS, state: this.words() } : fail;
    if (flavor === x86_DEBUG_STATE) return count === x86_DEBUG_STATE64_COUNT + 2 ? { kr: KERN_SUCCESS, state: [x86_DEBUG_STATE64, x86_DEBUG_STATE64_COUNT, ...this.words()] } : fail;
    return fail;
  }

  set(flavor: number, state: number[]): KernReturn {
    if (this.arch !== "x86_64") return KERN_INVALID_ARGUMENT;
    let words: number[];
    if (flavor === x86_DEBUG_STATE64) {
      if (state.length !== x86_DEBUG_STATE64_COUNT) return KERN_INVALID_ARGUMENT;
      words = state;
    } else if (flavor === x86_DEBUG_STATE) {
      if (state.length !== x86_DEBUG_STATE64_COUNT + 2) return KERN_INVALID_ARGUMENT;
      if (state[0] !== x86_DEBUG_STATE64 || state[1] !== x86_DEBUG_STATE64_COUNT) return KERN_INVALID_ARGUMENT;
      words = state.slice(2);
    } else return KERN_INVALID_ARGUMENT;
    const dr = BigUint64Array.from({ length: 8 }, (_, i) => BigInt(words[2 * i]! >>> 0) | (BigInt(words[2 * i + 1]! >>> 0) << 32n));
    const dr7 = debugStateValid64(dr);
    if (dr7 === null) return KERN_INVALID_ARGUMENT;
    // copy_debug_state64(..., all = FALSE): dr4 and dr5 are not taken.
    const mine = (this.dr ??= new BigUint64Array(8));
    for (const i of [0, 1, 2, 3, 6]) mine[i] = dr[i]!;
    mine[7] = dr7;
    return KERN_SUCCESS;
  }

  private words(): number[] {
    const out: number[] = [];
    for (let i = 0; i < 8; i++) {
      const v = this.dr?.[i] ?? 0n;
      out.push(Number(v & 0xffffffffn), Number(v >> 32n));
    }
    return out;
  }
}

/**
 * debug_state_is_valid64 with dr7d_is_valid (CR4.DE clear): no I/O breakpoints,
 * execution breakpoints of length 0, no global enables, watched addresses below
 * VM_MAX_PAGE_ADDRESS. Returns dr7 as the kernel stores it (fixed bits set, upper half cleared), or null.
 */
function debugStateValid64(dr: BigUint64Array): bigint | null {
  let d = Number(dr[7]! & 0xffffffffn) >>> 0;
  for (let i = 0; i < 4; i++) {
    const rw = (d >>> (16 + 4 * i)) & 3;
    const len = (d >>> (18 + 4 * i)) & 3;
    if (rw === 2) return null;
    if (rw === 0 && len !== 0) return null;
  }
  d = (d | (1 << 10)) & ~((1 << 11) | (1 << 12) | (1 << 14) | (1 << 15));
  for (let i = 0; i < 4; i++) if (d & (2 << (2 * i))) return null;
  for (let i = 0; i < 4; i++) if (d & (1 << (2 * i)) && dr[i]! >= VM_MAX_PAGE_ADDRESS) return null;
  return BigInt(d >>> 0);
}
