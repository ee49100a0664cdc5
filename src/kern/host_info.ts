/**
 * host_info, host_statistics, host_statistics64, processor_info and
 * processor_set_info/statistics (osfmk/kern/host.c, processor.c, xnu-3248),
 * reporting the real machine in XNU's layouts.
 */
import * as H from "../abi/host.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import type { Kernel } from "./kernel.js";
import type { Processor } from "./host.js";
import * as L from "../abi/info.js";

export interface InfoResult {
  kr: KernReturn;
  /** The info words (natural_t / integer_t each), as many as the count returned. */
  info: number[];
}

const fail = (kr: KernReturn): InfoResult => ({ kr, info: [] });
const ok = (info: number[]): InfoResult => ({ kr: KERN_SUCCESS, info });
/** A count kept as a JS number, for a 64-bit field. */
const big = (v: number): bigint => BigInt(Math.floor(v));
/** A count for a natural_t field: VM_STATISTICS_TRUNCATE_TO_32_BIT keeps its low 32 bits. */
const low32 = (v: number): number => Number(big(v) & 0xffffffffn);

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
      const words = L.encodeInfo(L.HOST_BASIC_INFO_LAYOUT, {
        maxCpus: n,
        availCpus: avail,
        memorySize,
        cpuType: cpuType(k),
        cpuSubtype: cpuSubtype(k),
        cpuThreadtype: H.CPU_THREADTYPE_NONE,
        physicalCpu: n,
        physicalCpuMax: n,
        logicalCpu: n,
        logicalCpuMax: n,
        maxMem: mem,
      });
      // An old caller's count gets the old structure: the first five fields.
      return ok(capacity < H.HOST_BASIC_INFO_COUNT ? words.slice(0, H.HOST_BASIC_INFO_OLD_COUNT) : words);
    }
    case H.HOST_SCHED_INFO:
      if (capacity < H.HOST_SCHED_INFO_COUNT) return fail(KERN_FAILURE);
      // min_timeout and min_quantum: the 10 ms quantum of the default scheduler.
      return ok(L.encodeInfo(L.HOST_SCHED_INFO_LAYOUT, { minTimeout: 10, minQuantum: 10 }));
    case H.HOST_RESOURCE_SIZES:
      if (capacity < H.HOST_RESOURCE_SIZES_COUNT) return fail(KERN_FAILURE);
      return fail(KERN_INVALID_ARGUMENT);
    case H.HOST_PRIORITY_INFO:
      if (capacity < H.HOST_PRIORITY_INFO_COUNT) return fail(KERN_FAILURE);
      return ok(
        L.encodeInfo(L.HOST_PRIORITY_INFO_LAYOUT, {
          kernelPriority: H.MINPRI_KERNEL,
          systemPriority: H.MINPRI_KERNEL,
          serverPriority: H.MINPRI_RESERVED,
          userPriority: H.BASEPRI_DEFAULT,
          depressPriority: H.DEPRESSPRI,
          idlePriority: H.IDLEPRI,
          minimumPriority: H.MINPRI,
          maximumPriority: H.MAXPRI_RESERVED,
        }),
      );
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
  const sum = [0, 0, 0];
  // XNU never counts nice time (CPU_STATE_NICE stays 0), as processor_info's per-CPU figures do.
  for (const t of k.machine.cpuTicks()) for (const i of [0, 1, 2]) sum[i] = (sum[i]! + (t[i] ?? 0)) >>> 0;
  return L.encodeInfo(L.HOST_CPU_LOAD_INFO_LAYOUT, { cpuTicksUser: sum[0], cpuTicksSystem: sum[1], cpuTicksIdle: sum[2], cpuTicksNice: 0 });
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
      return ok(
        L.encodeInfo(L.HOST_LOAD_INFO_LAYOUT, {
          avenrun0: avenrun[0],
          avenrun1: avenrun[1],
          avenrun2: avenrun[2],
          machFactor0: machFactor[0],
          machFactor1: machFactor[1],
          machFactor2: machFactor[2],
        }),
      );
    }
    case H.HOST_VM_INFO: {
      if (capacity < H.HOST_VM_INFO_REV0_COUNT) return fail(KERN_FAILURE);
      const s = k.machine.vmStatistics();
      // VM_STATISTICS_TRUNCATE_TO_32_BIT: the low 32 bits of each count.
      const all = L.encodeInfo(L.VM_STATISTICS_LAYOUT, {
        freeCount: low32(s.free),
        activeCount: low32(s.active),
        inactiveCount: low32(s.inactive),
        wireCount: low32(s.wire),
        zeroFillCount: low32(s.zeroFill),
        reactivations: low32(s.reactivations),
        pageins: low32(s.pageins),
        pageouts: low32(s.pageouts),
        faults: low32(s.faults),
        cowFaults: low32(s.cowFaults),
        lookups: low32(s.lookups),
        hits: low32(s.hits),
        purgeableCount: low32(s.purgeable),
        purges: low32(s.purges),
        speculativeCount: low32(s.speculative),
      });
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
      const all = L.encodeInfo(L.VM_STATISTICS64_LAYOUT, {
        freeCount: low32(s.free),
        activeCount: low32(s.active),
        inactiveCount: low32(s.inactive),
        wireCount: low32(s.wire),
        zeroFillCount: big(s.zeroFill),
        reactivations: big(s.reactivations),
        pageins: big(s.pageins),
        pageouts: big(s.pageouts),
        faults: big(s.faults),
        cowFaults: big(s.cowFaults),
        lookups: big(s.lookups),
        hits: big(s.hits),
        purges: big(s.purges),
        purgeableCount: low32(s.purgeable),
        speculativeCount: low32(s.speculative),
        decompressions: big(s.decompressions),
        compressions: big(s.compressions),
        swapins: big(s.swapins),
        swapouts: big(s.swapouts),
        compressorPageCount: low32(s.compressorPages),
        throttledCount: low32(s.throttled),
        externalPageCount: low32(s.external),
        internalPageCount: low32(s.internal),
        totalUncompressedPagesInCompressor: big(s.uncompressedInCompressor),
      });
      // A caller asking for the first revision's count gets the structure up to speculative_count.
      return ok(capacity < H.HOST_VM_INFO64_COUNT ? all.slice(0, H.HOST_VM_INFO64_REV0_COUNT) : all);
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
      return ok(
        L.encodeInfo(L.PROCESSOR_BASIC_INFO_LAYOUT, { cpuType: cpuType(k), cpuSubtype: cpuSubtype(k), running: p.state !== H.PROCESSOR_OFF_LINE ? 1 : 0, slotNum: p.cpuId, isMaster: p.isMaster ? 1 : 0 }),
      );
    case H.PROCESSOR_CPU_LOAD_INFO: {
      if (capacity < H.PROCESSOR_CPU_LOAD_INFO_COUNT) return fail(KERN_FAILURE);
      const t = k.machine.cpuTicks()[p.cpuId] ?? [0, 0, 0, 0];
      // Nice time is always 0 in xnu-3248's accounting.
      return ok(L.encodeInfo(L.PROCESSOR_CPU_LOAD_INFO_LAYOUT, { cpuTicksUser: t[0] ?? 0, cpuTicksSystem: t[1] ?? 0, cpuTicksIdle: t[2] ?? 0, cpuTicksNice: 0 }));
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
      return need(2, L.encodeInfo(L.PROCESSOR_SET_BASIC_INFO_LAYOUT, { processorCount: avail, defaultPolicy: H.POLICY_TIMESHARE }));
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
  return ok(
    L.encodeInfo(L.PROCESSOR_SET_LOAD_INFO_LAYOUT, {
      taskCount: k.tasks.size,
      threadCount: threads,
      loadAverage: Math.round(load * H.LOAD_SCALE),
      machFactor: Math.round(Math.max(0, n - load) * H.LOAD_SCALE),
    }),
  );
}
