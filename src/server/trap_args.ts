/**
 * TRAP_ARGS: the Mach traps that take arguments, dispatched by their index in
 * xnu-3248's mach_trap_table (osfmk/kern/syscall_sw.c). Each entry turns the
 * 64-bit arguments into the trap's and answers its kern_return_t and out word.
 */
import { viewOf } from "../abi/layout.js";
import type { Thread } from "../kern/thread.js";
import { pidForTask, taskForPid, taskNameForPid, type TrapResult } from "../kern/task_for_pid.js";
import { ProcFrameError } from "./proc_ops.js";
import { TRAP_ARGS, TRAP_ARGS_MAX } from "./protocol.js";

const u32 = (v: bigint | undefined): number => Number(BigInt.asUintN(32, v ?? 0n));
const i32 = (v: bigint | undefined): number => Number(BigInt.asIntN(32, v ?? 0n));

/** By trap number. */
export const TRAP_TABLE: Record<number, (thread: Thread, args: bigint[]) => TrapResult> = {
  44: (t, a) => taskNameForPid(t.task, u32(a[0]), i32(a[1])),
  45: (t, a) => taskForPid(t.task, u32(a[0]), i32(a[1])),
  46: (t, a) => pidForTask(t.task, u32(a[0]), t.task.kernel.options.fixes.pidForTaskName),
};

/** Run the trap a TRAP_ARGS payload names; null for a trap number the table does not have. */
export function trapWithArgs(thread: Thread, payload: Uint8Array): TrapResult | null {
  if (payload.byteLength < TRAP_ARGS.size) throw new ProcFrameError("short TRAP_ARGS");
  const h = TRAP_ARGS.read(viewOf(payload), 0);
  if (h.count > TRAP_ARGS_MAX || payload.byteLength < TRAP_ARGS.size + 8 * h.count) throw new ProcFrameError("TRAP_ARGS arguments overrun the frame");
  const fn = TRAP_TABLE[h.trap];
  if (!fn) return null;
  const dv = viewOf(payload);
  const args: bigint[] = [];
  for (let i = 0; i < h.count; i++) args.push(dv.getBigUint64(TRAP_ARGS.size + 8 * i, true));
  return fn(thread, args);
}
