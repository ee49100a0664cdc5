/** The `machipc tasks` table. */
import type { TaskSummary } from "../server/admin.js";

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

export function formatTasks(tasks: TaskSummary[]): string {
  return table(
    ["PID", "NAME", "UID", "GID", "THREADS", "NAMES"],
    tasks.map((t) => [String(t.pid), t.name, String(t.uid), String(t.gid), String(t.threads), String(t.names)]),
  );
}
