/**
 * What the server's admin commands report: the task list, a task's name space
 * with what lsmp (system_cmds-671.10.3) shows for each name, the host as
 * hostinfo sees it, and trace lines. Plain data (JSON on the wire); the CLI
 * lays it out (src/cli/lsmp_format.ts, src/cli/hostinfo_format.ts).
 */
import { ikotName, IKOT_TASK, IKOT_TASK_NAME, IKOT_TASK_RESUME } from "../abi/ikot.js";
import { EXC_MASK_ALL, EXC_TYPES_COUNT } from "../abi/exception.js";
import * as H from "../abi/host.js";
import {
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from "../abi/port.js";
import { hostInfo, processorSetInfo, processorSetStatistics } from "../kern/host_info.js";
import { threadInfo } from "../kern/task_info.js";
import { decodeInfo, THREAD_IDENTIFIER_INFO } from "../abi/info.js";
import { KDESC_PORT_RUN, type IpcKmsg } from "../ipc/kmsg.js";
import { machPortGetSetStatus, objectToken, portStatus, rightInfo } from "../ipc/mach_port.js";
import { IpcPort, ipValid, type PortRef } from "../ipc/port.js";
import type { IpcSpace } from "../ipc/space.js";
import type { Kernel } from "../kern/kernel.js";
import type { Task } from "../kern/task.js";
import type { ExceptionAction } from "../kern/exc_action.js";
import { portOwner } from "../cli/describe.js";

export interface TaskSummary {
  pid: number;
  name: string;
  uid: number;
  gid: number;
  threads: number;
  names: number;
  /** Bytes of the task's memory the server holds itself (out-of-line regions on their way to or from it). */
  heldBytes: number;
}

export function taskList(k: Kernel, tasks: Iterable<Task> = k.tasks.values()): TaskSummary[] {
  return [...tasks].map((t) => ({
    pid: t.pid,
    name: t.name,
    uid: t.secToken[0],
    gid: t.secToken[1],
    threads: t.threads.filter((th) => th.active).length,
    names: t.space.used,
    heldBytes: t.vm.mappedBytes(),
  }));
}

/** A task as lsmp names it: pid and process name. */
export interface TaskRef {
  pid: number;
  process: string;
}

/** mach_port_status_t plus the context and boost lsmp shows beside it. */
export interface PortStatusView {
  /** MACH_PORT_STATUS_FLAG_* bits (T G S I R P). */
  flags: number;
  boost: number;
  nsrequest: boolean;
  pdrequest: boolean;
  sorights: number;
  /** Whether any send right exists (mps_srights). */
  srights: boolean;
  qlimit: number;
  msgcount: number;
  /** mach_port_context_t, as 0x-hex (64 bits do not survive JSON as numbers). */
  context: string;
}

/** One entry of a space, as mach_port_space_info's ipc_info_name_t has it. */
export interface NameInfo {
  name: number;
  /** iin_object: the same token for every name of one port, in every task. */
  object: number;
  /** MACH_PORT_TYPE_* bits, with MACH_PORT_TYPE_DNREQUEST. */
  type: number;
  urefs: number;
}

export interface LsmpEntry extends NameInfo {
  /** Receive rights: the port's status. */
  status?: PortStatusView;
  /** Receive rights: every other name for the same port, in each task listed. */
  holders?: (NameInfo & { task: TaskRef })[];
  /** Send rights to a kernel object: its type and identity (and for task ports, which task). */
  kobject?: { kotype: number; identifier: number; task?: TaskRef & { self: boolean } };
  /** Send rights to an ordinary port: who holds its receive right (null: nobody listed). */
  receiver?: { task: TaskRef; name: number; status: PortStatusView } | null;
  /** Port sets: the member receive rights, in the order mach_port_get_set_status gives. */
  members?: (NameInfo & { status: PortStatusView })[];
  /** The bootstrap service names the port is registered under ("bootstrap" for launchd's own port), comma-separated. */
  service?: string;
  /** Receive rights: the first queued messages (at most MESSAGES_SHOWN), with the rights each carries. */
  messages?: QueuedMessage[];
  /** Send rights to a port whose receive right is itself in a message: the port whose queue holds it. */
  transit?: { queue: number };
}

/** A message waiting in a queue, and the rights it carries (by the ports' object tokens). */
export interface QueuedMessage {
  id: number;
  size: number;
  rights: { object: number; type: number }[];
}

/** How many queued messages a listing describes per port (the count is always exact). */
export const MESSAGES_SHOWN = 16;

function queuedMessages(port: IpcPort): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (let m = port.mqueue?.head ?? null; m && out.length < MESSAGES_SHOWN; m = m.next) {
    const rights: QueuedMessage["rights"] = [];
    // The reply right in the header, then each descriptor's.
    if (ipValid(m.local)) rights.push({ object: objectToken(m.local), type: (m.bits >>> 8) & 0x1f });
    for (const d of m.descs ?? []) {
      if (d.kind === 0 && ipValid(d.port)) rights.push({ object: objectToken(d.port), type: d.type });
      else if (d.kind === 2 || d.kind === KDESC_PORT_RUN) for (const p of d.ports) if (ipValid(p)) rights.push({ object: objectToken(p), type: d.type });
    }
    out.push({ id: m.id, size: m.size, rights });
  }
  return out;
}

/** An exception port slot group as task_get_exception_ports / thread_get_exception_ports return it. */
export interface ExceptionPortView {
  /** The port's ipc-object token (lsmp shows a name in its own space; there is no such space here). */
  port: number;
  mask: number;
  behavior: number;
  flavor: number;
  /** Who holds the receive right, if a listed task does. */
  receiver?: { task: TaskRef; name: number };
}

export interface LsmpThread {
  /** The thread object's identity (Thread_KObject). */
  kobject: number;
  /** thread_identifier_info's thread_id, as 0x-hex. */
  id: string;
  /** null while the thread has no exception actions (thread_get_exception_ports returns none). */
  exceptionPorts: ExceptionPortView[] | null;
}

export interface LsmpReport extends TaskRef {
  entries: LsmpEntry[];
  exceptionPorts: ExceptionPortView[];
  threads: LsmpThread[];
}

const kobjectIds = new WeakMap<object, number>();
let nextKobjectId = 1;
/** A stable identity for a kernel object (lsmp's kobject column; a DEVELOPMENT kernel's unslid address). */
export function kobjectIdentifier(obj: unknown): number {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return 0;
  let id = kobjectIds.get(obj);
  if (id === undefined) kobjectIds.set(obj, (id = (0xf0000000 | (nextKobjectId++ << 4)) >>> 0));
  return id;
}

const ref = (t: Task): TaskRef => ({ pid: t.pid, process: t.name });

export function statusOf(port: IpcPort): PortStatusView {
  const [, , , qlimit, msgcount, sorights, srights, pdrequest, nsrequest, flags] = portStatus(port);
  return {
    flags: flags!,
    boost: 0,
    nsrequest: nsrequest !== 0,
    pdrequest: pdrequest !== 0,
    sorights: sorights!,
    srights: srights !== 0,
    qlimit: qlimit!,
    msgcount: msgcount!,
    context: `0x${(port.ext?.context ?? 0n).toString(16)}`,
  };
}

function nameInfo(space: IpcSpace, name: number, index: number): NameInfo {
  const { type, urefs } = rightInfo(space, index);
  return { name, object: objectToken(space.objs[index]), type, urefs };
}

/** Every name of every listed task, by object token: lsmp's cross-reference of the tables. */
function indexByObject(tasks: Task[]): Map<number, (NameInfo & { task: Task })[]> {
  const out = new Map<number, (NameInfo & { task: Task })[]>();
  for (const t of tasks)
    for (const [name, index] of [...t.space.entries()]) {
      const info = nameInfo(t.space, name, index);
      if (info.object === 0) continue;
      let list = out.get(info.object);
      if (!list) out.set(info.object, (list = []));
      list.push({ ...info, task: t });
    }
  return out;
}

function exceptionPorts(actions: ExceptionAction[], byObject: Map<number, (NameInfo & { task: Task })[]>): ExceptionPortView[] {
  // As task_get_exception_ports(EXC_MASK_ALL): slots with the same port, behavior and flavor share one mask.
  const out: (ExceptionPortView & { ref: PortRef })[] = [];
  for (let i = 1; i < EXC_TYPES_COUNT; i++) {
    if (!(EXC_MASK_ALL & (1 << i))) continue;
    const a = actions[i]!;
    const same = out.find((o) => o.ref === a.port && o.behavior === a.behavior && o.flavor === a.flavor);
    if (same) same.mask = (same.mask | (1 << i)) >>> 0;
    else out.push({ ref: a.port, port: objectToken(a.port), mask: 1 << i, behavior: a.behavior >>> 0, flavor: a.flavor });
  }
  return out
    .filter((o) => ipValid(o.ref))
    .map(({ ref: _port, ...o }) => {
      const r = byObject.get(o.port)?.find((e) => e.type & MACH_PORT_TYPE_RECEIVE);
      return r ? { ...o, receiver: { task: ref(r.task), name: r.name } } : o;
    });
}

/**
 * The lsmp view of `task`'s space, cross-referenced against `tasks` (the tasks
 * the caller may see, as lsmp run as root sees every task).
 */
export function lsmpReport(k: Kernel, task: Task, tasks: Task[] = [...k.tasks.values()]): LsmpReport {
  const byObject = indexByObject(tasks.includes(task) ? tasks : [...tasks, task]);
  const space = task.space;
  const entries: LsmpEntry[] = [];
  for (const [name, index] of [...space.entries()]) {
    const info = nameInfo(space, name, index);
    const entry: LsmpEntry = { ...info };
    const obj = space.objs[index];
    if (info.type & MACH_PORT_TYPE_PORT_SET) {
      const members = machPortGetSetStatus(space, name).members ?? [];
      entry.members = members.map((m) => {
        const i = space.lookup(m);
        return { ...nameInfo(space, m, i), status: statusOf(space.objs[i] as IpcPort) };
      });
    } else if (obj instanceof IpcPort && info.type & MACH_PORT_TYPE_RECEIVE) {
      entry.status = statusOf(obj);
      if (obj.msgcount > 0) entry.messages = queuedMessages(obj);
      entry.holders = (byObject.get(info.object) ?? [])
        .filter((e) => !(e.task === task && e.name === name))
        .map(({ task: t, ...e }) => ({ ...e, task: ref(t) }));
    } else if (obj instanceof IpcPort && info.type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) {
      // mach_port_kernel_object answers for send rights only, as lsmp asks it.
      if (obj.kotype !== 0 && obj.active && info.type & MACH_PORT_TYPE_SEND) {
        const kobject: LsmpEntry["kobject"] = { kotype: obj.kotype, identifier: kobjectIdentifier(obj.kobject) };
        if (obj.kotype === IKOT_TASK || obj.kotype === IKOT_TASK_NAME || obj.kotype === IKOT_TASK_RESUME) {
          const owner = [...k.tasks.values()].find((t) => t === obj.kobject);
          kobject.task = owner ? { ...ref(owner), self: owner === task } : { pid: -1, process: "Unknown", self: false };
        }
        entry.kobject = kobject;
      } else {
        const r = (byObject.get(info.object) ?? []).find((e) => e.type & MACH_PORT_TYPE_RECEIVE);
        entry.receiver = r ? { task: ref(r.task), name: r.name, status: statusOf(obj) } : null;
        if (!r && obj.inTransit && obj.destination) entry.transit = { queue: objectToken(obj.destination) };
      }
    }
    const service = obj instanceof IpcPort && k.bootstrap ? k.bootstrap.describe(obj) : "";
    if (service) entry.service = service;
    entries.push(entry);
  }
  return {
    ...ref(task),
    entries,
    exceptionPorts: exceptionPorts(task.excActions, byObject),
    threads: task.threads
      .filter((th) => th.active)
      .map((th) => ({
        kobject: kobjectIdentifier(th),
        id: `0x${decodeInfo("thread_info", THREAD_IDENTIFIER_INFO, threadInfo(th, THREAD_IDENTIFIER_INFO, 6).info).threadId.toString(16)}`,
        exceptionPorts: th.excActions ? exceptionPorts(th.excActions, byObject) : null,
      })),
  };
}

/** lsmp -p PID: the report, or why there is none. */
export function lsmpRows(k: Kernel, pid: number, tasks?: Task[]): LsmpReport | { error: string } {
  const task = k.tasks.get(pid);
  if (!task || (tasks && !tasks.includes(task))) return { error: `no task with pid ${pid}` };
  return lsmpReport(k, task, tasks);
}

/** lsmp -a: every listed task's report, in the order processor_set_tasks gives (creation). */
export function lsmpAll(k: Kernel, tasks: Task[] = [...k.tasks.values()]): LsmpReport[] {
  return tasks.map((t) => lsmpReport(k, t, tasks));
}

/** What hostinfo prints, from the same routines it calls (host_basic_info, processor_set_info/statistics). */
export interface HostReport {
  kernelVersion: string;
  arch: string;
  maxCpus: number;
  availCpus: number;
  /** The legacy 32-bit memory_size (capped at 2 GiB). */
  memorySize: number;
  cpuType: number;
  cpuSubtype: number;
  cpuThreadtype: number;
  physicalCpu: number;
  physicalCpuMax: number;
  logicalCpu: number;
  logicalCpuMax: number;
  /** max_mem (hw.memsize), decimal: 64 bits do not survive JSON as numbers. */
  maxMem: string;
  pset: { processorCount: number; taskCount: number; threadCount: number; loadAverage: number; machFactor: number };
  processors: { slot: number; master: boolean; state: number; stateName: string }[];
}

/** osfmk/kern/processor.h's states, by value, in words. */
const PROCESSOR_STATES = ["off line", "shutting down", "starting", "inactive", "idle", "dispatching", "running"];

export function hostReport(k: Kernel): HostReport {
  const b = decodeInfo("host_info", H.HOST_BASIC_INFO, hostInfo(k, H.HOST_BASIC_INFO, H.HOST_BASIC_INFO_COUNT).info);
  const basic = decodeInfo("processor_set_info", H.PROCESSOR_SET_BASIC_INFO, processorSetInfo(k, H.PROCESSOR_SET_BASIC_INFO, 5).info);
  const load = decodeInfo("processor_set_statistics", H.PROCESSOR_SET_LOAD_INFO, processorSetStatistics(k, H.PROCESSOR_SET_LOAD_INFO, 4).info);
  return {
    kernelVersion: k.options.kernelVersion,
    arch: k.options.arch,
    maxCpus: b.maxCpus,
    availCpus: b.availCpus,
    memorySize: b.memorySize,
    cpuType: b.cpuType,
    cpuSubtype: b.cpuSubtype,
    cpuThreadtype: b.cpuThreadtype,
    physicalCpu: b.physicalCpu,
    physicalCpuMax: b.physicalCpuMax,
    logicalCpu: b.logicalCpu,
    logicalCpuMax: b.logicalCpuMax,
    maxMem: b.maxMem.toString(),
    pset: { processorCount: basic.processorCount, taskCount: load.taskCount, threadCount: load.threadCount, loadAverage: load.loadAverage, machFactor: load.machFactor },
    processors: k.processors.map((p) => ({ slot: p.cpuId, master: p.isMaster, state: p.state, stateName: PROCESSOR_STATES[p.state] ?? `state ${p.state}` })),
  };
}

export function traceLine(k: Kernel, kmsg: IpcKmsg, dest: IpcPort): string {
  const from = k.tasks.get(kmsg.senderTaskId)?.name ?? "kernel";
  const to = dest.kotype ? ikotName(dest.kotype) : portOwner(k, dest);
  return `${from} -> ${to}: ${k.registry.nameOf(kmsg.id)} (id ${kmsg.id}, ${kmsg.size} bytes)`;
}
