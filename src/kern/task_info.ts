/**
 * task_info and thread_info (osfmk/kern/task.c, thread.c): every task_info
 * flavor xnu-3248 answers on a RELEASE x86_64 kernel, with its count checks.
 * A task that is a process outside the server reports what that process has
 * used as the host kernel counts it (src/kern/task_usage.ts: sizes, CPU
 * times, faults, context switches); an in-process task's sizes come from its
 * simulated address space and its times, faults and wakeups are zero.
 */
import { KERN_INVALID_ARGUMENT, KERN_INVALID_POLICY, KERN_NOT_SUPPORTED, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { BASEPRI_DEFAULT, MINPRI_KERNEL, POLICY_RR, POLICY_TIMESHARE } from "../abi/host.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";
import { processUsageOf, threadUsageOf, type ProcessUsage, type ThreadUsage } from "./task_usage.js";

import {
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_LAYOUT,
  TASK_ABSOLUTETIME_INFO,
  TASK_ABSOLUTETIME_INFO_LAYOUT,
  TASK_AFFINITY_TAG_INFO,
  TASK_AFFINITY_TAG_INFO_LAYOUT,
  TASK_BASIC2_INFO_32,
  TASK_DEBUG_INFO_INTERNAL,
  TASK_DYLD_INFO,
  TASK_DYLD_INFO_LAYOUT,
  TASK_EVENTS_INFO,
  TASK_EVENTS_INFO_LAYOUT,
  TASK_EXTMOD_INFO,
  TASK_FLAGS_INFO,
  TASK_FLAGS_INFO_LAYOUT,
  TASK_KERNELMEMORY_INFO,
  TASK_KERNELMEMORY_INFO_LAYOUT,
  TASK_POWER_INFO,
  TASK_POWER_INFO_LAYOUT,
  TASK_POWER_INFO_V2,
  TASK_SCHED_FIFO_INFO,
  TASK_SCHED_INFO,
  TASK_SCHED_RR_INFO,
  TASK_SCHED_TIMESHARE_INFO,
  TASK_THREAD_TIMES_INFO,
  TASK_THREAD_TIMES_INFO_LAYOUT,
  TASK_VM_INFO,
  TASK_VM_INFO_LAYOUT,
  TASK_VM_INFO_PURGEABLE,
  TASK_VM_INFO_PURGEABLE_ACCOUNT,
  TASK_WAIT_STATE_INFO,
  TASK_WAIT_STATE_INFO_LAYOUT,
  TASK_BASIC_INFO_32,
  TASK_BASIC_INFO_32_LAYOUT,
  TASK_BASIC_INFO_64,
  TASK_BASIC_INFO_64_LAYOUT,
  THREAD_BASIC_INFO,
  THREAD_BASIC_INFO_LAYOUT,
  THREAD_IDENTIFIER_INFO,
  THREAD_IDENTIFIER_INFO_LAYOUT,
  THREAD_EXTENDED_INFO,
  THREAD_EXTENDED_INFO_LAYOUT,
  THREAD_DEBUG_INFO_INTERNAL,
  THREAD_SCHED_TIMESHARE_INFO,
  THREAD_SCHED_RR_INFO,
  THREAD_SCHED_FIFO_INFO,
  POLICY_TIMESHARE_INFO_LAYOUT,
  POLICY_RR_INFO_LAYOUT,
  encodeInfo,
} from "../abi/info.js";

export { MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC_INFO_64, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO };
export const TASK_SECURITY_TOKEN = 13;
export const TASK_AUDIT_TOKEN = 15;
export const TASK_INFO_MAX = 52;
export const THREAD_INFO_MAX = 32;
/** thread_info's run states. */
const TH_STATE_RUNNING = 1;
const TH_STATE_STOPPED = 2;
const TH_STATE_WAITING = 3;
const TH_STATE_UNINTERRUPTIBLE = 4;
const TH_STATE_HALTED = 5;
/** Words of thread_extended_info, pth_name (MAXTHREADNAMESIZE bytes) included. */
const THREAD_EXTENDED_INFO_COUNT = 28;
const MAXTHREADNAMESIZE = 64;
const POLICY_TIMESHARE_INFO_COUNT = 5;
const POLICY_RR_INFO_COUNT = 5;
const POLICY_FIFO_INFO_COUNT = 4;

function need(capacity: number, n: number, words: () => number[]): { kr: KernReturn; info: number[] } {
  return capacity < n ? { kr: KERN_INVALID_ARGUMENT, info: [] } : { kr: KERN_SUCCESS, info: words() };
}

/** Words of the structures that have no fields machipc fills (task_info.h's counts). */
const TASK_EXTMOD_INFO_COUNT = 16;
const TASK_POWER_INFO_V2_COUNT = 20;
const TASK_VM_INFO_COUNT = 38;
const TASK_VM_INFO_REV0_COUNT = 36;
const TASK_LEGACY_DYLD_INFO_COUNT = 4;
/** policy_timeshare_base, policy_rr_base, policy_fifo_base: a priority (and RR's quantum). */
const POLICY_TIMESHARE_BASE_COUNT = 1;
const POLICY_RR_BASE_COUNT = 2;
const POLICY_FIFO_BASE_COUNT = 1;
/** sched_prim.c's std_quantum without a -quantum boot-arg: 10 ms. */
const STD_QUANTUM_MS = 10;
const TASK_DYLD_ALL_IMAGE_INFO_64 = 1;
/** sched.h: the kernel task's base priority. */
const BASEPRI_KERNEL = MINPRI_KERNEL + 1;
/** task.h's TF_64B_ADDR: every machipc task has a 64-bit address space. */
const TF_64B_ADDR = 0x1;

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const ok = (info: number[]) => ({ kr: KERN_SUCCESS, info });
const fail = (kr: KernReturn) => ({ kr, info: [] });

/** task_affinity_info: the distinct affinity tags of the task's threads (an affinity set each). */
function affinityInfo(task: Task): number[] {
  const tags = [...new Set([...task.threads].map((t) => t.policy.affinityTag).filter((tag) => tag !== 0))];
  return encodeInfo(TASK_AFFINITY_TAG_INFO_LAYOUT, {
    setCount: tags.length,
    min: tags.length ? Math.min(...tags) : 0,
    max: tags.length ? Math.max(...tags) : 0,
    taskCount: tags.length ? 1 : 0,
  });
}

/** A time in nanoseconds as time_value_t's fields (seconds, microseconds) under `prefix`. */
function timeValue<P extends "userTime" | "systemTime">(prefix: P, ns: bigint): { [K in `${P}Seconds` | `${P}Microseconds`]: number } {
  const us = ns / 1000n;
  return { [`${prefix}Seconds`]: Number(us / 1_000_000n), [`${prefix}Microseconds`]: Number(us % 1_000_000n) } as { [K in `${P}Seconds` | `${P}Microseconds`]: number };
}

/** The basic infos' user_time and system_time: the threads that have ended (task->total_user_time). */
const endedThreadsTimes = (use: ProcessUsage) => ({ ...timeValue("userTime", use.deadUserNs), ...timeValue("systemTime", use.deadSystemNs) });

/** natural_t's truncation of a size (the 32-bit basic info's vm_size_t fields). */
const natural = (n: bigint): number => Number(n & 0xffffffffn);

/**
 * What a task has used, the same shape for both kinds of task: a process's own figures, or an
 * in-process task's simulated map (every mapped byte anonymous and resident) with no times.
 */
function usageOf(task: Task): ProcessUsage {
  const usage = processUsageOf(task);
  if (usage) return usage;
  const size = BigInt(task.vm.mappedBytes());
  return {
    virtualSize: size,
    residentSize: size,
    residentPeak: size,
    internal: size,
    external: 0n,
    regionCount: task.vm.regionCount,
    deadUserNs: 0n,
    deadSystemNs: 0n,
    liveUserNs: 0n,
    liveSystemNs: 0n,
    faults: 0,
    pageins: 0,
    contextSwitches: 0,
  };
}

export function taskInfo(task: Task, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  const isKernel = task === task.kernel.kernelTask;
  const u = () => usageOf(task);
  switch (flavor) {
    // The basic infos' times are those of the task's threads that have ended (task->total_user_time).
    case TASK_BASIC_INFO_32:
    case TASK_BASIC2_INFO_32: // its resident size is the peak
      return need(capacity, 8, () => {
        const use = u();
        return encodeInfo(TASK_BASIC_INFO_32_LAYOUT, {
          suspendCount: task.suspendCount,
          virtualSize: natural(use.virtualSize),
          residentSize: natural(flavor === TASK_BASIC2_INFO_32 ? use.residentPeak : use.residentSize),
          ...endedThreadsTimes(use),
          policy: POLICY_TIMESHARE,
        });
      });
    case TASK_BASIC_INFO_64:
      return need(capacity, 10, () => {
        const use = u();
        return encodeInfo(TASK_BASIC_INFO_64_LAYOUT, {
          suspendCount: task.suspendCount,
          virtualSize: use.virtualSize,
          residentSize: use.residentSize,
          ...endedThreadsTimes(use),
          policy: POLICY_TIMESHARE,
        });
      });
    case MACH_TASK_BASIC_INFO:
      return need(capacity, 12, () => {
        const use = u();
        return encodeInfo(MACH_TASK_BASIC_INFO_LAYOUT, {
          virtualSize: use.virtualSize,
          residentSize: use.residentSize,
          residentSizeMax: use.residentPeak,
          ...endedThreadsTimes(use),
          policy: POLICY_TIMESHARE,
          suspendCount: task.suspendCount,
        });
      });
    // The live threads' times.
    case TASK_THREAD_TIMES_INFO:
      return need(capacity, 4, () => {
        const use = u();
        return encodeInfo(TASK_THREAD_TIMES_INFO_LAYOUT, { ...timeValue("userTime", use.liveUserNs), ...timeValue("systemTime", use.liveSystemNs) });
      });
    // Every thread's (ended and live) and the live ones', in absolute time (nanoseconds: the timebase is 1/1).
    case TASK_ABSOLUTETIME_INFO:
      return need(capacity, 8, () => {
        const use = u();
        return encodeInfo(TASK_ABSOLUTETIME_INFO_LAYOUT, {
          totalUser: use.deadUserNs + use.liveUserNs,
          totalSystem: use.deadSystemNs + use.liveSystemNs,
          threadsUser: use.liveUserNs,
          threadsSystem: use.liveSystemNs,
        });
      });
    case TASK_DYLD_INFO:
      // No dyld registers an all_image_infos here; a caller with room for it gets the format word too.
      if (capacity < TASK_LEGACY_DYLD_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return ok(encodeInfo(TASK_DYLD_INFO_LAYOUT, { allImageInfoFormat: TASK_DYLD_ALL_IMAGE_INFO_64 }).slice(0, capacity >= 5 ? 5 : TASK_LEGACY_DYLD_INFO_COUNT));
    case TASK_EXTMOD_INFO:
      return need(capacity, TASK_EXTMOD_INFO_COUNT, () => zeros(TASK_EXTMOD_INFO_COUNT));
    case TASK_KERNELMEMORY_INFO:
      return need(capacity, 8, () => encodeInfo(TASK_KERNELMEMORY_INFO_LAYOUT, {}));
    // The obsolete scheduling flavors: only timeshare for a user task, only RR for the kernel's.
    case TASK_SCHED_FIFO_INFO:
      return fail(capacity < POLICY_FIFO_BASE_COUNT ? KERN_INVALID_ARGUMENT : KERN_INVALID_POLICY);
    case TASK_SCHED_RR_INFO:
      if (capacity < POLICY_RR_BASE_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return isKernel ? ok([BASEPRI_KERNEL, STD_QUANTUM_MS]) : fail(KERN_INVALID_POLICY);
    case TASK_SCHED_TIMESHARE_INFO:
      if (capacity < POLICY_TIMESHARE_BASE_COUNT) return fail(KERN_INVALID_ARGUMENT);
      return isKernel ? fail(KERN_INVALID_POLICY) : ok([BASEPRI_DEFAULT]);
    case TASK_SECURITY_TOKEN:
      return need(capacity, 2, () => [...task.secToken]);
    case TASK_AUDIT_TOKEN:
      return need(capacity, 8, () => Array.from(task.auditToken));
    case TASK_SCHED_INFO:
      return fail(KERN_INVALID_ARGUMENT);
    // The task's message counts; its ended threads' traps and each live thread's (integer_t sums).
    case TASK_EVENTS_INFO:
      return need(capacity, 8, () => {
        const use = u();
        let mach = task.syscallsMach;
        for (const t of task.threads) if (t.active) mach += t.syscallsMach;
        return encodeInfo(TASK_EVENTS_INFO_LAYOUT, {
          faults: use.faults,
          pageins: use.pageins,
          messagesSent: task.messagesSent | 0,
          messagesReceived: task.messagesReceived | 0,
          syscallsMach: mach | 0,
          syscallsUnix: task.syscallsUnix | 0,
          csw: use.contextSwitches,
        });
      });
    case TASK_AFFINITY_TAG_INFO:
      return need(capacity, 4, () => affinityInfo(task));
    // task_power_info_locked never writes *count: the caller's count comes back (xnu-bugs.md), zeros past the structure.
    case TASK_POWER_INFO:
      return need(capacity, 12, () => [...powerInfo(u()), ...zeros(capacity - 12)]);
    // Its first part is task_power_info (cpu_energy); the GPU's part stays zero.
    case TASK_POWER_INFO_V2:
      return need(capacity, TASK_POWER_INFO_V2_COUNT, () => [...powerInfo(u()), ...zeros(capacity - 12)]);
    case TASK_VM_INFO:
    case TASK_VM_INFO_PURGEABLE: {
      if (capacity < TASK_VM_INFO_REV0_COUNT) return fail(KERN_INVALID_ARGUMENT);
      // phys_footprint is 0 in 3248. The peaks of internal and external memory are not kept: they read as now.
      const use = u();
      const words = encodeInfo(TASK_VM_INFO_LAYOUT, {
        virtualSize: use.virtualSize,
        regionCount: use.regionCount,
        pageSize: task.kernel.machine.pageSize,
        residentSize: use.residentSize,
        residentSizePeak: use.residentPeak,
        internal: use.internal,
        internalPeak: use.internal,
        external: use.external,
        externalPeak: use.external,
      });
      return ok(words.slice(0, capacity >= TASK_VM_INFO_COUNT ? TASK_VM_INFO_COUNT : TASK_VM_INFO_REV0_COUNT));
    }
    case TASK_WAIT_STATE_INFO:
      return need(capacity, 8, () => encodeInfo(TASK_WAIT_STATE_INFO_LAYOUT, {}));
    case TASK_FLAGS_INFO:
      return need(capacity, 1, () => encodeInfo(TASK_FLAGS_INFO_LAYOUT, { flags: TF_64B_ADDR }));
    // DEVELOPMENT and DEBUG kernels only.
    case TASK_VM_INFO_PURGEABLE_ACCOUNT:
    case TASK_DEBUG_INFO_INTERNAL:
      return fail(KERN_NOT_SUPPORTED);
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/** task_power_info: every thread's CPU time (wakeups are not counted). */
function powerInfo(use: ProcessUsage): number[] {
  return encodeInfo(TASK_POWER_INFO_LAYOUT, { totalUser: use.deadUserNs + use.liveUserNs, totalSystem: use.deadSystemNs + use.liveSystemNs });
}

/**
 * retrieve_thread_basic_info's state, in its order (terminating, running, uninterruptible,
 * suspended, waiting): the thread asking about itself is running (it is in this very trap,
 * though a C thread's Linux state says it waits for the answer); another host thread's state is
 * Linux's; an in-process thread (which runs only inside a trap) waits unless it is suspended.
 */
function runState(thread: Thread, host: ThreadUsage | null): number {
  if (!thread.active) return TH_STATE_HALTED;
  if (thread.isCurrent) return TH_STATE_RUNNING;
  const state = host?.state ?? "S";
  if (state === "Z" || state === "X" || state === "x") return TH_STATE_HALTED;
  if (state === "R") return TH_STATE_RUNNING;
  if (state === "D") return TH_STATE_UNINTERRUPTIBLE;
  if (thread.suspendCount > 0 || state === "T" || state === "t") return TH_STATE_STOPPED;
  return TH_STATE_WAITING;
}

/** thread_basic_info's fields: times and cpu_usage from the host thread when there is one. */
function basicInfo(thread: Thread, host: ThreadUsage | null) {
  return {
    ...timeValue("userTime", host?.userNs ?? 0n),
    ...timeValue("systemTime", host?.systemNs ?? 0n),
    cpuUsage: host?.cpuUsage ?? 0,
    policy: thread.policy.mode === "timeshare" ? POLICY_TIMESHARE : POLICY_RR,
    runState: runState(thread, host),
    suspendCount: thread.suspendCount,
  };
}

/**
 * THREAD_EXTENDED_INFO's pth_user_time / pth_system_time. xnu-3248 computes them from the basic
 * info's time_value_t in 32-bit integer_t arithmetic (seconds * NSEC_PER_SEC overflows from
 * about 2.1 s, and the sum is sign-extended); fixed, as in xnu-6153, it is plain 64-bit.
 */
export function extendedTime(seconds: number, microseconds: number, fixed: boolean): bigint {
  if (fixed) return BigInt(seconds) * 1_000_000_000n + BigInt(microseconds) * 1000n;
  return BigInt.asUintN(64, BigInt((Math.imul(seconds, 1_000_000_000) + Math.imul(microseconds, 1000)) | 0));
}

/** A thread name as pth_name's words: at most MAXTHREADNAMESIZE - 1 bytes and a NUL. */
function nameWords(name: string): number[] {
  const bytes = new Uint8Array(MAXTHREADNAMESIZE);
  bytes.set(new TextEncoder().encode(name).subarray(0, MAXTHREADNAMESIZE - 1));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: MAXTHREADNAMESIZE / 4 }, (_, i) => view.getUint32(4 * i, true));
}

/** thread_info_internal (osfmk/kern/thread.c), its flavors in its order, each with its count check. */
export function threadInfo(thread: Thread, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  const host = () => threadUsageOf(thread.task, thread.hostThread);
  switch (flavor) {
    case THREAD_BASIC_INFO:
      return need(capacity, 10, () => encodeInfo(THREAD_BASIC_INFO_LAYOUT, basicInfo(thread, host())));
    case THREAD_IDENTIFIER_INFO:
      return need(capacity, 6, () => encodeInfo(THREAD_IDENTIFIER_INFO_LAYOUT, { threadId: BigInt(thread.task.pid) * 0x10000n + BigInt(thread.id) }));
    case THREAD_SCHED_TIMESHARE_INFO: {
      if (capacity < POLICY_TIMESHARE_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      if (thread.policy.mode !== "timeshare") return fail(KERN_INVALID_POLICY);
      const p = thread.policy.priorities();
      return ok(encodeInfo(POLICY_TIMESHARE_INFO_LAYOUT, { maxPriority: p.max, basePriority: p.base, curPriority: p.base, depressed: 0, depressPriority: -1 }));
    }
    case THREAD_SCHED_FIFO_INFO:
      return fail(capacity < POLICY_FIFO_INFO_COUNT ? KERN_INVALID_ARGUMENT : KERN_INVALID_POLICY);
    case THREAD_SCHED_RR_INFO: {
      if (capacity < POLICY_RR_INFO_COUNT) return fail(KERN_INVALID_ARGUMENT);
      if (thread.policy.mode === "timeshare") return fail(KERN_INVALID_POLICY);
      const p = thread.policy.priorities();
      return ok(encodeInfo(POLICY_RR_INFO_LAYOUT, { maxPriority: p.max, basePriority: p.base, quantum: STD_QUANTUM_MS, depressed: 0, depressPriority: -1 }));
    }
    case THREAD_EXTENDED_INFO:
      return need(capacity, THREAD_EXTENDED_INFO_COUNT, () => {
        const h = host();
        const b = basicInfo(thread, h);
        const p = thread.policy.priorities();
        const fixed = thread.task.kernel.options.fixes.threadExtendedTimes;
        const words = encodeInfo(THREAD_EXTENDED_INFO_LAYOUT, {
          pthUserTime: extendedTime(b.userTimeSeconds, b.userTimeMicroseconds, fixed),
          pthSystemTime: extendedTime(b.systemTimeSeconds, b.systemTimeMicroseconds, fixed),
          pthCpuUsage: b.cpuUsage,
          pthPolicy: b.policy,
          pthRunState: b.runState,
          pthCurpri: p.base,
          pthPriority: p.base,
          pthMaxpriority: p.max,
        });
        return [...words.slice(0, 12), ...nameWords(h?.name ?? "")];
      });
    // DEVELOPMENT and DEBUG kernels only.
    case THREAD_DEBUG_INFO_INTERNAL:
      return fail(KERN_NOT_SUPPORTED);
    default:
      return { kr: KERN_INVALID_ARGUMENT, info: [] };
  }
}
