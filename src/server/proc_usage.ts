/**
 * A client process's usage as Linux counts it (src/kern/task_usage.ts's ProcessUsageSource), read
 * from /proc/<pid>: sizes from statm and status, faults and the process's CPU time from stat, each
 * live thread's from task/<tid>/stat and schedstat.
 *
 * Linux samples whether a tick was spent in user or system mode, and keeps each thread's total run
 * time to the nanosecond (schedstat). A live thread's time here is that total, split in the ratio
 * of its user and system ticks as Linux's own cputime_adjust splits it; and as there, neither part
 * ever goes back from one reading to the next. The threads that have ended are known only by the
 * process's ticks, so their time has the tick's resolution (USER_HZ); so do the live threads
 * past MAX_THREADS_READ, which count with them.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ProcessUsage, ProcessUsageSource, ThreadUsage } from "../kern/task_usage.js";

/** USER_HZ: the unit of /proc's times, which the kernel's ABI fixes at 100 on x86-64 and arm64. */
const TICK_NS = 10_000_000n;
/** thread_info's cpu_usage scale (a whole CPU). */
const TH_USAGE_SCALE = 1000;
/**
 * The most threads one reading reads each of (two or three /proc files apiece, synchronously, on
 * the server's one thread): past it a process's other threads count with the ended ones, by the
 * process's ticks, so a process with thousands of threads cannot make every task_info stall the
 * server.
 */
export const MAX_THREADS_READ = 256;
/** A thread's cpu_usage is its use since the reading before, if that is at least this old (else the figure then stands). */
const USAGE_WINDOW_NS = 100_000_000n;
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

/** A thread's reading: its ticks, its run time split, its state and name. */
interface ThreadReading {
  userTicks: bigint;
  systemTicks: bigint;
  split: Split;
  state: string;
  name: string;
  /** Clock ticks since boot when it started (stat's field 22). */
  startTicks: bigint;
}

/** The uptime in nanoseconds (/proc/uptime), 0n if it cannot be read. */
function uptimeNs(): bigint {
  const text = read("/proc/uptime");
  const secs = text ? Number.parseFloat(text) : NaN;
  return Number.isFinite(secs) ? BigInt(Math.round(secs * 1e9)) : 0n;
}

/** The usage source of process `pid`, started at `start` (procStartTime's clock ticks since boot). */
export function processUsage(pid: number, start: string | null, maxThreads = MAX_THREADS_READ): ProcessUsageSource {
  const splits = new Map<string, Split>();
  const samples = new Map<string, { at: bigint; run: bigint; usage: number }>();
  let dead: Split = { user: 0n, system: 0n };
  let switches = 0;
  /** Whether the process at `pid` is still ours (not another that took the pid). */
  const ours = (stat: string | null): string[] | null => {
    if (stat === null || start === null) return null;
    const f = statFields(stat);
    return f[22 - 3] === start ? f : null;
  };
  /** One live thread now, its split kept from going back; null when it has ended. */
  const readThread = (tid: string): ThreadReading | null => {
    const ts = read(`/proc/${pid}/task/${tid}/stat`);
    if (ts === null) return null;
    const tf = statFields(ts);
    const userTicks = field(tf, 14);
    const systemTicks = field(tf, 15);
    const run = read(`/proc/${pid}/task/${tid}/schedstat`);
    const total = run !== null ? BigInt(run.split(" ")[0] ?? "0") : (userTicks + systemTicks) * TICK_NS;
    const split = splitRunTime(total, userTicks, systemTicks, splits.get(tid) ?? { user: 0n, system: 0n });
    splits.set(tid, split);
    const comm = read(`/proc/${pid}/task/${tid}/comm`) ?? "";
    return { userTicks, systemTicks, split, state: tf[0] ?? "S", name: comm.replace(/\n$/, ""), startTicks: field(tf, 22) };
  };
  return {
    usage(): ProcessUsage | null {
      const f = ours(read(`/proc/${pid}/stat`));
      const statm = read(`/proc/${pid}/statm`);
      const status = read(`/proc/${pid}/status`);
      if (f === null || statm === null || status === null) return null;
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
      for (const tid of tids.length > maxThreads ? tids.slice(0, maxThreads) : tids) {
        const t = readThread(tid);
        if (t === null) continue; // it ended as we read
        seen.add(tid);
        liveUser += t.split.user;
        liveSystem += t.split.system;
        liveUserTicks += t.userTicks;
        liveSystemTicks += t.systemTicks;
        const tstatus = read(`/proc/${pid}/task/${tid}/status`);
        if (tstatus !== null) csw += Number(statusValue(tstatus, "voluntary_ctxt_switches") + statusValue(tstatus, "nonvoluntary_ctxt_switches"));
      }
      for (const tid of splits.keys()) if (!seen.has(tid)) splits.delete(tid);
      for (const tid of samples.keys()) if (!seen.has(tid)) samples.delete(tid);
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
    thread(tid: number): ThreadUsage | null {
      if (ours(read(`/proc/${pid}/stat`)) === null) return null;
      const key = String(tid);
      const t = readThread(key);
      if (t === null) return null;
      // XNU's cpu_usage is a decaying average of recent use; here, the use since the last reading
      // at least USAGE_WINDOW_NS before (at the first, since the thread began).
      const now = uptimeNs();
      const run = t.split.user + t.split.system;
      const last = samples.get(key);
      let usage = last?.usage ?? 0;
      if (!last || now - last.at >= USAGE_WINDOW_NS) {
        const from = last ?? { at: t.startTicks * TICK_NS, run: 0n };
        const wall = now - from.at;
        usage = wall > 0n ? Math.min(TH_USAGE_SCALE, Number(((run - from.run) * BigInt(TH_USAGE_SCALE)) / wall)) : 0;
        samples.set(key, { at: now, run, usage });
      }
      return { userNs: t.split.user, systemNs: t.split.system, cpuUsage: Math.max(0, usage), state: t.state, name: t.name };
    },
  };
}
