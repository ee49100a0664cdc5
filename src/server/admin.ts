/** What the server's admin commands report: tasks, an lsmp-style listing, the host, traces. */
import { ikotName } from "../abi/ikot.js";
import {
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from "../abi/port.js";
import { hostInfo } from "../kern/host_info.js";
import type { IpcKmsg } from "../ipc/kmsg.js";
import { rightInfo } from "../ipc/mach_port.js";
import { IpcPort, IpcPset } from "../ipc/port.js";
import type { Kernel } from "../kern/kernel.js";
import { portOwner } from "../cli/describe.js";

export interface TaskSummary {
  pid: number;
  name: string;
  uid: number;
  gid: number;
  threads: number;
  names: number;
}

export function taskList(k: Kernel): TaskSummary[] {
  return [...k.tasks.values()].map((t) => ({
    pid: t.pid,
    name: t.name,
    uid: t.secToken[0],
    gid: t.secToken[1],
    threads: t.threads.filter((th) => th.active).length,
    names: t.space.used,
  }));
}

/** One row of macOS lsmp's table. */
export interface LsmpRow {
  name: string;
  ipcObject: string;
  rights: string;
  flags: string;
  boost: number;
  reqs: string;
  recv: number;
  send: number;
  sonce: number;
  oref: string;
  qlimit: string;
  msgcount: string;
  context: string;
  identifier: string;
  type: string;
  /** The bootstrap service names the port is registered under ("bootstrap" for launchd's own port), comma-separated. */
  service: string;
}

const hex = (n: number | bigint, w = 8): string => `0x${n.toString(16).padStart(w, "0")}`;

export function lsmpRows(k: Kernel, pid: number): { pid: number; name: string; rows: LsmpRow[] } | { error: string } {
  const task = k.tasks.get(pid);
  if (!task) return { error: `no task with pid ${pid}` };
  const space = task.space;
  const rows: LsmpRow[] = [];
  for (const [name, index] of [...space.entries()]) {
    const { type, urefs } = rightInfo(space, index);
    const obj = space.objs[index];
    const rights =
      type & MACH_PORT_TYPE_PORT_SET
        ? "port-set"
        : type & MACH_PORT_TYPE_DEAD_NAME
          ? "dead-name"
          : [type & MACH_PORT_TYPE_RECEIVE ? "recv" : "", type & MACH_PORT_TYPE_SEND ? "send" : "", type & MACH_PORT_TYPE_SEND_ONCE ? "send-once" : ""]
              .filter(Boolean)
              .join(",");
    const port = obj instanceof IpcPort ? obj : null;
    const pset = obj instanceof IpcPset ? obj : null;
    const recv = type & MACH_PORT_TYPE_RECEIVE;
    rows.push({
      name: hex(name),
      ipcObject: port ? hex(port.id) : pset ? hex(pset.id) : "-",
      rights,
      flags: [type & MACH_PORT_TYPE_DNREQUEST ? "D" : "-", port?.ext?.nsrequest ? "N" : "-", port?.ext?.pdrequest ? "P" : "-"].join(""),
      boost: 0,
      reqs: type & MACH_PORT_TYPE_DNREQUEST ? "D" : "",
      recv: recv ? 1 : 0,
      send: type & MACH_PORT_TYPE_SEND ? urefs : 0,
      sonce: type & MACH_PORT_TYPE_SEND_ONCE ? 1 : 0,
      oref: port && !recv && port.active ? "->" : "",
      qlimit: port && recv ? String(port.qlimit) : "",
      msgcount: port && recv ? String(port.msgcount) : "",
      context: port && recv ? hex(port.ext?.context ?? 0n, 16) : "",
      identifier: port ? hex(port.id) : "",
      type: port ? (port.kotype ? ikotName(port.kotype).replace("IKOT_", "") : recv ? "" : portOwner(k, port)) : pset ? `(${pset.members.size} members)` : "",
      service: port && k.bootstrap ? k.bootstrap.describe(port) : "",
    });
  }
  return { pid, name: task.name, rows };
}

export function hostReport(k: Kernel): Record<string, unknown> {
  const basic = hostInfo(k, 1, 12).info;
  return {
    kernelVersion: k.options.kernelVersion,
    arch: k.options.arch,
    maxCpus: basic[0],
    availCpus: basic[1],
    memorySize: basic[2],
    cpuType: basic[3],
    cpuSubtype: basic[4],
    maxMem: (BigInt(basic[11] ?? 0) << 32n) + BigInt(basic[10] ?? 0) + "",
    processors: k.processors.map((p) => ({ slot: p.cpuId, master: p.isMaster, state: p.state })),
    tasks: k.tasks.size,
  };
}

export function traceLine(k: Kernel, kmsg: IpcKmsg, dest: IpcPort): string {
  const from = k.tasks.get(kmsg.senderTaskId)?.name ?? "kernel";
  const to = dest.kotype ? ikotName(dest.kotype) : portOwner(k, dest);
  return `${from} -> ${to}: ${k.registry.nameOf(kmsg.id)} (id ${kmsg.id}, ${kmsg.size} bytes)`;
}
