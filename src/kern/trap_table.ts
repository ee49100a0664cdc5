/**
 * The kernel's trap dispatch for the traps with arguments (TRAP_ARGS on the
 * wire, Thread.trap in process), by mach_trap_table number; the table of
 * names and arguments is src/abi/traps.ts. Each entry takes the argument
 * slots in order and answers the kern_return_t and the copied-out values,
 * or a Promise of them for a wait that blocks.
 */
import { KERN_INVALID_ARGUMENT, KERN_INVALID_VALUE, KERN_NOT_WAITING, KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_PORT_NULL } from "../abi/port.js";
import * as rpc from "./kernelrpc.js";
import { badTimespec, portNameToSemaphore, semaphoreSignalInternal, semaphoreWaitInternal, timeoutOf, type Semaphore } from "./sync_sema.js";
import { convertPortToThread } from "./ipc_tt.js";
import type { Thread } from "./thread.js";
import { clockSleepTrap } from "./clock_sleep.js";
import { mkTimerArm, mkTimerCancel, mkTimerDestroy } from "./mk_timer.js";

export type TrapOutcome = rpc.KernelrpcResult | Promise<rpc.KernelrpcResult>;
type Runner = (thread: Thread, a: readonly bigint[]) => TrapOutcome;

const u32 = (v: bigint | undefined): number => Number(BigInt.asUintN(32, v ?? 0n));
const i32 = (v: bigint | undefined): number => Number(BigInt.asIntN(32, v ?? 0n));

/** port_name_to_thread: a thread of any task behind a send right the caller holds. */
const portNameToThread = (thread: Thread, name: number): Thread | null => rpc.portNameToObject(thread, name, (p) => convertPortToThread<Thread>(p));

const done = (kr: number): rpc.KernelrpcResult => ({ kr });
const settle = (r: number | Promise<number>): TrapOutcome => (typeof r === "number" ? done(r) : r.then(done));

/** semaphore_signal_internal_trap and friends: a signal nobody waited for still succeeds. */
function signalTrap(thread: Thread, name: number, all: boolean): rpc.KernelrpcResult {
  const s = portNameToSemaphore(thread.task.space, name);
  if (s.kr !== KERN_SUCCESS) return done(s.kr);
  const kr = semaphoreSignalInternal(s.semaphore!, null, all, !all);
  return done(kr === KERN_NOT_WAITING ? KERN_SUCCESS : kr);
}

/** The wait traps: the signal semaphore is looked up first, then the one to wait on (as xnu-3248 does). */
function waitTrap(thread: Thread, waitName: number, signalName: number | null, timeoutMs: number | null): TrapOutcome {
  let signal: Semaphore | null = null;
  if (signalName !== null) {
    const s = portNameToSemaphore(thread.task.space, signalName);
    if (s.kr !== KERN_SUCCESS) return done(s.kr);
    signal = s.semaphore;
  }
  const w = portNameToSemaphore(thread.task.space, waitName);
  if (w.kr !== KERN_SUCCESS) return done(w.kr);
  return settle(semaphoreWaitInternal(thread, w.semaphore!, signal, timeoutMs));
}

const RUNNERS: Record<number, Runner> = {
  10: (t, a) => rpc.vmAllocateTrap(t, u32(a[0]), a[1]!, a[2]!, i32(a[3])),
  12: (t, a) => rpc.vmDeallocateTrap(t, u32(a[0]), a[1]!, a[2]!),
  14: (t, a) => rpc.vmProtectTrap(t, u32(a[0]), a[1]!, a[2]!, u32(a[3]) !== 0, i32(a[4])),
  15: (t, a) => rpc.vmMapTrap(t, u32(a[0]), a[1]!, a[2]!, a[3]!, i32(a[4]), i32(a[5])),
  16: (t, a) => rpc.portAllocateTrap(t, u32(a[0]), u32(a[1])),
  17: (t, a) => rpc.portDestroyTrap(t, u32(a[0]), u32(a[1])),
  18: (t, a) => rpc.portDeallocateTrap(t, u32(a[0]), u32(a[1])),
  19: (t, a) => rpc.portModRefsTrap(t, u32(a[0]), u32(a[1]), u32(a[2]), i32(a[3])),
  20: (t, a) => rpc.portMoveMemberTrap(t, u32(a[0]), u32(a[1]), u32(a[2])),
  21: (t, a) => rpc.portInsertRightTrap(t, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3])),
  22: (t, a) => rpc.portInsertMemberTrap(t, u32(a[0]), u32(a[1]), u32(a[2])),
  23: (t, a) => rpc.portExtractMemberTrap(t, u32(a[0]), u32(a[1]), u32(a[2])),
  24: (t, a) => rpc.portConstructTrap(t, u32(a[0]), u32(a[1]), u32(a[2]), a[3]!),
  25: (t, a) => rpc.portDestructTrap(t, u32(a[0]), u32(a[1]), i32(a[2]), a[3]!),
  33: (t, a) => signalTrap(t, u32(a[0]), false),
  34: (t, a) => signalTrap(t, u32(a[0]), true),
  35: (t, a) => {
    // semaphore_signal_thread_trap: the thread first (a bad one is KERN_INVALID_ARGUMENT), then the semaphore.
    const threadName = u32(a[1]);
    let target: Thread | null = null;
    if (threadName !== MACH_PORT_NULL) {
      target = portNameToThread(t, threadName);
      if (!target) return done(KERN_INVALID_ARGUMENT);
    }
    const s = portNameToSemaphore(t.task.space, u32(a[0]));
    if (s.kr !== KERN_SUCCESS) return done(s.kr);
    return done(semaphoreSignalInternal(s.semaphore!, target, false, false));
  },
  36: (t, a) => waitTrap(t, u32(a[0]), null, null),
  37: (t, a) => waitTrap(t, u32(a[0]), u32(a[1]), null),
  38: (t, a) => (badTimespec(i32(a[2])) ? done(KERN_INVALID_VALUE) : waitTrap(t, u32(a[0]), null, timeoutOf(u32(a[1]), i32(a[2])))),
  39: (t, a) => (badTimespec(i32(a[3])) ? done(KERN_INVALID_VALUE) : waitTrap(t, u32(a[0]), u32(a[1]), timeoutOf(u32(a[2]), i32(a[3])))),
  41: (t, a) => rpc.portGuardTrap(t, u32(a[0]), u32(a[1]), a[2]!, u32(a[3]) !== 0),
  42: (t, a) => rpc.portUnguardTrap(t, u32(a[0]), u32(a[1]), a[2]!),
  62: (t, a) => clockSleepTrap(t, u32(a[0]), i32(a[1]), i32(a[2]), i32(a[3])),
  91: (t) => done(t.task.kernel.mkTimers.create(t.task.space)),
  92: (t, a) => done(mkTimerDestroy(t.task.space, u32(a[0]))),
  93: (t, a) => done(mkTimerArm(t.task.space, u32(a[0]), a[1]!)),
  94: (t, a) => {
    // The armed time goes back as the copied-out value; the caller writes it to result_time when it gave one.
    const r = mkTimerCancel(t.task.space, u32(a[0]));
    return a[1] !== 0n && r.kr === KERN_SUCCESS ? { kr: r.kr, outs: [r.armedTime] } : done(r.kr);
  },
};

/** Run trap `number` for `thread`; null for a trap machipc does not serve (the caller decides how to refuse it). */
export function runTrap(thread: Thread, number: number, args: readonly bigint[]): TrapOutcome | null {
  const run = RUNNERS[number];
  return run ? run(thread, args) : null;
}

/** Add a trap to the table (task_for_pid and friends join it from their own module). */
export function registerTrap(number: number, run: Runner): void {
  if (RUNNERS[number]) throw new Error(`trap ${number} registered twice`);
  RUNNERS[number] = run;
}
