/**
 * task_info and thread_info (osfmk/kern/task.c, thread.c): every task_info
 * flavor xnu-3248 answers on a RELEASE x86_64 kernel, with its count checks.
 * Scheduling, paging and energy are outside machipc, so times, faults and
 * wakeups are zero; sizes come from the task's simulated address space.
 */
import { KERN_INVALID_ARGUMENT, KERN_INVALID_POLICY, KERN_NOT_SUPPORTED, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { BASEPRI_DEFAULT, MINPRI_KERNEL, POLICY_TIMESHARE } from "../abi/host.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

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
  encodeInfo,
} from "../abi/info.js";

export { MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC_INFO_64, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO };
export const TASK_SECURITY_TOKEN = 13;
export const TASK_AUDIT_TOKEN = 15;
export const TASK_INFO_MAX = 52;
export const THREAD_INFO_MAX = 32;
/** TH_STATE_RUNNING, TH_STATE_STOPPED, TH_STATE_WAITING... a thread that is not running a trap waits. */
const TH_STATE_WAITING = 3;

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

export function taskInfo(task: Task, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  const size = task.vm.mappedBytes();
  const isKernel = task === task.kernel.kernelTask;
  switch (flavor) {
    // Times stay zero: scheduling is outside machipc.
    case TASK_BASIC_INFO_32:
    case TASK_BASIC2_INFO_32: // its resident size is the peak, the same here
      return need(capacity, 8, () => encodeInfo(TASK_BASIC_INFO_32_LAYOUT, { suspendCount: task.suspendCount, virtualSize: size, residentSize: size, policy: POLICY_TIMESHARE }));
    case TASK_BASIC_INFO_64:
      return need(capacity, 10, () =>
        encodeInfo(TASK_BASIC_INFO_64_LAYOUT, { suspendCount: task.suspendCount, virtualSize: BigInt(size), residentSize: BigInt(size), policy: POLICY_TIMESHARE }),
      );
    case MACH_TASK_BASIC_INFO:
      return need(capacity, 12, () =>
        encodeInfo(MACH_TASK_BASIC_INFO_LAYOUT, {
          virtualSize: BigInt(size),
          residentSize: BigInt(size),
          residentSizeMax: BigInt(size),
          policy: POLICY_TIMESHARE,
          suspendCount: task.suspendCount,
        }),
      );
    case TASK_THREAD_TIMES_INFO:
      return need(capacity, 4, () => encodeInfo(TASK_THREAD_TIMES_INFO_LAYOUT, {}));
    case TASK_ABSOLUTETIME_INFO:
      return need(capacity, 8, () => encodeInfo(TASK_ABSOLUTETIME_INFO_LAYOUT, {}));
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
    case TASK_EVENTS_INFO:
      return need(capacity, 8, () => encodeInfo(TASK_EVENTS_INFO_LAYOUT, {}));
    case TASK_AFFINITY_TAG_INFO:
      return need(capacity, 4, () => affinityInfo(task));
    // task_power_info_locked never writes *count: the caller's count comes back (xnu-bugs.md), zeros past the structure.
    case TASK_POWER_INFO:
      return need(capacity, 12, () => [...encodeInfo(TASK_POWER_INFO_LAYOUT, {}), ...zeros(capacity - 12)]);
    case TASK_POWER_INFO_V2:
      return need(capacity, TASK_POWER_INFO_V2_COUNT, () => zeros(capacity));
    case TASK_VM_INFO:
    case TASK_VM_INFO_PURGEABLE: {
      if (capacity < TASK_VM_INFO_REV0_COUNT) return fail(KERN_INVALID_ARGUMENT);
      // Every byte machipc maps for a task is anonymous and resident; phys_footprint is 0 in 3248.
      const bytes = BigInt(size);
      const words = encodeInfo(TASK_VM_INFO_LAYOUT, {
        virtualSize: bytes,
        regionCount: task.vm.regionCount,
        pageSize: task.kernel.machine.pageSize,
        residentSize: bytes,
        residentSizePeak: bytes,
        internal: bytes,
        internalPeak: bytes,
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

export function threadInfo(thread: Thread, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  switch (flavor) {
    case THREAD_BASIC_INFO:
      return need(capacity, 10, () => encodeInfo(THREAD_BASIC_INFO_LAYOUT, { policy: POLICY_TIMESHARE, runState: TH_STATE_WAITING, suspendCount: thread.suspendCount }));
    case THREAD_IDENTIFIER_INFO:
      return need(capacity, 6, () => encodeInfo(THREAD_IDENTIFIER_INFO_LAYOUT, { threadId: BigInt(thread.task.pid) * 0x10000n + BigInt(thread.id) }));
    default:
      return { kr: KERN_INVALID_ARGUMENT, info: [] };
  }
}
