/**
 * The info structures of host_info, host_statistics(64), processor_info,
 * processor_set_info/statistics, task_info and thread_info, each declared once
 * (XNU's 64-bit layouts: natural_t and integer_t are 4 bytes, 64-bit fields
 * only 4-byte aligned where the header packs the structure), and a decoder
 * from the reply's words (or bytes) to named fields, 64-bit ones as bigint.
 * Field names are XNU's, in camelCase.
 */
import * as H from "./host.js";
import { defineLayout, type Fields, type Layout, type Values } from "./layout.js";
import * as VR from "./vm_region.js";

const i32 = (at: number) => ({ at, type: "i32" }) as const;
const u32 = (at: number) => ({ at, type: "u32" }) as const;
const u64 = (at: number) => ({ at, type: "u64" }) as const;

/** host_basic_info (HOST_BASIC_INFO, 12 words; #pragma pack(4), so max_mem sits at 40). */
export const HOST_BASIC_INFO_LAYOUT = defineLayout("host_basic_info", 48, {
  maxCpus: i32(0),
  availCpus: i32(4),
  /** Capped at 2 GiB; maxMem has the real size. */
  memorySize: u32(8),
  cpuType: i32(12),
  cpuSubtype: i32(16),
  cpuThreadtype: i32(20),
  physicalCpu: i32(24),
  physicalCpuMax: i32(28),
  logicalCpu: i32(32),
  logicalCpuMax: i32(36),
  maxMem: u64(40),
});
/** host_sched_info (HOST_SCHED_INFO). */
export const HOST_SCHED_INFO_LAYOUT = defineLayout("host_sched_info", 8, { minTimeout: i32(0), minQuantum: i32(4) });
/** host_priority_info (HOST_PRIORITY_INFO). */
export const HOST_PRIORITY_INFO_LAYOUT = defineLayout("host_priority_info", 32, {
  kernelPriority: i32(0),
  systemPriority: i32(4),
  serverPriority: i32(8),
  userPriority: i32(12),
  depressPriority: i32(16),
  idlePriority: i32(20),
  minimumPriority: i32(24),
  maximumPriority: i32(28),
});
/** host_load_info (HOST_LOAD_INFO): avenrun[3] and mach_factor[3], scaled by LOAD_SCALE. */
export const HOST_LOAD_INFO_LAYOUT = defineLayout("host_load_info", 24, {
  avenrun0: i32(0),
  avenrun1: i32(4),
  avenrun2: i32(8),
  machFactor0: i32(12),
  machFactor1: i32(16),
  machFactor2: i32(20),
});
/** cpu_ticks[CPU_STATE_MAX] of host_cpu_load_info and processor_cpu_load_info. */
const CPU_TICKS = { cpuTicksUser: u32(0), cpuTicksSystem: u32(4), cpuTicksIdle: u32(8), cpuTicksNice: u32(12) };
export const HOST_CPU_LOAD_INFO_LAYOUT = defineLayout("host_cpu_load_info", 16, CPU_TICKS);
/** vm_statistics (HOST_VM_INFO, 15 words). */
export const VM_STATISTICS_LAYOUT = defineLayout("vm_statistics", 60, {
  freeCount: u32(0),
  activeCount: u32(4),
  inactiveCount: u32(8),
  wireCount: u32(12),
  zeroFillCount: u32(16),
  reactivations: u32(20),
  pageins: u32(24),
  pageouts: u32(28),
  faults: u32(32),
  cowFaults: u32(36),
  lookups: u32(40),
  hits: u32(44),
  purgeableCount: u32(48),
  purges: u32(52),
  speculativeCount: u32(56),
});
/** vm_statistics64 (HOST_VM_INFO64, 38 words). */
export const VM_STATISTICS64_LAYOUT = defineLayout("vm_statistics64", 152, {
  freeCount: u32(0),
  activeCount: u32(4),
  inactiveCount: u32(8),
  wireCount: u32(12),
  zeroFillCount: u64(16),
  reactivations: u64(24),
  pageins: u64(32),
  pageouts: u64(40),
  faults: u64(48),
  cowFaults: u64(56),
  lookups: u64(64),
  hits: u64(72),
  purges: u64(80),
  purgeableCount: u32(88),
  speculativeCount: u32(92),
  decompressions: u64(96),
  compressions: u64(104),
  swapins: u64(112),
  swapouts: u64(120),
  compressorPageCount: u32(128),
  throttledCount: u32(132),
  externalPageCount: u32(136),
  internalPageCount: u32(140),
  totalUncompressedPagesInCompressor: u64(144),
});
/** processor_basic_info (PROCESSOR_BASIC_INFO). */
export const PROCESSOR_BASIC_INFO_LAYOUT = defineLayout("processor_basic_info", 20, {
  cpuType: i32(0),
  cpuSubtype: i32(4),
  running: i32(8),
  slotNum: i32(12),
  isMaster: i32(16),
});
/** processor_cpu_load_info (PROCESSOR_CPU_LOAD_INFO). */
export const PROCESSOR_CPU_LOAD_INFO_LAYOUT = defineLayout("processor_cpu_load_info", 16, CPU_TICKS);
/** processor_set_basic_info (PROCESSOR_SET_BASIC_INFO). */
export const PROCESSOR_SET_BASIC_INFO_LAYOUT = defineLayout("processor_set_basic_info", 8, { processorCount: i32(0), defaultPolicy: i32(4) });
/** processor_set_load_info (PROCESSOR_SET_LOAD_INFO). */
export const PROCESSOR_SET_LOAD_INFO_LAYOUT = defineLayout("processor_set_load_info", 16, {
  taskCount: i32(0),
  threadCount: i32(4),
  loadAverage: i32(8),
  machFactor: i32(12),
});
/** task_basic_info_32 (TASK_BASIC_INFO_32). */
export const TASK_BASIC_INFO_32_LAYOUT = defineLayout("task_basic_info_32", 32, {
  suspendCount: i32(0),
  virtualSize: u32(4),
  residentSize: u32(8),
  userTimeSeconds: i32(12),
  userTimeMicroseconds: i32(16),
  systemTimeSeconds: i32(20),
  systemTimeMicroseconds: i32(24),
  policy: i32(28),
});
/** task_basic_info_64 (TASK_BASIC_INFO_64; packed to 4, so the sizes sit at 4 and 12). */
export const TASK_BASIC_INFO_64_LAYOUT = defineLayout("task_basic_info_64", 40, {
  suspendCount: i32(0),
  virtualSize: u64(4),
  residentSize: u64(12),
  userTimeSeconds: i32(20),
  userTimeMicroseconds: i32(24),
  systemTimeSeconds: i32(28),
  systemTimeMicroseconds: i32(32),
  policy: i32(36),
});
/** mach_task_basic_info (MACH_TASK_BASIC_INFO). */
export const MACH_TASK_BASIC_INFO_LAYOUT = defineLayout("mach_task_basic_info", 48, {
  virtualSize: u64(0),
  residentSize: u64(8),
  residentSizeMax: u64(16),
  userTimeSeconds: i32(24),
  userTimeMicroseconds: i32(28),
  systemTimeSeconds: i32(32),
  systemTimeMicroseconds: i32(36),
  policy: i32(40),
  suspendCount: i32(44),
});
/** thread_basic_info (THREAD_BASIC_INFO). */
export const THREAD_BASIC_INFO_LAYOUT = defineLayout("thread_basic_info", 40, {
  userTimeSeconds: i32(0),
  userTimeMicroseconds: i32(4),
  systemTimeSeconds: i32(8),
  systemTimeMicroseconds: i32(12),
  cpuUsage: i32(16),
  policy: i32(20),
  runState: i32(24),
  flags: i32(28),
  suspendCount: i32(32),
  sleepTime: i32(36),
});
/** thread_identifier_info (THREAD_IDENTIFIER_INFO). */
export const THREAD_IDENTIFIER_INFO_LAYOUT = defineLayout("thread_identifier_info", 24, { threadId: u64(0), threadHandle: u64(8), dispatchQaddr: u64(16) });

/** thread_extended_info (THREAD_EXTENDED_INFO); pth_name, 64 bytes, follows at 48. */
export const THREAD_EXTENDED_INFO_LAYOUT = defineLayout("thread_extended_info", 112, {
  pthUserTime: u64(0),
  pthSystemTime: u64(8),
  pthCpuUsage: i32(16),
  pthPolicy: i32(20),
  pthRunState: i32(24),
  pthFlags: i32(28),
  pthSleepTime: i32(32),
  pthCurpri: i32(36),
  pthPriority: i32(40),
  pthMaxpriority: i32(44),
});
/** policy_timeshare_info (THREAD_SCHED_TIMESHARE_INFO). */
export const POLICY_TIMESHARE_INFO_LAYOUT = defineLayout("policy_timeshare_info", 20, {
  maxPriority: i32(0),
  basePriority: i32(4),
  curPriority: i32(8),
  depressed: i32(12),
  depressPriority: i32(16),
});
/** policy_rr_info (THREAD_SCHED_RR_INFO); its quantum in milliseconds. */
export const POLICY_RR_INFO_LAYOUT = defineLayout("policy_rr_info", 20, {
  maxPriority: i32(0),
  basePriority: i32(4),
  quantum: i32(8),
  depressed: i32(12),
  depressPriority: i32(16),
});

/** task_events_info (TASK_EVENTS_INFO). */
export const TASK_EVENTS_INFO_LAYOUT = defineLayout("task_events_info", 32, {
  faults: i32(0),
  pageins: i32(4),
  cowFaults: i32(8),
  messagesSent: i32(12),
  messagesReceived: i32(16),
  syscallsMach: i32(20),
  syscallsUnix: i32(24),
  csw: i32(28),
});
/** task_thread_times_info (TASK_THREAD_TIMES_INFO): the live threads' times. */
export const TASK_THREAD_TIMES_INFO_LAYOUT = defineLayout("task_thread_times_info", 16, {
  userTimeSeconds: i32(0),
  userTimeMicroseconds: i32(4),
  systemTimeSeconds: i32(8),
  systemTimeMicroseconds: i32(12),
});
/** task_absolutetime_info (TASK_ABSOLUTETIME_INFO), in mach_absolute_time units. */
export const TASK_ABSOLUTETIME_INFO_LAYOUT = defineLayout("task_absolutetime_info", 32, {
  totalUser: u64(0),
  totalSystem: u64(8),
  threadsUser: u64(16),
  threadsSystem: u64(24),
});
/** task_kernelmemory_info (TASK_KERNELMEMORY_INFO). */
export const TASK_KERNELMEMORY_INFO_LAYOUT = defineLayout("task_kernelmemory_info", 32, {
  totalPalloc: u64(0),
  totalPfree: u64(8),
  totalSalloc: u64(16),
  totalSfree: u64(24),
});
/** task_affinity_tag_info (TASK_AFFINITY_TAG_INFO). */
export const TASK_AFFINITY_TAG_INFO_LAYOUT = defineLayout("task_affinity_tag_info", 16, { setCount: i32(0), min: i32(4), max: i32(8), taskCount: i32(12) });
/** task_dyld_info (TASK_DYLD_INFO; packed to 4, 5 words, the legacy form the first 4). */
export const TASK_DYLD_INFO_LAYOUT = defineLayout("task_dyld_info", 20, { allImageInfoAddr: u64(0), allImageInfoSize: u64(8), allImageInfoFormat: i32(16) });
/** task_power_info (TASK_POWER_INFO). */
export const TASK_POWER_INFO_LAYOUT = defineLayout("task_power_info", 48, {
  totalUser: u64(0),
  totalSystem: u64(8),
  taskInterruptWakeups: u64(16),
  taskPlatformIdleWakeups: u64(24),
  taskTimerWakeupsBin1: u64(32),
  taskTimerWakeupsBin2: u64(40),
});
/** task_vm_info (TASK_VM_INFO, TASK_VM_INFO_PURGEABLE; 38 words, 36 without phys_footprint). */
export const TASK_VM_INFO_LAYOUT = defineLayout("task_vm_info", 152, {
  virtualSize: u64(0),
  regionCount: i32(8),
  pageSize: i32(12),
  residentSize: u64(16),
  residentSizePeak: u64(24),
  device: u64(32),
  devicePeak: u64(40),
  internal: u64(48),
  internalPeak: u64(56),
  external: u64(64),
  externalPeak: u64(72),
  reusable: u64(80),
  reusablePeak: u64(88),
  purgeableVolatilePmap: u64(96),
  purgeableVolatileResident: u64(104),
  purgeableVolatileVirtual: u64(112),
  compressed: u64(120),
  compressedPeak: u64(128),
  compressedLifetime: u64(136),
  physFootprint: u64(144),
});
/** task_wait_state_info (TASK_WAIT_STATE_INFO; four reserved words follow). */
export const TASK_WAIT_STATE_INFO_LAYOUT = defineLayout("task_wait_state_info", 32, { totalWaitStateTime: u64(0), totalWaitSfiStateTime: u64(8) });
/** task_flags_info (TASK_FLAGS_INFO). */
export const TASK_FLAGS_INFO_LAYOUT = defineLayout("task_flags_info", 4, { flags: u32(0) });

// Flavor numbers of task_info / thread_info (osfmk/mach/task_info.h, thread_info.h).
export const TASK_BASIC_INFO_32 = 4;
export const TASK_BASIC_INFO_64 = 5;
export const MACH_TASK_BASIC_INFO = 20;
export const TASK_ABSOLUTETIME_INFO = 1;
export const TASK_EVENTS_INFO = 2;
export const TASK_THREAD_TIMES_INFO = 3;
export const TASK_BASIC2_INFO_32 = 6;
export const TASK_KERNELMEMORY_INFO = 7;
export const TASK_SCHED_TIMESHARE_INFO = 10;
export const TASK_SCHED_RR_INFO = 11;
export const TASK_SCHED_FIFO_INFO = 12;
export const TASK_SCHED_INFO = 14;
export const TASK_AFFINITY_TAG_INFO = 16;
export const TASK_DYLD_INFO = 17;
export const TASK_EXTMOD_INFO = 19;
export const TASK_POWER_INFO = 21;
export const TASK_VM_INFO = 22;
export const TASK_VM_INFO_PURGEABLE = 23;
export const TASK_WAIT_STATE_INFO = 25;
export const TASK_POWER_INFO_V2 = 26;
export const TASK_VM_INFO_PURGEABLE_ACCOUNT = 27;
export const TASK_FLAGS_INFO = 28;
export const TASK_DEBUG_INFO_INTERNAL = 29;
export const THREAD_BASIC_INFO = 3;
export const THREAD_IDENTIFIER_INFO = 4;
export const THREAD_EXTENDED_INFO = 5;
export const THREAD_DEBUG_INFO_INTERNAL = 6;
export const THREAD_SCHED_TIMESHARE_INFO = 10;
export const THREAD_SCHED_RR_INFO = 11;
export const THREAD_SCHED_FIFO_INFO = 12;

const MACH_VM_REGION_LAYOUTS = {
  [VR.VM_REGION_BASIC_INFO_64]: VR.VM_REGION_BASIC_INFO_64_LAYOUT,
  [VR.VM_REGION_BASIC_INFO]: VR.VM_REGION_BASIC_INFO_64_LAYOUT,
  [VR.VM_REGION_EXTENDED_INFO]: VR.VM_REGION_EXTENDED_INFO_LAYOUT,
  [VR.VM_REGION_TOP_INFO]: VR.VM_REGION_TOP_INFO_LAYOUT,
} as const;

/** Which structure each routine's out array holds, by flavor. */
export const INFO_LAYOUTS = {
  host_info: { [H.HOST_BASIC_INFO]: HOST_BASIC_INFO_LAYOUT, [H.HOST_SCHED_INFO]: HOST_SCHED_INFO_LAYOUT, [H.HOST_PRIORITY_INFO]: HOST_PRIORITY_INFO_LAYOUT },
  host_statistics: { [H.HOST_LOAD_INFO]: HOST_LOAD_INFO_LAYOUT, [H.HOST_VM_INFO]: VM_STATISTICS_LAYOUT, [H.HOST_CPU_LOAD_INFO]: HOST_CPU_LOAD_INFO_LAYOUT },
  host_statistics64: {
    [H.HOST_VM_INFO64]: VM_STATISTICS64_LAYOUT,
    [H.HOST_LOAD_INFO]: HOST_LOAD_INFO_LAYOUT,
    [H.HOST_VM_INFO]: VM_STATISTICS_LAYOUT,
    [H.HOST_CPU_LOAD_INFO]: HOST_CPU_LOAD_INFO_LAYOUT,
  },
  processor_info: { [H.PROCESSOR_BASIC_INFO]: PROCESSOR_BASIC_INFO_LAYOUT, [H.PROCESSOR_CPU_LOAD_INFO]: PROCESSOR_CPU_LOAD_INFO_LAYOUT },
  host_processor_info: { [H.PROCESSOR_BASIC_INFO]: PROCESSOR_BASIC_INFO_LAYOUT, [H.PROCESSOR_CPU_LOAD_INFO]: PROCESSOR_CPU_LOAD_INFO_LAYOUT },
  processor_set_info: { [H.PROCESSOR_SET_BASIC_INFO]: PROCESSOR_SET_BASIC_INFO_LAYOUT },
  processor_set_statistics: { [H.PROCESSOR_SET_LOAD_INFO]: PROCESSOR_SET_LOAD_INFO_LAYOUT },
  task_info: {
    [TASK_BASIC_INFO_32]: TASK_BASIC_INFO_32_LAYOUT,
    [TASK_BASIC2_INFO_32]: TASK_BASIC_INFO_32_LAYOUT,
    [TASK_BASIC_INFO_64]: TASK_BASIC_INFO_64_LAYOUT,
    [MACH_TASK_BASIC_INFO]: MACH_TASK_BASIC_INFO_LAYOUT,
    [TASK_ABSOLUTETIME_INFO]: TASK_ABSOLUTETIME_INFO_LAYOUT,
    [TASK_EVENTS_INFO]: TASK_EVENTS_INFO_LAYOUT,
    [TASK_THREAD_TIMES_INFO]: TASK_THREAD_TIMES_INFO_LAYOUT,
    [TASK_KERNELMEMORY_INFO]: TASK_KERNELMEMORY_INFO_LAYOUT,
    [TASK_AFFINITY_TAG_INFO]: TASK_AFFINITY_TAG_INFO_LAYOUT,
    [TASK_DYLD_INFO]: TASK_DYLD_INFO_LAYOUT,
    [TASK_POWER_INFO]: TASK_POWER_INFO_LAYOUT,
    [TASK_VM_INFO]: TASK_VM_INFO_LAYOUT,
    [TASK_VM_INFO_PURGEABLE]: TASK_VM_INFO_LAYOUT,
    [TASK_WAIT_STATE_INFO]: TASK_WAIT_STATE_INFO_LAYOUT,
    [TASK_FLAGS_INFO]: TASK_FLAGS_INFO_LAYOUT,
  },
  thread_info: {
    [THREAD_BASIC_INFO]: THREAD_BASIC_INFO_LAYOUT,
    [THREAD_IDENTIFIER_INFO]: THREAD_IDENTIFIER_INFO_LAYOUT,
    [THREAD_EXTENDED_INFO]: THREAD_EXTENDED_INFO_LAYOUT,
    [THREAD_SCHED_TIMESHARE_INFO]: POLICY_TIMESHARE_INFO_LAYOUT,
    [THREAD_SCHED_RR_INFO]: POLICY_RR_INFO_LAYOUT,
  },
  // mach_vm_region and vm_region_64 answer VM_REGION_BASIC_INFO with the 64-bit structure; vm_region with the 32-bit one.
  mach_vm_region: MACH_VM_REGION_LAYOUTS,
  vm_region_64: MACH_VM_REGION_LAYOUTS,
  vm_region: { ...MACH_VM_REGION_LAYOUTS, [VR.VM_REGION_BASIC_INFO]: VR.VM_REGION_BASIC_INFO_LAYOUT },
} as const;

export type InfoRoutine = keyof typeof INFO_LAYOUTS;
export type InfoFlavor<R extends InfoRoutine> = keyof (typeof INFO_LAYOUTS)[R] & number;
type LayoutFields<L> = L extends Layout<infer F> ? F : never;
/** The decoded structure of routine R's flavor F. */
export type InfoOf<R extends InfoRoutine, F extends InfoFlavor<R>> = Values<LayoutFields<(typeof INFO_LAYOUTS)[R][F]>>;

/** The little-endian bytes of integer_t/natural_t words (as MIG returns info arrays). */
function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(4 * i, w >>> 0, true));
  return out;
}

/**
 * The natural_t words of one structure, as the kernel returns it in an info
 * array: the kernel side writes through the same layout the decoder reads.
 * Fields left out are zero.
 */
export function encodeInfo<F extends Fields>(layout: Layout<F>, values: Partial<Values<F>>): number[] {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  layout.write(view, 0, values);
  const words: number[] = [];
  for (let at = 0; at < layout.size; at += 4) words.push(view.getUint32(at, true));
  return words;
}

/** Read one structure of `layout` from the words or bytes a routine returned; a short reply is an error. */
export function decodeLayout<F extends Fields>(layout: Layout<F>, data: readonly number[] | Uint8Array, index = 0): Values<F> {
  const bytes = data instanceof Uint8Array ? data : wordsToBytes(data);
  const at = index * layout.size;
  if (at + layout.size > bytes.byteLength) {
    throw new RangeError(`${layout.name} needs ${layout.size} bytes at ${at}; the reply has ${bytes.byteLength}`);
  }
  return layout.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at);
}

/**
 * The structure behind `routine`'s out array for `flavor`, by name:
 *
 *     const r = await thread.call("host_info", host, { flavor: HOST_BASIC_INFO });
 *     if (r.kr === KERN_SUCCESS) decodeInfo("host_info", HOST_BASIC_INFO, r.host_info_out).maxMem; // bigint
 *
 * `index` picks one of several (host_processor_info's per-processor array).
 */
export function decodeInfo<R extends InfoRoutine, F extends InfoFlavor<R>>(routine: R, flavor: F, data: readonly number[] | Uint8Array, index = 0): InfoOf<R, F> {
  const table = INFO_LAYOUTS[routine] as Record<number, Layout<Fields>>;
  const layout = table[flavor];
  if (!layout) throw new RangeError(`${routine}: no structure known for flavor ${flavor}`);
  return decodeLayout(layout, data, index) as InfoOf<R, F>;
}
