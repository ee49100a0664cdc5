/**
 * current_thread() as the IPC layer sees it. The kernel installs the thread whose trap runs for
 * the length of the trap: the guard violations the trap makes are recorded on that thread
 * (guard.ts), and the messages it posts and takes are counted on its task (msg_counters.ts).
 * One record, installed once per trap, serves both.
 */
import type { GuardViolation } from "./guard.js";
import type { MsgCounts } from "./msg_counters.js";

export interface TrapOwner {
  /** thread->guard_exc_info: record a Mach port guard violation the trap made. */
  guard(v: GuardViolation): void;
  /** The thread's task's message counts. */
  readonly counts: MsgCounts;
}

let owner: TrapOwner | null = null;

/** Install the running trap's owner; returns the one installed before, to restore. */
export function setTrapOwner(o: TrapOwner | null): TrapOwner | null {
  const prev = owner;
  owner = o;
  return prev;
}

/** The owner of the trap running now, or null outside any trap. */
export function trapOwner(): TrapOwner | null {
  return owner;
}
