/**
 * The real machine, for the places where XNU reports hardware: CPUs, memory,
 * load, CPU ticks. Everything can be overridden at boot for reproducible tests.
 */
import * as os from "node:os";
import { readFileSync } from "node:fs";

export type Arch = "x86_64" | "arm64";

export interface MachineInfo {
  arch: Arch;
  cpuCount: number;
  memorySize: bigint;
  pageSize: number;
  /** Per-CPU ticks [user, system, idle, nice] at 100 Hz. */
  cpuTicks(): number[][];
  /** 1, 5 and 15 minute load averages. */
  loadAverage(): number[];
  /**
   * ml_get_max_affinity_sets: how many affinity sets (caches below the last
   * level, shared by a group of CPUs) the machine has; 0 when it cannot say.
   */
  affinitySets: number;
  /** The VM counters host_statistics(64) report, in pages, named as vm_statistics64's fields. */
  vmStatistics(): VmStatistics;
}

/** struct vm_statistics64 (xnu-3248), every count in pages. */
export interface VmStatistics {
  free: number;
  active: number;
  inactive: number;
  wire: number;
  zeroFill: number;
  reactivations: number;
  pageins: number;
  pageouts: number;
  faults: number;
  cowFaults: number;
  lookups: number;
  hits: number;
  purges: number;
  purgeable: number;
  speculative: number;
  decompressions: number;
  compressions: number;
  swapins: number;
  swapouts: number;
  compressorPages: number;
  throttled: number;
  external: number;
  internal: number;
  uncompressedInCompressor: number;
}

export function hostArch(): Arch {
  return os.arch() === "arm64" ? "arm64" : "x86_64";
}

/** /proc/meminfo's "Name: value kB" lines, in bytes. */
function parseMeminfo(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) m.set(match[1]!, Number(match[2]) * 1024);
  }
  return m;
}

/** /proc/vmstat's "name value" lines. */
function parseVmstat(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.split(" ");
    if (k && v) m.set(k, Number(v));
  }
  return m;
}

/** Distinct L2 caches among the CPUs, from sysfs (the level x86's affinity sets sit at). */
function l2CacheGroups(cpus: number): number {
  const groups = new Set<string>();
  for (let i = 0; i < cpus; i++) {
    const list = readProc(`/sys/devices/system/cpu/cpu${i}/cache/index2/shared_cpu_list`).trim();
    if (list) groups.add(list);
  }
  return groups.size;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // Not Linux: every counter reads as absent.
    return "";
  }
}

/**
 * Linux's counters mapped onto vm_statistics64, each to the one that means the
 * same thing, in pages: page lists from /proc/vmstat's nr_* counts, wired pages
 * as the unevictable ones plus kernel stacks, page tables and unreclaimable slab,
 * pageins / pageouts from pgpgin / pgpgout (KiB, so divided by the page size in
 * KiB), reactivations from pgactivate, compressions from zswap, swapins and
 * swapouts from pswpin / pswpout. XNU counters Linux has no equivalent for
 * (zero fills, copy-on-write faults, object cache lookups and hits, purgeable
 * memory, speculative and throttled pages) are 0.
 */
export function linuxVmStatistics(meminfoText: string, vmstatText: string, pageSize: number): VmStatistics {
  const mi = parseMeminfo(meminfoText);
  const vs = parseVmstat(vmstatText);
  const v = (k: string): number => vs.get(k) ?? 0;
  const bytesToPages = (k: string): number => Math.floor((mi.get(k) ?? 0) / pageSize);
  const kibToPages = (k: string): number => Math.floor((v(k) * 1024) / pageSize);
  const wiredBytes = ["Unevictable", "KernelStack", "PageTables", "SUnreclaim"].reduce((sum, k) => sum + (mi.get(k) ?? 0), 0);
  const anon = v("nr_active_anon") + v("nr_inactive_anon");
  const file = v("nr_active_file") + v("nr_inactive_file");
  return {
    free: v("nr_free_pages"),
    active: v("nr_active_anon") + v("nr_active_file"),
    inactive: v("nr_inactive_anon") + v("nr_inactive_file"),
    wire: Math.floor(wiredBytes / pageSize),
    zeroFill: 0,
    reactivations: v("pgactivate"),
    pageins: kibToPages("pgpgin"),
    pageouts: kibToPages("pgpgout"),
    faults: v("pgfault"),
    cowFaults: 0,
    lookups: 0,
    hits: 0,
    purges: 0,
    purgeable: 0,
    speculative: 0,
    decompressions: v("zswpin"),
    compressions: v("zswpout"),
    swapins: v("pswpin"),
    swapouts: v("pswpout"),
    compressorPages: bytesToPages("Zswap"),
    throttled: 0,
    external: file,
    internal: anon,
    uncompressedInCompressor: bytesToPages("Zswapped"),
  };
}

export function realMachine(cpuCount?: number): MachineInfo {
  const cpus = os.cpus();
  const n = cpuCount ?? Math.max(1, cpus.length);
  const page = 4096;
  return {
    arch: hostArch(),
    cpuCount: n,
    memorySize: BigInt(os.totalmem()),
    pageSize: page,
    affinitySets: l2CacheGroups(Math.max(1, cpus.length)),
    cpuTicks() {
      const now = os.cpus();
      const out: number[][] = [];
      for (let i = 0; i < n; i++) {
        const t = now[i % Math.max(1, now.length)]?.times ?? { user: 0, sys: 0, idle: 0, nice: 0, irq: 0 };
        out.push([t.user, t.sys, t.idle, t.nice].map((ms) => Math.floor(ms / 10) >>> 0));
      }
      return out;
    },
    loadAverage() {
      return os.loadavg();
    },
    vmStatistics() {
      return linuxVmStatistics(readProc("/proc/meminfo"), readProc("/proc/vmstat"), page);
    },
  };
}
