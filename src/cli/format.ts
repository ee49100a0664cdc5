/** Text tables for the CLI listings. */
import type { LsmpRow, TaskSummary } from "../server/admin.js";

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function formatTasks(v: unknown): string {
  const tasks = v as TaskSummary[];
  return table(
    ["PID", "NAME", "UID", "GID", "THREADS", "NAMES"],
    tasks.map((t) => [String(t.pid), t.name, String(t.uid), String(t.gid), String(t.threads), String(t.names)]),
  );
}

export function formatLsmp(v: unknown): string {
  const r = v as { pid: number; name: string; rows: LsmpRow[] };
  const head = ["name", "ipc-object", "rights", "flags", "boost", "reqs", "recv", "send", "sonce", "oref", "qlimit", "msgcount", "context", "identifier", "type"];
  return (
    `Process (${r.pid}) : ${r.name}\n` +
    table(
      head,
      r.rows.map((x) => [x.name, x.ipcObject, x.rights, x.flags, String(x.boost), x.reqs, String(x.recv), String(x.send), String(x.sonce), x.oref, x.qlimit, x.msgcount, x.context, x.identifier, x.type]),
    ) +
    `\n\ntotal names: ${r.rows.length}`
  );
}

export function formatHost(v: unknown): string {
  const h = v as Record<string, unknown> & { processors: { slot: number; master: boolean; state: number }[] };
  const lines = [
    `Kernel version: ${h["kernelVersion"]}`,
    `Architecture: ${h["arch"]}`,
    `Processors: ${h["maxCpus"]} configured, ${h["availCpus"]} available`,
    `Memory: ${h["maxMem"]} bytes (memory_size ${h["memorySize"]})`,
    `CPU type: 0x${Number(h["cpuType"]).toString(16)}, subtype ${h["cpuSubtype"]}`,
    ...h.processors.map((p) => `  processor ${p.slot}${p.master ? " (master)" : ""}: state ${p.state}`),
  ];
  return lines.join("\n");
}
