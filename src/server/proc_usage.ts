/**
 * A client process's usage as Linux counts it (src/kern/task_usage.ts's ProcessUsageSource), read
 * from /proc/<pid>: sizes from statm and status, faults and the process's CPU time from stat, each
 * live thread's from task/<tid>/stat and schedstat.
 *
 * Linux samples whether a tick was spent in user or system mode, and keeps each thread's total run
 * time to the nanosecond (schedstat). A live thread's time here is that total, split in the ratio
 * of its user and system ticks as Linux's own cputime_adjust splits it; and as there, neither part
 * ever goes back from one reading to the next. The threads that have ended are known only by the
 * process's ticks, so their time has the tick's resolution (USER_HZ).
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ProcessUsage, ProcessUsageSource } from "../kern/task_usage.js";

/** USER_HZ: the unit of /proc's times, which the kernel's ABI fixes at 100 on x86-64 and arm64. */
const TICK_NS = 10_000_000n;
const PAGE = 4096n;
const KIB = 1024n;

/** The fields of a /proc stat line after the command name (which may hold spaces and parentheses), field 3 first. */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(")") + 2).trim().split(" ");
}

/** stat's fields by their number in proc(5) (1-based, 3 and up). */
const field = (f: string[], n: number): bigint => BigInt(f[n - 3] ?? "0");

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** A status file's "Key: value" as a number (its kB unit left as it is), 0 when absent. */
function statusValue(text: string, key: string): bigint {
  const m = text.match(new RegExp(`^${key}:\\s*(\\d+)`, "m"));
  return m ? BigInt(m[1]!) : 0n;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** A split of run time into user and system that neither part takes back (cputime_adjust's rule). */
interface Split {
  user: bigint;
  system: bigint;
}

/**
 * `total` ns split as `userTicks : systemTicks` (all user when there are no system ticks, all
 * system when there are no user ones, as Linux does), kept from going below `last` in either part.
 */
export function splitRunTime(total: bigint, userTicks: bigint, systemTicks: bigint, last: Split): Split {
  const ticks = userTicks + systemTicks;
  const want = systemTicks === 0n ? total : userTicks === 0n ? 0n : (total * userTicks) / ticks;
  if (total <= last.user + last.system) return last;
  const user = min(max(want, last.user), total - last.system);
  return { user, system: total - user };
}

/** The usage source of process `pid`, started at `start` (procStartTime's clock ticks since boot). */
export function processUsage(pid: number, start: string | null): ProcessUsageSource {
  const threads = new Map<string, Split>();
  let dead: Split = { user: 0n, system: 0n };
  let switches = 0;
  return {
    usage(): ProcessUsage | null {
      const stat = read(`/proc/${pid}/stat`);
      const statm = read(`/proc/${pid}/statm`);
      const status = read(`/proc/${pid}/status`);
      if (stat === null || statm === null || status === null) return null;
      const f = statFields(stat);
      // Another process with the pid that ours had is not ours.
      if (start === null || f[22 - 3] !== start) return null;
      let liveUser = 0n;
      let liveSystem = 0n;
      let liveUserTicks = 0n;
      let liveSystemTicks = 0n;
      let csw = 0;
      const seen = new Set<string>();
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        return null;
      }
      for (const tid of tids) {
        const ts = read(`/proc/${pid}/task/${tid}/stat`);
        if (ts === null) continue; // it ended as we read
        const tf = statFields(ts);
        const u = field(tf, 14);
        const s = field(tf, 15);
        const run = read(`/proc/${pid}/task/${tid}/schedstat`);
        const total = run !== null ? BigInt(run.split(" ")[0] ?? "0") : (u + s) * TICK_NS;
        const split = splitRunTime(total, u, s, threads.get(tid) ?? { user: 0n, system: 0n });
        threads.set(tid, split);
        seen.add(tid);
        liveUser += split.user;
        liveSystem += split.system;
        liveUserTicks += u;
        liveSystemTicks += s;
        const tstatus = read(`/proc/${pid}/task/${tid}/status`);
        if (tstatus !== null) csw += Number(statusValue(tstatus, "voluntary_ctxt_switches") + statusValue(tstatus, "nonvoluntary_ctxt_switches"));
      }
      for (const tid of threads.keys()) if (!seen.has(tid)) threads.delete(tid);
      // The process's ticks count every thread it has had; the live ones' taken away leaves the ended ones'.
      dead = {
        user: max(dead.user, max(0n, field(f, 14) - liveUserTicks) * TICK_NS),
        system: max(dead.system, max(0n, field(f, 15) - liveSystemTicks) * TICK_NS),
      };
      switches = Math.max(switches, csw);
      const words = statm.trim().split(/\s+/).map((w) => BigInt(w));
      const resident = (words[1] ?? 0n) * PAGE;
      const maps = read(`/proc/${pid}/maps`);
      return {
        virtualSize: (words[0] ?? 0n) * PAGE,
        residentSize: resident,
        residentPeak: max(resident, statusValue(status, "VmHWM") * KIB),
        internal: statusValue(status, "RssAnon") * KIB,
        external: (statusValue(status, "RssFile") + statusValue(status, "RssShmem")) * KIB,
        regionCount: maps === null ? 0 : maps.split("\n").length - 1,
        deadUserNs: dead.user,
        deadSystemNs: dead.system,
        liveUserNs: liveUser,
        liveSystemNs: liveSystem,
        faults: Number(field(f, 10) + field(f, 12)),
        pageins: Number(field(f, 12)),
        contextSwitches: switches,
      };
    },
  };
}
