/**
 * What a task that is a process outside the server has used, as the host kernel counts it: its
 * sizes, its CPU time, its faults and context switches. XNU's task_info reads these from the task,
 * its pmap and its threads; machipc's kernel has them for such a task only from the server, which
 * reads the process's /proc (src/server/proc_usage.ts) and attaches the source here. An in-process
 * task has none: its sizes are its simulated map's and its times zero (src/kern/task_info.ts).
 */
import type { Task } from "./task.js";

/** One reading of a process's usage. Times are nanoseconds (mach_absolute_time units here). */
export interface ProcessUsage {
  virtualSize: bigint;
  residentSize: bigint;
  /** The largest resident size the process has had (pmap's resident_max). */
  residentPeak: bigint;
  /** Resident anonymous memory (task_vm_info's internal) and file-backed (its external). */
  internal: bigint;
  external: bigint;
  /** Mapped regions (task_vm_info's region_count). */
  regionCount: number;
  /** CPU time of the threads that have ended (XNU's task->total_user_time / total_system_time). */
  deadUserNs: bigint;
  deadSystemNs: bigint;
  /** CPU time of the live threads, summed. */
  liveUserNs: bigint;
  liveSystemNs: bigint;
  /** Page faults (minor and major) and the major ones (pageins). */
  faults: number;
  pageins: number;
  /** Context switches, voluntary and not, of every thread the process has had. */
  contextSwitches: number;
}

/** One reading of one of the process's threads. */
export interface ThreadUsage {
  userNs: bigint;
  systemNs: bigint;
  /** Recent CPU use in TH_USAGE_SCALE units (1000: a whole CPU). */
  cpuUsage: number;
  /** Linux's state letter (R running, S sleeping, D uninterruptible, T/t stopped, Z/X dead). */
  state: string;
  /** Its name (pthread_setname_np's, /proc's comm). */
  name: string;
}

/** The server's reader of one process's usage: null once the process (or the thread) is gone. */
export interface ProcessUsageSource {
  usage(): ProcessUsage | null;
  thread(tid: number): ThreadUsage | null;
}

const sources = new WeakMap<Task, ProcessUsageSource>();

/** The server's word that `task` is this process: task_info reports what the process has used. */
export function attachProcessUsage(task: Task, source: ProcessUsageSource): void {
  sources.set(task, source);
}

/** The process usage of `task` now, or null for an in-process task (or a process that is gone). */
export function processUsageOf(task: Task): ProcessUsage | null {
  return sources.get(task)?.usage() ?? null;
}

/** Host thread `tid` of `task`'s process now, or null (an in-process task, or no such thread). */
export function threadUsageOf(task: Task, tid: number): ThreadUsage | null {
  return tid > 0 ? (sources.get(task)?.thread(tid) ?? null) : null;
}
