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
  /** Page counts for host_statistics(HOST_VM_INFO): free, active, inactive, wired. */
  vmPages(): { free: number; active: number; inactive: number; wired: number; pageins: number; pageouts: number; faults: number };
}

export function hostArch(): Arch {
  return os.arch() === "arm64" ? "arm64" : "x86_64";
}

function meminfo(): Map<string, number> {
  const m = new Map<string, number>();
  try {
    for (const line of readFileSync("/proc/meminfo", "utf8").split("\n")) {
      const match = /^(\w+):\s+(\d+)/.exec(line);
      if (match) m.set(match[1]!, Number(match[2]) * 1024);
    }
  } catch {
    // Not Linux: fall back to os totals below.
  }
  return m;
}

function vmstat(): Map<string, number> {
  const m = new Map<string, number>();
  try {
    for (const line of readFileSync("/proc/vmstat", "utf8").split("\n")) {
      const [k, v] = line.split(" ");
      if (k && v) m.set(k, Number(v));
    }
  } catch {
    // Not Linux.
  }
  return m;
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
    vmPages() {
      const mi = meminfo();
      const vs = vmstat();
      const total = Number(os.totalmem());
      const free = mi.get("MemFree") ?? Number(os.freemem());
      const active = mi.get("Active") ?? Math.max(0, total - free) / 2;
      const inactive = mi.get("Inactive") ?? Math.max(0, total - free) / 2;
      const wired = (mi.get("Unevictable") ?? 0) + (mi.get("Mlocked") ?? 0) + (mi.get("KernelStack") ?? 0) + (mi.get("PageTables") ?? 0);
      return {
        free: Math.floor(free / page),
        active: Math.floor(active / page),
        inactive: Math.floor(inactive / page),
        wired: Math.floor(wired / page),
        pageins: vs.get("pgpgin") ?? 0,
        pageouts: vs.get("pgpgout") ?? 0,
        faults: vs.get("pgfault") ?? 0,
      };
    },
  };
}
