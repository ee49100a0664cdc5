/** Name spaces in words: what a task's names hold, for the demo and listings. */
import { ikotName } from "../abi/ikot.js";
import {
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from "../abi/port.js";
import { rightInfo } from "../ipc/mach_port.js";
import { IpcPort, IpcPset } from "../ipc/port.js";
import type { Kernel } from "../kern/kernel.js";
import type { Task } from "../kern/task.js";

export interface EntryRow {
  name: number;
  rights: string[];
  urefs: number;
  /** What the right refers to: a kernel object, another task's port, a port set. */
  object: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Who holds the receive right of `port`, in words. */
export function portOwner(kernel: Kernel, port: IpcPort): string {
  if (!port.active) return "a dead port";
  if (port.kotype !== 0) return `the kernel's ${ikotName(port.kotype)} port`;
  if (port.receiver === null) return "a port whose receive right is in a message";
  for (const t of kernel.tasks.values()) if (t.space === port.receiver) return `${t.name}'s port ${hex(port.receiverName)}`;
  return "a kernel-held port";
}

export function spaceRows(kernel: Kernel, task: Task): EntryRow[] {
  const rows: EntryRow[] = [];
  const space = task.space;
  for (const [name, index] of [...space.entries()]) {
    const { type, urefs } = rightInfo(space, index);
    const rights: string[] = [];
    if (type & MACH_PORT_TYPE_RECEIVE) rights.push("receive");
    if (type & MACH_PORT_TYPE_SEND) rights.push("send");
    if (type & MACH_PORT_TYPE_SEND_ONCE) rights.push("send-once");
    if (type & MACH_PORT_TYPE_PORT_SET) rights.push("port set");
    if (type & MACH_PORT_TYPE_DEAD_NAME) rights.push("dead name");
    const obj = space.objs[index];
    const object =
      obj instanceof IpcPort
        ? type & MACH_PORT_TYPE_RECEIVE
          ? obj.kotype !== 0
            ? ikotName(obj.kotype)
            : "its own port"
          : portOwner(kernel, obj)
        : obj instanceof IpcPset
          ? `${obj.members.size} member(s)`
          : "";
    rows.push({ name, rights, urefs, object });
  }
  return rows;
}

/** "0x103 send (1 ref) -> the kernel's IKOT_TASK port" lines. */
export function describeSpace(kernel: Kernel, task: Task): string[] {
  const rows = spaceRows(kernel, task);
  if (rows.length === 0) return ["(no names)"];
  return rows.map((r) => {
    const refs = r.rights.includes("send") || r.rights.includes("dead name") ? ` (${r.urefs} ref${r.urefs === 1 ? "" : "s"})` : "";
    return `${hex(r.name).padEnd(8)} ${r.rights.join(" + ")}${refs}${r.object ? ` -> ${r.object}` : ""}`;
  });
}
