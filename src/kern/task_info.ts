/**
 * task_info and thread_info (osfmk/kern/task.c, thread.c) for the flavors
 * clients commonly ask for. Scheduling is outside machipc, so times are zero;
 * sizes come from the task's simulated address space.
 */
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { POLICY_TIMESHARE } from "../abi/host.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

import {
  MACH_TASK_BASIC_INFO,
  MACH_TASK_BASIC_INFO_LAYOUT,
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

export function taskInfo(task: Task, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  const size = task.vm.mappedBytes();
  switch (flavor) {
    // Times stay zero: scheduling is outside machipc.
    case TASK_BASIC_INFO_32:
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
    case TASK_SECURITY_TOKEN:
      return need(capacity, 2, () => [...task.secToken]);
    case TASK_AUDIT_TOKEN:
      return need(capacity, 8, () => Array.from(task.auditToken));
    default:
      return { kr: KERN_INVALID_ARGUMENT, info: [] };
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
