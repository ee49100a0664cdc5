/**
 * The right-accounting invariant, checked over a whole kernel:
 * - every port's srights and sorights equal the rights held for it in all
 *   spaces, in queued messages, in notification requests and by the kernel;
 * - every live port's receive right has exactly one holder (a space entry,
 *   a message in transit, or the kernel), and a space's receive entry is the
 *   port's own record of where it lives;
 * - no live entry names a dead port except as a not-yet-checked dead name;
 * - no two entries of one space hold send rights for the same port, and the
 *   reverse hash agrees with the table.
 */
import { MACH_MSG_TYPE_PORT_RECEIVE, MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE, msghBitsLocal, msghBitsRemote } from "../abi/message.js";
import { MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND, MACH_PORT_TYPE_SEND_ONCE } from "../abi/port.js";
import { KDESC_PORT_RUN, type IpcKmsg } from "./kmsg.js";
import { queuedMessages } from "./mqueue.js";
import { IpcPort, IpcPset, ipValid, type PortRef } from "./port.js";
import { IE_BITS_TYPE_MASK, IE_BITS_UREFS_MASK, type IpcSpace } from "./space.js";

export interface KernelRights {
  /** Every space whose entries hold rights (task spaces). */
  spaces: Iterable<IpcSpace>;
  /** Naked send rights kept by kernel objects. */
  sendRights: Iterable<PortRef>;
  /** Naked send-once rights kept by the kernel (pending kernel RPCs). */
  sendOnceRights?: Iterable<PortRef>;
  /** Ports whose receive right the kernel holds (kernel objects, kernel reply ports). */
  kernelPorts: Iterable<IpcPort>;
  /** Messages the kernel holds outside any queue (in flight in a kernel RPC). */
  heldMessages?: Iterable<IpcKmsg>;
}

interface Tally {
  s: number;
  so: number;
  recv: string[];
}

export class InvariantViolation extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`right accounting broken:\n  ${problems.slice(0, 20).join("\n  ")}${problems.length > 20 ? `\n  ... ${problems.length - 20} more` : ""}`);
    this.problems = problems;
  }
}

/** Check the invariant; returns the list of problems (empty when it holds). */
export function findViolations(k: KernelRights): string[] {
  const problems: string[] = [];
  const tally = new Map<IpcPort, Tally>();
  const work: IpcPort[] = [];
  const t = (p: IpcPort): Tally => {
    let x = tally.get(p);
    if (!x) {
      x = { s: 0, so: 0, recv: [] };
      tally.set(p, x);
      work.push(p);
    }
    return x;
  };
  const countCarried = (p: PortRef, type: number, where: string): void => {
    if (!ipValid(p)) return;
    const x = t(p);
    if (type === MACH_MSG_TYPE_PORT_SEND) x.s++;
    else if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) x.so++;
    else if (type === MACH_MSG_TYPE_PORT_RECEIVE) {
      x.recv.push(where);
      if (p.active && p.receiver !== null) problems.push(`${p} is in a message (${where}) but has receiver space ${p.receiver.id}`);
    }
  };
  const countMessage = (m: IpcKmsg, where: string): void => {
    countCarried(m.remote, msghBitsRemote(m.bits), `${where} header dest`);
    countCarried(m.local, msghBitsLocal(m.bits), `${where} header reply`);
    if (m.descs)
      for (const d of m.descs) {
        if (d.kind === 0) countCarried(d.port, d.type, `${where} descriptor`);
        else if (d.kind === 2) for (const p of d.ports) countCarried(p, d.type, `${where} ool ports`);
        else if (d.kind === KDESC_PORT_RUN) for (const p of d.ports) countCarried(p, d.type, `${where} descriptor`);
      }
  };

  for (const space of k.spaces) {
    const seenSend = new Map<IpcPort, number>();
    for (const [name, index] of space.entries()) {
      const bits = space.bits[index]!;
      const type = bits & IE_BITS_TYPE_MASK;
      const urefs = bits & IE_BITS_UREFS_MASK;
      const obj = space.objs[index];
      const where = `space ${space.id} name 0x${name.toString(16)}`;
      if (type & MACH_PORT_TYPE_PORT_SET) {
        if (!(obj instanceof IpcPset) || obj.name !== name || obj.space !== space) problems.push(`${where}: bad port set entry`);
        continue;
      }
      if (type === MACH_PORT_TYPE_DEAD_NAME) {
        if (obj !== null) problems.push(`${where}: dead name still refers to ${obj}`);
        if (urefs === 0) problems.push(`${where}: dead name with no user references`);
        continue;
      }
      if (!(obj instanceof IpcPort)) {
        problems.push(`${where}: entry of type 0x${type.toString(16)} without a port`);
        continue;
      }
      const x = t(obj);
      if (type & MACH_PORT_TYPE_SEND) {
        x.s++;
        if (urefs === 0) problems.push(`${where}: send right with no user references`);
        const other = seenSend.get(obj);
        if (other !== undefined) problems.push(`${where}: second send entry for ${obj} (also 0x${other.toString(16)})`);
        seenSend.set(obj, name);
        if (!(type & MACH_PORT_TYPE_RECEIVE) && obj.active && space.sendHash.get(obj) !== name) problems.push(`${where}: send right missing from the reverse hash`);
      }
      if (type & MACH_PORT_TYPE_SEND_ONCE) {
        x.so++;
        if (type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)) problems.push(`${where}: send-once combined with other rights`);
      }
      if (type & MACH_PORT_TYPE_RECEIVE) {
        x.recv.push(where);
        if (!obj.active) problems.push(`${where}: receive right for dead ${obj}`);
        if (obj.receiver !== space || obj.receiverName !== name) problems.push(`${where}: ${obj} thinks its receive right is elsewhere`);
      }
      if (!obj.active && type & MACH_PORT_TYPE_RECEIVE) problems.push(`${where}: live right to dead ${obj}`);
    }
    for (const [port, name] of space.sendHash) {
      const index = space.lookup(name);
      if (index < 0 || space.objs[index] !== port) problems.push(`space ${space.id}: stale reverse hash entry 0x${name.toString(16)} for ${port}`);
    }
  }
  for (const p of k.sendRights) if (ipValid(p)) t(p).s++;
  if (k.sendOnceRights) for (const p of k.sendOnceRights) if (ipValid(p)) t(p).so++;
  for (const p of k.kernelPorts) {
    if (!p.active) continue;
    const x = t(p);
    x.recv.push("kernel");
    if (p.receiver === null || p.receiver.kind === "user") problems.push(`${p} is a kernel port but its receiver is ${p.receiver?.kind ?? "none"}`);
  }
  if (k.heldMessages) for (const m of k.heldMessages) countMessage(m, "kernel-held message");

  // Follow queues and notification requests of every port found, transitively.
  for (let i = 0; i < work.length; i++) {
    const p = work[i]!;
    for (const m of queuedMessages(p)) countMessage(m, `message queued on ${p}`);
    const x = p.ext;
    if (x) {
      if (x.nsrequest) t(x.nsrequest).so++;
      if (x.pdrequest) t(x.pdrequest).so++;
      if (x.requests) for (const r of x.requests) if (r.notify) t(r.notify).so++;
    }
  }

  for (const [p, x] of tally) {
    if (p.srights !== x.s) problems.push(`${p}: srights ${p.srights}, but ${x.s} send rights are held`);
    if (p.sorights !== x.so) problems.push(`${p}: sorights ${p.sorights}, but ${x.so} send-once rights are held`);
    if (p.srights < 0 || p.sorights < 0) problems.push(`${p}: negative right count`);
    if (p.active) {
      if (x.recv.length !== 1) problems.push(`${p}: ${x.recv.length} receive-right holders (${x.recv.join("; ")})`);
    } else if (x.recv.length !== 0) problems.push(`dead ${p} still has a receive right (${x.recv.join("; ")})`);
  }
  return problems;
}

export function assertInvariants(k: KernelRights): void {
  const problems = findViolations(k);
  if (problems.length > 0) throw new InvariantViolation(problems);
}
