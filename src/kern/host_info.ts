/**
 * host_info, host_statistics, host_statistics64, processor_info and
 * processor_set_info/statistics (osfmk/kern/host.c, processor.c, xnu-3248),
 * reporting the real machine in XNU's layouts.
 */
import * as H from "../abi/host.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import type { Kernel } from "./kernel.js";
import type { Processor } from "./host.js";

export interface InfoResult {
  kr: KernReturn;
  /** The info words (natural_t / integer_t each), as many as the count returned. */
  info: number[];
}

const fail = (kr: KernReturn): InfoResult => ({ kr, info: [] });
const ok = (info: number[]): InfoResult => ({ kr: KERN_SUCCESS, info });
const lo = (v: bigint): number => Number(v & 0xffffffffn);
const u32 = (v: number): number => Number(BigInt(Math.floor(v)) & 0xffffffffn);
/** A uint64_t count as two natural_t words, low first. */
const u64 = (v: number): number[] => {
  const b = BigInt(Math.floor(v));
  return [Number(b & 0xffffffffn), Number((b >> 32n) & 0xffffffffn)];
};
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);

export function cpuType(k: Kernel): number {
  return k.options.arch === "arm64" ? H.CPU_TYPE_ARM64 : H.CPU_TYPE_X86_64;
}
export function cpuSubtype(k: Kernel): number {
  return k.options.arch === "arm64" ? H.CPU_SUBTYPE_ARM64_ALL : H.CPU_SUBTYPE_X86_64_ALL;
}

/** host_info (mach_host 200); `capacity` already capped at HOST_INFO_MAX by the stub. */
export function hostInfo(k: Kernel, flavor: number, capacity: number): InfoResult {
  switch (flavor) {
    case H.HOST_BASIC_INFO: {
      if (capacity < H.HOST_BASIC_INFO_OLD_COUNT) return fail(KERN_FAILURE);
      const n = k.processors.length;
      const avail = k.processors.filter((p) => p.state !== H.PROCESSOR_OFF_LINE && p.state !== H.PROCESSOR_SHUTDOWN).length;
      const mem = k.machine.memorySize;
      // The legacy 32-bit field is capped at 2 GiB; max_mem carries the real size.
      const memorySize = mem > 0x80000000n ? 0x80000000 : Number(mem);
      const basic = [n, avail, memorySize, cpuType(k), cpuSubtype(k)];
      if (capacity < H.HOST_BASIC_INFO_COUNT) return ok(basic);
      return ok([...basic, H.CPU_THREADTYPE_NONE, n, n, n, n, lo(mem), hi(mem)]);
    }
    case H.HOST_SCHED_INFO:
      if (capacity < H.HOST_SCHED_INFO_COUNT) return fail(KERN_FAILURE);
      // min_timeout and min_quantum: the 10 ms quantum of the default scheduler.
      return ok([10, 10]);
    case H.HOST_RESOURCE_SIZES:
      if (capacity < H.HOST_RESOURCE_SIZES_COUNT) return fail(KERN_FAILURE);
      return fail(KERN_INVALID_ARGUMENT);
    case H.HOST_PRIORITY_INFO:
      if (capacity < H.HOST_PRIORITY_INFO_COUNT) return fail(KERN_FAILURE);
      return ok([H.MINPRI_KERNEL, H.MINPRI_KERNEL, H.MINPRI_RESERVED, H.BASEPRI_DEFAULT, H.DEPRESSPRI, H.IDLEPRI, H.MINPRI, H.MAXPRI_RESERVED]);
    case H.HOST_SEMAPHORE_TRAPS:
    case H.HOST_MACH_MSG_TRAP:
      // Both say "this trap exists" with no data.
      return ok([]);
    case H.HOST_VM_PURGABLE:
      if (capacity < H.HOST_VM_PURGABLE_COUNT) return fail(KERN_FAILURE);
      return ok(new Array(H.HOST_VM_PURGABLE_COUNT).fill(0));
    case H.HOST_DEBUG_INFO_INTERNAL:
      return fail(KERN_NOT_SUPPORTED);
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

function cpuLoad(k: Kernel): number[] {
  const sum = [0, 0, 0, 0];
  // XNU never counts nice time (CPU_STATE_NICE stays 0), as processor_info's per-CPU figures do.
  for (const t of k.machine.cpuTicks()) for (const i of [0, 1, 2]) sum[i] = (sum[i]! + (t[i] ?? 0)) >>> 0;
  return sum;
}

/** host_statistics (mach_host 216, host_priv 402). */
export function hostStatistics(k: Kernel, flavor: number, capacity: number): InfoResult {
  switch (flavor) {
    case H.HOST_LOAD_INFO: {
      if (capacity < H.HOST_LOAD_INFO_COUNT) return fail(KERN_FAILURE);
      const load = k.machine.loadAverage();
      const n = Math.max(1, k.processors.length);
      const avenrun = [0, 1, 2].map((i) => Math.round((load[i] ?? 0) * H.LOAD_SCALE));
      // mach_factor: how many processors' worth of capacity is idle.
      const machFactor = [0, 1, 2].map((i) => Math.round(Math.max(0, n - (load[i] ?? 0)) * H.LOAD_SCALE));
      return ok([...avenrun, ...machFactor]);
    }
    case H.HOST_VM_INFO: {
      if (capacity < H.HOST_VM_INFO_REV0_COUNT) return fail(KERN_FAILURE);
      const s = k.machine.vmStatistics();
      // VM_STATISTICS_TRUNCATE_TO_32_BIT: the low 32 bits of each count.
      const rev0 = [s.free, s.active, s.inactive, s.wire, s.zeroFill, s.reactivations, s.pageins, s.pageouts, s.faults, s.cowFaults, s.lookups, s.hits];
      const all = [...rev0, s.purgeable, s.purges, s.speculative].map(u32);
      const count = capacity >= H.HOST_VM_INFO_COUNT ? H.HOST_VM_INFO_COUNT : capacity >= H.HOST_VM_INFO_REV1_COUNT ? H.HOST_VM_INFO_REV1_COUNT : H.HOST_VM_INFO_REV0_COUNT;
      return ok(all.slice(0, count));
    }
    case H.HOST_CPU_LOAD_INFO:
      if (capacity < H.HOST_CPU_LOAD_INFO_COUNT) return fail(KERN_FAILURE);
      return ok(cpuLoad(k));
    case H.HOST_EXPIRED_TASK_INFO:
      if (capacity < H.TASK_POWER_INFO_COUNT) return fail(KERN_FAILURE);
      // host.c fills task_power_info but never sets *count: the caller's count comes back
      // (the words past the struct are stale kernel memory in 3248; zeros here).
      return ok(new Array(capacity).fill(0));
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/** host_statistics64 (mach_host 219); unknown flavors fall back to host_statistics. */
export function hostStatistics64(k: Kernel, flavor: number, capacity: number): InfoResult {
  switch (flavor) {
    case H.HOST_VM_INFO64: {
      if (capacity < H.HOST_VM_INFO64_REV0_COUNT) return fail(KERN_FAILURE);
      const s = k.machine.vmStatistics();
      const rev0 = [
        ...[s.free, s.active, s.inactive, s.wire].map(u32),
        ...[s.zeroFill, s.reactivations, s.pageins, s.pageouts, s.faults, s.cowFaults, s.lookups, s.hits, s.purges].flatMap(u64),
        u32(s.purgeable),
        u32(s.speculative),
      ];
      if (capacity < H.HOST_VM_INFO64_COUNT) return ok(rev0);
      const rev1 = [
        ...[s.decompressions, s.compressions, s.swapins, s.swapouts].flatMap(u64),
        ...[s.compressorPages, s.throttled, s.external, s.internal].map(u32),
        ...u64(s.uncompressedInCompressor),
      ];
      return ok([...rev0, ...rev1]);
    }
    case H.HOST_EXTMOD_INFO64:
      if (capacity < H.HOST_EXTMOD_INFO64_COUNT) return fail(KERN_FAILURE);
      return ok(new Array(H.HOST_EXTMOD_INFO64_COUNT).fill(0));
    default:
      return hostStatistics(k, flavor, capacity);
  }
}

/** processor_info_count: words per processor for a flavor; other flavors are machine-dependent and unimplemented. */
export function processorInfoCount(flavor: number): { kr: KernReturn; count: number } {
  if (flavor === H.PROCESSOR_BASIC_INFO) return { kr: KERN_SUCCESS, count: H.PROCESSOR_BASIC_INFO_COUNT };
  if (flavor === H.PROCESSOR_CPU_LOAD_INFO) return { kr: KERN_SUCCESS, count: H.PROCESSOR_CPU_LOAD_INFO_COUNT };
  return { kr: KERN_FAILURE, count: 0 };
}

/** processor_info (3002) for one processor. */
export function processorInfo(k: Kernel, p: Processor, flavor: number, capacity: number): InfoResult {
  switch (flavor) {
    case H.PROCESSOR_BASIC_INFO:
      if (capacity < H.PROCESSOR_BASIC_INFO_COUNT) return fail(KERN_FAILURE);
      return ok([cpuType(k), cpuSubtype(k), p.state !== H.PROCESSOR_OFF_LINE ? 1 : 0, p.cpuId, p.isMaster ? 1 : 0]);
    case H.PROCESSOR_CPU_LOAD_INFO: {
      if (capacity < H.PROCESSOR_CPU_LOAD_INFO_COUNT) return fail(KERN_FAILURE);
      const t = k.machine.cpuTicks()[p.cpuId] ?? [0, 0, 0, 0];
      // Nice time is always 0 in xnu-3248's accounting.
      return ok([t[0] ?? 0, t[1] ?? 0, t[2] ?? 0, 0]);
    }
    default:
      // cpu_info() is unimplemented on x86: every machine-dependent flavor fails.
      return fail(KERN_FAILURE);
  }
}

/** processor_set_info (4009) flavors. */
export function processorSetInfo(k: Kernel, flavor: number, capacity: number): InfoResult {
  const need = (n: number, info: number[]): InfoResult => (capacity < n ? fail(KERN_FAILURE) : ok(info));
  switch (flavor) {
    case H.PROCESSOR_SET_BASIC_INFO: {
      const avail = k.processors.filter((p) => p.state !== H.PROCESSOR_OFF_LINE && p.state !== H.PROCESSOR_SHUTDOWN).length;
      return need(2, [avail, H.POLICY_TIMESHARE]);
    }
    case H.PROCESSOR_SET_ENABLED_POLICIES:
      return need(1, [H.POLICY_TIMESHARE | H.POLICY_RR | H.POLICY_FIFO]);
    case H.PROCESSOR_SET_TIMESHARE_DEFAULT:
      return need(1, [H.BASEPRI_DEFAULT]);
    case H.PROCESSOR_SET_TIMESHARE_LIMITS:
      return need(1, [H.MAXPRI_KERNEL]);
    case H.PROCESSOR_SET_RR_DEFAULT:
      return need(2, [H.BASEPRI_DEFAULT, 1]);
    case H.PROCESSOR_SET_RR_LIMITS:
      return need(1, [H.MAXPRI_KERNEL]);
    case H.PROCESSOR_SET_FIFO_DEFAULT:
      return need(1, [H.BASEPRI_DEFAULT]);
    case H.PROCESSOR_SET_FIFO_LIMITS:
      return need(1, [H.MAXPRI_KERNEL]);
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/** processor_set_statistics (4000): only PROCESSOR_SET_LOAD_INFO. */
export function processorSetStatistics(k: Kernel, flavor: number, capacity: number): InfoResult {
  if (flavor !== H.PROCESSOR_SET_LOAD_INFO) return fail(KERN_INVALID_ARGUMENT);
  if (capacity < 4) return fail(KERN_FAILURE);
  let threads = 0;
  for (const t of k.tasks.values()) threads += t.threads.filter((th) => th.active).length;
  const load = k.machine.loadAverage()[0] ?? 0;
  const n = Math.max(1, k.processors.length);
  return ok([k.tasks.size, threads, Math.round(load * H.LOAD_SCALE), Math.round(Math.max(0, n - load) * H.LOAD_SCALE)]);
}
