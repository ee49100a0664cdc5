/**
 * Scheduling policy as task_policy_set/get (kern/task_policy.c),
 * thread_policy_set/get (kern/thread_policy.c) and the obsolete
 * thread_policy / thread_set_policy (kern/mk_sp.c) of xnu-3248 keep and report
 * it. machipc schedules nothing: these are the requested values, checked in
 * XNU's order and read back as XNU reports them. Times are in mach absolute
 * time units (nanoseconds on x86_64, 24 MHz ticks on arm64).
 */
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_POLICY,
  KERN_NOT_SUPPORTED,
  KERN_POLICY_LIMIT,
  KERN_PROTECTION_FAILURE,
  KERN_SUCCESS,
  KERN_TERMINATED,
  type KernReturn,
} from "../abi/kern_return.js";
import { BASEPRI_DEFAULT, MAXPRI, MAXPRI_USER, MINPRI, MINPRI_KERNEL, MINPRI_RESERVED, POLICY_FIFO, POLICY_RR, POLICY_TIMESHARE } from "../abi/host.js";
import type { Arch } from "./machine.js";

// task_policy.h
export const TASK_CATEGORY_POLICY = 1;
export const TASK_SUPPRESSION_POLICY = 3;
export const TASK_POLICY_STATE = 4;
export const TASK_BASE_QOS_POLICY = 8;
export const TASK_OVERRIDE_QOS_POLICY = 9;
export const TASK_BASE_LATENCY_QOS_POLICY = 10;
export const TASK_BASE_THROUGHPUT_QOS_POLICY = 11;
export const TASK_UNSPECIFIED = 0;
export const TASK_FOREGROUND_APPLICATION = 1;
export const TASK_BACKGROUND_APPLICATION = 2;
export const TASK_CONTROL_APPLICATION = 3;
export const TASK_GRAPHICS_SERVER = 4;
export const TASK_DEFAULT_APPLICATION = 7;
export const TASK_CATEGORY_POLICY_COUNT = 1;
export const TASK_QOS_POLICY_COUNT = 2;
export const TASK_SUPPRESSION_POLICY_COUNT = 16;
export const TASK_POLICY_STATE_COUNT = 16;
/** task_policy_t is array[*:16] of integer_t. */
export const TASK_POLICY_MAX = 16;

// thread_policy.h
export const THREAD_STANDARD_POLICY = 1;
export const THREAD_EXTENDED_POLICY = 1;
export const THREAD_TIME_CONSTRAINT_POLICY = 2;
export const THREAD_PRECEDENCE_POLICY = 3;
export const THREAD_AFFINITY_POLICY = 4;
export const THREAD_BACKGROUND_POLICY = 5;
export const THREAD_POLICY_STATE = 6;
export const THREAD_LATENCY_QOS_POLICY = 7;
export const THREAD_THROUGHPUT_QOS_POLICY = 8;
export const THREAD_QOS_POLICY = 9;
export const THREAD_QOS_POLICY_OVERRIDE = 10;
export const THREAD_EXTENDED_POLICY_COUNT = 1;
export const THREAD_TIME_CONSTRAINT_POLICY_COUNT = 4;
export const THREAD_PRECEDENCE_POLICY_COUNT = 1;
export const THREAD_AFFINITY_POLICY_COUNT = 1;
export const THREAD_LATENCY_QOS_POLICY_COUNT = 1;
export const THREAD_THROUGHPUT_QOS_POLICY_COUNT = 1;
export const THREAD_POLICY_STATE_COUNT = 16;
export const THREAD_QOS_POLICY_COUNT = 2;
/** thread_policy_t is array[*:16] of integer_t. */
export const THREAD_POLICY_MAX = 16;

const LATENCY_QOS_TIER_0 = (0xff << 16) | 1;
const LATENCY_QOS_TIER_5 = (0xff << 16) | 6;
const THROUGHPUT_QOS_TIER_0 = (0xfe << 16) | 1;
const THROUGHPUT_QOS_TIER_5 = (0xfe << 16) | 6;

/** A fresh user thread's priorities: its task's base priority and MAXPRI_USER. */
const TASK_PRIORITY = BASEPRI_DEFAULT;
const MAX_PRIORITY = MAXPRI_USER;
/** sched.h: the real-time band's base (BASEPRI_REALTIME + 1). */
const BASEPRI_RTQUEUES = 97;

const qosExtract = (qv: number): number => qv & 0xff;
const latencyPackage = (qv: number): number => (qv === 0 ? 0 : ((0xff << 16) | qv) >>> 0);
const throughputPackage = (qv: number): number => (qv === 0 ? 0 : ((0xfe << 16) | qv) >>> 0);
const latencyValid = (t: number): boolean => t === 0 || (t >= LATENCY_QOS_TIER_0 && t <= LATENCY_QOS_TIER_5);
const throughputValid = (t: number): boolean => t === 0 || (t >= THROUGHPUT_QOS_TIER_0 && t <= THROUGHPUT_QOS_TIER_5);

/** Mach absolute time units per microsecond, as the timebase makes them. */
function absPerUs(arch: Arch): number {
  return arch === "arm64" ? 24 : 1000;
}

/** sched_timeshare_timebase_init / sched_realtime_timebase_init's figures. */
export function schedConstants(arch: Arch) {
  const us = absPerUs(arch);
  const stdQuantum = 10_000 * us;
  return {
    defaultComputation: stdQuantum / 2,
    defaultConstraint: stdQuantum,
    minRtQuantum: 50 * us,
    maxRtQuantum: 50_000 * us,
  };
}

export interface PolicyResult {
  kr: KernReturn;
  info: number[];
  getDefault: boolean;
}

/** The task's requested policy (task->requested_policy's user-settable part). */
export class TaskPolicy {
  role = TASK_UNSPECIFIED;
  baseLatency = 0;
  baseThroughput = 0;
  overrideLatency = 0;
  overrideThroughput = 0;
  /** t_sup_*: active, lowpri_cpu, timer, disk, cpu_limit, suspend, throughput, cpu, bg_sockets. */
  suppression = [0, 0, 0, 0, 0, 0, 0, 0, 0];

  /**
   * task_policy_set. `isKernelTask`: the kernel's own task is refused;
   * `callerIsTarget` and `callerUid` decide the privileged roles.
   */
  set(flavor: number, info: number[], isKernelTask: boolean, callerIsTarget: boolean, callerUid: number): KernReturn {
    if (isKernelTask) return KERN_INVALID_ARGUMENT;
    const count = info.length;
    switch (flavor) {
      case TASK_CATEGORY_POLICY: {
        if (count < TASK_CATEGORY_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        const role = info[0]! | 0;
        switch (role) {
          case TASK_FOREGROUND_APPLICATION:
          case TASK_BACKGROUND_APPLICATION:
          case TASK_DEFAULT_APPLICATION:
            this.role = role;
            return KERN_SUCCESS;
          case TASK_CONTROL_APPLICATION:
          case TASK_GRAPHICS_SERVER:
            // Only root, and only for itself.
            if (!callerIsTarget || callerUid !== 0) return KERN_INVALID_ARGUMENT;
            this.role = role;
            return KERN_SUCCESS;
          default:
            return KERN_INVALID_ARGUMENT;
        }
      }
      case TASK_BASE_QOS_POLICY:
      case TASK_OVERRIDE_QOS_POLICY: {
        const kr = qosValidate(info);
        if (kr !== KERN_SUCCESS) return kr;
        const l = qosExtract(info[0]!);
        const t = qosExtract(info[1]!);
        if (flavor === TASK_BASE_QOS_POLICY) [this.baseLatency, this.baseThroughput] = [l, t];
        else [this.overrideLatency, this.overrideThroughput] = [l, t];
        return KERN_SUCCESS;
      }
      case TASK_BASE_LATENCY_QOS_POLICY:
      case TASK_BASE_THROUGHPUT_QOS_POLICY: {
        const kr = qosValidate(info);
        if (kr !== KERN_SUCCESS) return kr;
        if (flavor === TASK_BASE_LATENCY_QOS_POLICY) this.baseLatency = qosExtract(info[0]!);
        else this.baseThroughput = qosExtract(info[1]!);
        return KERN_SUCCESS;
      }
      case TASK_SUPPRESSION_POLICY: {
        if (count < TASK_SUPPRESSION_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        // timer_throttle and throughput_qos are validated as a task_qos_policy.
        const kr = qosValidate([info[2]!, info[6]!]);
        if (kr !== KERN_SUCCESS) return kr;
        const b = (i: number) => (info[i] ? 1 : 0);
        this.suppression = [b(0), b(1), qosExtract(info[2]!), b(3), b(4), b(5), qosExtract(info[6]!), b(7), b(8)];
        return KERN_SUCCESS;
      }
      default:
        return KERN_INVALID_ARGUMENT;
    }
  }

  /**
   * task_policy_get. xnu-3248 never writes *count here: the caller's count
   * (`capacity`) comes back, with the words past the structure left as they were (zeros).
   */
  get(flavor: number, capacity: number, getDefault: boolean, isKernelTask: boolean, callerUid: number): PolicyResult {
    const fail = (kr: KernReturn): PolicyResult => ({ kr, info: [], getDefault });
    if (isKernelTask) return fail(KERN_INVALID_ARGUMENT);
    const out = new Array<number>(capacity).fill(0);
    const put = (words: number[]): PolicyResult => {
      words.forEach((w, i) => (out[i] = w >>> 0));
      return { kr: KERN_SUCCESS, info: out, getDefault };
    };
    switch (flavor) {
      case TASK_CATEGORY_POLICY:
        if (capacity < TASK_CATEGORY_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        return put([getDefault ? TASK_UNSPECIFIED : this.role]);
      case TASK_BASE_QOS_POLICY:
      case TASK_OVERRIDE_QOS_POLICY: {
        if (capacity < TASK_QOS_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        if (getDefault) return put([0, 0]);
        const [l, t] = flavor === TASK_BASE_QOS_POLICY ? [this.baseLatency, this.baseThroughput] : [this.overrideLatency, this.overrideThroughput];
        return put([latencyPackage(l), throughputPackage(t)]);
      }
      case TASK_POLICY_STATE:
        if (capacity < TASK_POLICY_STATE_COUNT) return fail(KERN_INVALID_ARGUMENT);
        if (callerUid !== 0) return fail(KERN_PROTECTION_FAILURE);
        // requested, effective, pending (u64 each), assertion counts, flags, transitions, reserved:
        // no importance base and no effective policy machinery, so all zero.
        return put(new Array(TASK_POLICY_STATE_COUNT).fill(0));
      case TASK_SUPPRESSION_POLICY: {
        if (capacity < TASK_SUPPRESSION_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        if (getDefault) return put([0, 0, 0, 0, 0, 0, 0, 0]);
        const s = this.suppression;
        return put([s[0]!, s[1]!, latencyPackage(s[2]!), s[3]!, s[4]!, s[5]!, throughputPackage(s[6]!), s[7]!, s[8]!]);
      }
      default:
        return fail(KERN_INVALID_ARGUMENT);
    }
  }
}

/** task_qos_policy_validate: the count, then the latency tier, then the throughput tier. */
function qosValidate(info: number[]): KernReturn {
  if (info.length < TASK_QOS_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
  if (!latencyValid(info[0]! >>> 0)) return KERN_INVALID_ARGUMENT;
  if (!throughputValid(info[1]! >>> 0)) return KERN_INVALID_ARGUMENT;
  return KERN_SUCCESS;
}

type SchedMode = "timeshare" | "fixed" | "realtime";

/** A thread's requested scheduling (thread->sched_mode, importance, realtime, affinity, QoS tiers). */
export class ThreadPolicy {
  mode: SchedMode = "timeshare";
  importance = 0;
  realtime = { period: 0, computation: 0, constraint: 0, preemptible: 0 };
  affinityTag = 0;
  latencyQos = 0;
  throughputQos = 0;

  constructor(private readonly arch: Arch) {}

  /**
   * thread_policy_set (with thread_policy_set_internal). `affinitySets`: how many
   * affinity sets the machine has (ml_get_max_affinity_sets); 0 means none.
   */
  set(flavor: number, info: number[], active: boolean, affinitySets: number): KernReturn {
    // allow_qos_policy_set is off: QoS comes from the workqueue, never from this call.
    if (flavor === THREAD_QOS_POLICY || flavor === THREAD_QOS_POLICY_OVERRIDE) return KERN_INVALID_ARGUMENT;
    if (!active) return KERN_TERMINATED;
    const count = info.length;
    switch (flavor) {
      case THREAD_EXTENDED_POLICY: {
        const timeshare = count >= THREAD_EXTENDED_POLICY_COUNT ? info[0]! !== 0 : true;
        this.mode = timeshare ? "timeshare" : "fixed";
        return KERN_SUCCESS;
      }
      case THREAD_TIME_CONSTRAINT_POLICY: {
        if (count < THREAD_TIME_CONSTRAINT_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        const [period, computation, constraint, preemptible] = info.map((w) => w >>> 0) as [number, number, number, number];
        const c = schedConstants(this.arch);
        if (constraint < computation || computation > c.maxRtQuantum || computation < c.minRtQuantum) return KERN_INVALID_ARGUMENT;
        this.realtime = { period, computation, constraint, preemptible };
        this.mode = "realtime";
        return KERN_SUCCESS;
      }
      case THREAD_PRECEDENCE_POLICY:
        if (count < THREAD_PRECEDENCE_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        this.importance = info[0]! | 0;
        return KERN_SUCCESS;
      case THREAD_AFFINITY_POLICY:
        if (affinitySets === 0) return KERN_NOT_SUPPORTED;
        if (count < THREAD_AFFINITY_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        this.affinityTag = info[0]! | 0;
        return KERN_SUCCESS;
      case THREAD_THROUGHPUT_QOS_POLICY:
        if (count < THREAD_LATENCY_QOS_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        if (!throughputValid(info[0]! >>> 0)) return KERN_INVALID_ARGUMENT;
        this.throughputQos = qosExtract(info[0]!);
        return KERN_SUCCESS;
      case THREAD_LATENCY_QOS_POLICY:
        if (count < THREAD_THROUGHPUT_QOS_POLICY_COUNT) return KERN_INVALID_ARGUMENT;
        if (!latencyValid(info[0]! >>> 0)) return KERN_INVALID_ARGUMENT;
        this.latencyQos = qosExtract(info[0]!);
        return KERN_SUCCESS;
      default:
        return KERN_INVALID_ARGUMENT;
    }
  }

  /**
   * thread_recompute_priority's outcome as thread_info reads it: a real-time thread's base is
   * BASEPRI_RTQUEUES, any other's its importance on the task's priority within [MINPRI, its
   * maximum]; nothing decays or depresses a priority here, so the current one is the base.
   */
  priorities(): { base: number; max: number } {
    if (this.mode === "realtime") return { base: BASEPRI_RTQUEUES, max: MAX_PRIORITY };
    const importance = Math.max(-MAXPRI, Math.min(MAXPRI, this.importance));
    return { base: Math.max(MINPRI, Math.min(MAX_PRIORITY, importance + TASK_PRIORITY)), max: MAX_PRIORITY };
  }

  /** thread_policy_get: as task_policy_get, the caller's count comes back; get_default may be turned on. */
  get(flavor: number, capacity: number, getDefault: boolean, active: boolean, affinitySets: number, callerUid: number): PolicyResult {
    const fail = (kr: KernReturn): PolicyResult => ({ kr, info: [], getDefault });
    if (!active) return fail(KERN_TERMINATED);
    const out = new Array<number>(capacity).fill(0);
    let dflt = getDefault;
    const put = (words: number[]): PolicyResult => {
      words.forEach((w, i) => (out[i] = w >>> 0));
      return { kr: KERN_SUCCESS, info: out, getDefault: dflt };
    };
    switch (flavor) {
      case THREAD_EXTENDED_POLICY: {
        let timeshare = true;
        if (!dflt) {
          if (this.mode !== "realtime") timeshare = this.mode === "timeshare";
          else dflt = true;
        }
        // No count check: a short count simply gets no structure.
        return capacity >= THREAD_EXTENDED_POLICY_COUNT ? put([timeshare ? 1 : 0]) : put([]);
      }
      case THREAD_TIME_CONSTRAINT_POLICY: {
        if (capacity < THREAD_TIME_CONSTRAINT_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        if (!dflt && this.mode === "realtime") {
          const r = this.realtime;
          return put([r.period, r.computation, r.constraint, r.preemptible]);
        }
        dflt = true;
        const c = schedConstants(this.arch);
        return put([0, c.defaultComputation, c.defaultConstraint, 1]);
      }
      case THREAD_PRECEDENCE_POLICY:
        if (capacity < THREAD_PRECEDENCE_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        return put([dflt ? 0 : this.importance]);
      case THREAD_AFFINITY_POLICY:
        if (affinitySets === 0) return fail(KERN_NOT_SUPPORTED);
        if (capacity < THREAD_AFFINITY_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        return put([dflt ? 0 : this.affinityTag]);
      case THREAD_POLICY_STATE:
        if (capacity < THREAD_POLICY_STATE_COUNT) return fail(KERN_INVALID_ARGUMENT);
        if (callerUid !== 0) return fail(KERN_PROTECTION_FAILURE);
        // requested, effective, pending bitfields and flags: nothing requested, no static param.
        return put(new Array(THREAD_POLICY_STATE_COUNT).fill(0));
      case THREAD_LATENCY_QOS_POLICY:
        if (capacity < THREAD_LATENCY_QOS_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        return put([latencyPackage(dflt ? 0 : this.latencyQos)]);
      case THREAD_THROUGHPUT_QOS_POLICY:
        if (capacity < THREAD_THROUGHPUT_QOS_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        return put([throughputPackage(dflt ? 0 : this.throughputQos)]);
      case THREAD_QOS_POLICY:
      case THREAD_QOS_POLICY_OVERRIDE:
        if (capacity < THREAD_QOS_POLICY_COUNT) return fail(KERN_INVALID_ARGUMENT);
        // No QoS is ever requested here; the tier importance is the thread's importance.
        return put([0, dflt || flavor === THREAD_QOS_POLICY_OVERRIDE ? 0 : this.importance]);
      default:
        return fail(KERN_INVALID_ARGUMENT);
    }
  }

  /**
   * thread_set_policy (mk_sp.c): the pset must be pset0, the policy one of the
   * three, the counts exact for it, the priorities in range; then
   * thread_set_mode_and_absolute_pri.
   */
  setPolicy(psetIsDefault: boolean, policy: number, base: number[], limit: number[]): KernReturn {
    if (!psetIsDefault) return KERN_INVALID_ARGUMENT;
    if (!validPolicy(policy)) return KERN_INVALID_ARGUMENT;
    // Each policy's base and limit structures hold one priority word here (quantum aside for RR).
    const baseCount = policy === POLICY_RR ? 2 : 1;
    if (base.length !== baseCount || limit.length !== 1) return KERN_INVALID_ARGUMENT;
    const bas = base[0]! | 0;
    const max = limit[0]! | 0;
    if (invalidPri(bas) || invalidPri(max)) return KERN_INVALID_ARGUMENT;
    this.setModeAndAbsolutePri(policy, bas);
    return KERN_SUCCESS;
  }

  /** thread_policy (mk_sp.c): the limit comes from the base (set_limit) or the thread's own maximum. */
  policy(policy: number, base: number[], setLimit: boolean): KernReturn {
    if (!validPolicy(policy)) return KERN_INVALID_POLICY;
    const baseCount = policy === POLICY_RR ? 2 : 1;
    if (base.length !== baseCount) return KERN_INVALID_ARGUMENT;
    const bas = base[0]! | 0;
    if (!setLimit && bas > MAX_PRIORITY) return KERN_POLICY_LIMIT;
    return this.setPolicy(true, policy, base, [setLimit ? bas : MAX_PRIORITY]);
  }

  /** thread_set_mode_and_absolute_pri: an absolute priority becomes an importance relative to the task's. */
  private setModeAndAbsolutePri(policy: number, priority: number): void {
    if (this.mode === "realtime") return;
    let p = priority;
    if (p >= MAX_PRIORITY) p = MAX_PRIORITY - TASK_PRIORITY;
    else if (p >= MINPRI_KERNEL) p -= MINPRI_KERNEL;
    else if (p >= MINPRI_RESERVED) p -= MINPRI_RESERVED;
    else p -= BASEPRI_DEFAULT;
    p += TASK_PRIORITY;
    if (p > MAX_PRIORITY) p = MAX_PRIORITY;
    else if (p < MINPRI) p = MINPRI;
    this.importance = p - TASK_PRIORITY;
    this.mode = policy === POLICY_TIMESHARE ? "timeshare" : "fixed";
  }
}

const validPolicy = (p: number): boolean => p === POLICY_TIMESHARE || p === POLICY_RR || p === POLICY_FIFO;
const invalidPri = (p: number): boolean => p < MINPRI || p > MAXPRI;
