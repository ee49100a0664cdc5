/**
 * What `machipc inspect` draws, and where: each task a box with one row per
 * name (as lsmp lists them), each row an ELK port on either side, so every
 * line starts and ends at the row it belongs to and the layout (ELK's layered
 * algorithm, orthogonal routing) keeps lines off the text. Lines: a send or
 * send-once right to the receive right it reaches, a right carried by a
 * queued message to the port it names, a receive right in transit to the
 * queue holding it. Port sets bracket their members inside the box.
 */
import { createRequire } from "node:module";
import type { ELK, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import {
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
} from "../abi/port.js";
import type { LsmpEntry, LsmpReport } from "../server/admin.js";
import { kobjectName } from "./lsmp_format.js";

export const ROW_HEIGHT = 18;
export const HEADER_HEIGHT = 24;
const CHAR_WIDTH = 7.3;
const PAD = 10;

export type RowKind = "receive" | "send" | "send-once" | "port-set" | "dead-name";
export type EdgeKind = "send" | "send-once" | "carried" | "transit";

export interface DrawnRow {
  /** Stable across updates: task pid and name. */
  key: string;
  y: number;
  kind: RowKind;
  text: string;
  /** The port's (or set's) ipc-object token: every row of one port shares it. */
  object: number;
  /** Messages queued on a receive right, with their msgh_ids. */
  queued: number;
  messageIds: number[];
  /** The port set a member receive right belongs to (its row key). */
  memberOf?: string;
}

export interface DrawnTask {
  key: string;
  pid: number;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  rows: DrawnRow[];
}

export interface DrawnEdge {
  key: string;
  kind: EdgeKind;
  /** The port the line is about (for highlighting its holders). */
  object: number;
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface Drawing {
  width: number;
  height: number;
  tasks: DrawnTask[];
  edges: DrawnEdge[];
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

function kindOf(e: LsmpEntry): RowKind {
  if (e.type & MACH_PORT_TYPE_PORT_SET) return "port-set";
  if (e.type & MACH_PORT_TYPE_RECEIVE) return "receive";
  if (e.type & MACH_PORT_TYPE_DEAD_NAME) return "dead-name";
  if (e.type & MACH_PORT_TYPE_SEND) return "send";
  return "send-once";
}

function rowText(e: LsmpEntry): string {
  const name = hex(e.name);
  switch (kindOf(e)) {
    case "port-set":
      return `${name} port set (${e.members?.length ?? 0} members)`;
    case "receive":
      return `${name} receive${e.type & MACH_PORT_TYPE_SEND ? ` + send x${e.urefs}` : ""}${e.status && e.status.sorights ? `, ${e.status.sorights} send-once out` : ""}`;
    case "dead-name":
      return `${name} dead name x${e.urefs}`;
    default: {
      const what = kindOf(e) === "send" ? `send x${e.urefs}` : "send-once";
      if (e.kobject) return `${name} ${what} -> ${kobjectName(e.kobject.kotype)}${e.kobject.task ? (e.kobject.task.self ? " (self)" : ` of ${e.kobject.task.process}`) : ""}`;
      if (e.receiver) return `${name} ${what} -> ${e.receiver.task.process} ${hex(e.receiver.name)}`;
      if (e.transit) return `${name} ${what} -> (receive right in a message)`;
      return `${name} ${what} -> (no receiver listed)`;
    }
  }
}

/** The model: boxes and rows (sizes only) and the lines between rows. Pure; laid out by layout(). */
export function buildModel(reports: LsmpReport[]): { tasks: DrawnTask[]; edges: Omit<DrawnEdge, "points">[] } {
  const tasks: DrawnTask[] = [];
  const receiveRow = new Map<number, string>();
  for (const r of reports) {
    const rows: DrawnRow[] = [];
    const memberOf = new Map<number, string>();
    for (const e of r.entries) if (e.members) for (const m of e.members) memberOf.set(m.name, `${r.pid}:${e.name}`);
    r.entries.forEach((e, i) => {
      const key = `${r.pid}:${e.name}`;
      const kind = kindOf(e);
      if (kind === "receive") receiveRow.set(e.object, key);
      const row: DrawnRow = {
        key,
        y: HEADER_HEIGHT + i * ROW_HEIGHT,
        kind,
        text: rowText(e),
        object: e.object,
        queued: e.status?.msgcount ?? 0,
        messageIds: (e.messages ?? []).map((m) => m.id),
      };
      const set = memberOf.get(e.name);
      if (set) row.memberOf = set;
      rows.push(row);
    });
    const title = `${r.process} (pid ${r.pid})`;
    const width = Math.ceil(Math.max(title.length, ...rows.map((x) => x.text.length + 4), 24) * CHAR_WIDTH + 2 * PAD);
    tasks.push({ key: `task:${r.pid}`, pid: r.pid, title, x: 0, y: 0, width, height: HEADER_HEIGHT + rows.length * ROW_HEIGHT + 6, rows });
  }
  const edges: Omit<DrawnEdge, "points">[] = [];
  for (const r of reports) {
    for (const e of r.entries) {
      const from = `${r.pid}:${e.name}`;
      if (e.receiver) {
        const to = `${e.receiver.task.pid}:${e.receiver.name}`;
        edges.push({ key: `${from}->${to}`, kind: e.type & MACH_PORT_TYPE_SEND ? "send" : "send-once", object: e.object, from, to });
      } else if (e.transit) {
        const to = receiveRow.get(e.transit.queue);
        if (to) edges.push({ key: `${from}=>${to}`, kind: "transit", object: e.object, from, to });
      }
      for (const [i, m] of (e.messages ?? []).entries()) {
        for (const [j, right] of m.rights.entries()) {
          const to = receiveRow.get(right.object);
          if (to) edges.push({ key: `${from}#${i}.${j}->${to}`, kind: "carried", object: right.object, from, to });
        }
      }
    }
  }
  return { tasks, edges };
}

// elkjs is CommonJS; its bundled build (the layout code with a synchronous stand-in for the web worker) is the constructor itself.
const ElkConstructor = createRequire(import.meta.url)("elkjs/lib/elk.bundled.js") as new () => ELK;
const elk = new ElkConstructor();

/** Place the boxes and route the lines (ELK layered, orthogonal, ports fixed at their rows). */
export async function layout(reports: LsmpReport[]): Promise<Drawing> {
  const model = buildModel(reports);
  const children: ElkNode[] = model.tasks.map((t) => ({
    id: t.key,
    width: t.width,
    height: t.height,
    layoutOptions: { "elk.portConstraints": "FIXED_POS" },
    ports: t.rows.flatMap((row) => [
      { id: `${row.key}:w`, x: -1, y: row.y + ROW_HEIGHT / 2, width: 1, height: 1, layoutOptions: { "elk.port.side": "WEST" } },
      { id: `${row.key}:e`, x: t.width, y: row.y + ROW_HEIGHT / 2, width: 1, height: 1, layoutOptions: { "elk.port.side": "EAST" } },
    ]),
  }));
  const edges: ElkExtendedEdge[] = model.edges.map((e) => ({ id: e.key, sources: [`${e.from}:e`], targets: [`${e.to}:w`] }));
  const root: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.spacing.nodeNode": "40",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.edgeEdge": "8",
      "elk.spacing.edgeNode": "16",
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      "elk.padding": "[top=20,left=20,bottom=20,right=20]",
    },
    children,
    edges,
  };
  const graph = await elk.layout(root);
  const placed = new Map((graph.children ?? []).map((c) => [c.id, c]));
  const tasks = model.tasks.map((t) => ({ ...t, x: placed.get(t.key)?.x ?? 0, y: placed.get(t.key)?.y ?? 0 }));
  const routed = new Map((graph.edges ?? []).map((e) => [e.id, e]));
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    tasks,
    edges: model.edges.map((e) => {
      const s = routed.get(e.key)?.sections?.[0];
      const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 })) : [];
      return { ...e, points };
    }),
  };
}
