/** A process's name, as macOS names a task by its process (proc_name): from /proc on Linux. */
import { readFileSync } from "node:fs";

export function processName(pid: number): string | null {
  if (process.platform !== "linux" || !Number.isInteger(pid) || pid <= 0) return null;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    return comm || null;
  } catch {
    return null;
  }
}

/**
 * The name a task gets: the one its client chose, else its process's name. A
 * client's placeholder ("c:1234", "node:1234", or nothing) is no choice.
 */
export function taskName(claimed: string, pid: number): string {
  if (claimed && !/^(c|node):\d+$/.test(claimed)) return claimed;
  return processName(pid) ?? (claimed || `pid${pid}`);
}
