/**
 * Kernel objects bound to ports, and ipc_kobject_server: the synchronous MIG
 * dispatch of a message sent to a kernel port. As in XNU the routine is found
 * by msgh_id alone; the destination's kind only matters to the routine's own
 * conversion, which turns a port of the wrong kind into a null object.
 */
import { KERN_SUCCESS, MIG_BAD_ID, MIG_NO_REPLY } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_COMPLEX, msghBitsLocal, msghBitsRemote, msghBitsSet } from "../abi/message.js";
import { MACH_NOTIFY_FIRST, MACH_NOTIFY_LAST } from "../abi/port.js";
import { MACH_MSG_HEADER, NDR_RECORD } from "../abi/msg_layout.js";
import { newBytes, viewOf } from "../abi/layout.js";
import { IpcKmsg, KERNEL_AUDIT_TOKEN, KERNEL_SECURITY_TOKEN } from "../ipc/kmsg.js";
import { kmsgDestroy } from "../ipc/kmsg_destroy.js";
import { kmsgDataRelease, kmsgReusable } from "../ipc/kmsg_buffer.js";
import { IpcPort, ipValid } from "../ipc/port.js";
import { destroyCarriedRight, portReleaseSend, portReleaseSendOnce } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import type { Routine } from "../mig/routine.js";
import { NO_OUTS } from "../mig/routine_fast.js";
import type { PortArg } from "../mig/types.js";
import type { MsgCounts } from "../ipc/msg_counters.js";

/** Allocate a kernel port (ipc_port_alloc_kernel) and bind an object to it (ipc_kobject_set). */
export function kobjectAlloc(kernelSpace: IpcSpace, kotype: number, kobject: unknown): IpcPort {
  const port = new IpcPort(kernelSpace);
  port.kotype = kotype;
  port.kobject = kobject;
  return port;
}

/** ipc_kobject_set on an existing kernel port. */
export function kobjectSet(port: IpcPort, kotype: number, kobject: unknown): void {
  port.kotype = kotype;
  port.kobject = kobject;
}

/** What a routine handler is given besides its arguments. */
export interface KobjectCall<K = unknown, T = unknown> {
  kernel: K;
  /** The request's destination: the kernel port the routine was sent to. */
  port: IpcPort;
  /** The task that sent the request, or null for the kernel itself. */
  caller: T | null;
  kmsg: IpcKmsg;
}

/** A reply of the mig_reply_error_t shape (36 bytes) carrying `kr`. */
export function errorReplyData(id: number, kr: number): Uint8Array {
  const data = newBytes(36);
  const view = viewOf(data);
  MACH_MSG_HEADER.write(view, 0, { size: 36, id });
  data.set(NDR_RECORD, 24);
  view.setInt32(32, kr, true);
  return data;
}

/** MIG ids below this are found by index; the few above (none today) through the map. */
const MAX_INDEXED_ID = 1 << 14;

export class MigRegistry<C> {
  readonly routines = new Map<number, Routine<C>>();
  /** Subsystem ranges, for names in traces: [base, end, name]. */
  readonly subsystems: [number, number, string][] = [];

  /** Routines by name ("mach_port_allocate"). */
  readonly byName = new Map<string, Routine<C>>();
  /**
   * The same routines indexed by MIG id: the dispatch of every kernel RPC finds its routine here.
   * Kept dense (every slot up to the highest id written, undefined where no routine is): an array
   * filled at scattered indices turns into a dictionary, whose lookup was 3% of a null RPC.
   */
  private readonly byId: (Routine<C> | undefined)[] = [];

  add(subsystem: string, base: number, end: number, routines: Routine<C>[]): void {
    this.subsystems.push([base, end, subsystem]);
    for (const r of routines) {
      if (r.id < base || r.id >= end) throw new Error(`${r.name}: id ${r.id} outside ${subsystem} [${base}, ${end})`);
      if (this.routines.has(r.id)) throw new Error(`MIG id ${r.id} registered twice`);
      this.routines.set(r.id, r);
      this.byName.set(r.name, r);
      if (r.id >= 0 && r.id < MAX_INDEXED_ID) {
        while (this.byId.length <= r.id) this.byId.push(undefined);
        this.byId[r.id] = r;
      }
    }
  }

  /** The routine with MIG id `id` (ipc_kobject_server's lookup), if any. */
  routineOf(id: number): Routine<C> | undefined {
    return id >= 0 && id < MAX_INDEXED_ID ? (id < this.byId.length ? this.byId[id] : undefined) : this.routines.get(id);
  }

  /** A routine by MIG id or by name. */
  find(routine: number | string): Routine<C> | undefined {
    return typeof routine === "number" ? this.routines.get(routine) : this.byName.get(routine);
  }

  /** "host_get_special_port" for 412, "reply to ..." for 512, else the number. */
  nameOf(id: number): string {
    const r = this.routines.get(id);
    if (r) return r.name;
    const q = this.routines.get(id - 100);
    if (q) return `${q.name} reply`;
    return `msgh_id ${id}`;
  }
}

export interface ServerHooks<C> {
  registry: MigRegistry<C>;
  /** Build the context for a call (the kernel resolves the caller from the message). */
  context(port: IpcPort, kmsg: IpcKmsg): C;
  /** ipc_kobject_notify: a notification from the kernel to a kernel port; true when it was one the port's kind takes. */
  notify?(port: IpcPort, kmsg: IpcKmsg): boolean;
  /**
   * The serving task's counts (kernel_task's): ipc_kobject_server counts a request received when
   * a routine (or a notification the port takes) served it, and a message sent for every request
   * it gets as far as the routine, whether a reply goes or not.
   */
  counts?: MsgCounts;
}

/**
 * ipc_kobject_server. Consumes the request; returns the reply to send, or null.
 * Ownership follows the kernel's MIG rules: on success the routine keeps what
 * it was given (and conversion-typed ports are released by the stub); on
 * failure the request is destroyed except for its reply port.
 */
/**
 * The request's destination right is used up by the delivery: a send-once right is released,
 * not destroyed (destroying it would send a send-once notification back here, a loop).
 */
function releaseDestination(dest: IpcPort, type: number): void {
  if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) portReleaseSendOnce(dest);
  else destroyCarriedRight(dest, type);
}


export function kobjectServe<C>(hooks: ServerHooks<C>, kmsg: IpcKmsg): IpcKmsg | null {
  const dest = kmsg.remote as IpcPort;
  const destType = msghBitsRemote(kmsg.bits);
  const replyType = msghBitsLocal(kmsg.bits);
  const replyPort = kmsg.local;
  const replyId = kmsg.id + 100;
  const routine = hooks.registry.routineOf(kmsg.id);

  let kr: number = KERN_SUCCESS;
  let reply: IpcKmsg | null = null;
  let args: Record<string, unknown> | null = null;

  if (!routine) {
    // Only the kernel's own security and audit tokens make a notification (a uid 0, gid 1 task is not the kernel).
    const isKernelSender =
      kmsg.secToken[0] === KERNEL_SECURITY_TOKEN[0] && kmsg.secToken[1] === KERNEL_SECURITY_TOKEN[1] && kmsg.auditToken.every((w, i) => w === KERNEL_AUDIT_TOKEN[i]);
    if (isKernelSender && kmsg.id >= MACH_NOTIFY_FIRST && kmsg.id <= MACH_NOTIFY_LAST) {
      releaseDestination(dest, destType);
      kmsg.remote = null;
      const taken = hooks.notify?.(dest, kmsg) ?? false;
      const c = hooks.counts;
      if (c !== undefined) {
        if (taken) c.messagesReceived++;
        c.messagesSent++;
      }
      kmsgDestroy(kmsg);
      return null;
    }
    kr = MIG_BAD_ID;
    if (hooks.counts !== undefined) hooks.counts.messagesSent++;
  } else {
    const c = hooks.counts;
    if (c !== undefined) {
      c.messagesReceived++;
      c.messagesSent++;
    }
    const serve = routine.serveFast();
    if (serve !== null) {
      // The routine's own decoder, handler call and encoder in one function (routine_fast.ts).
      const r = serve(hooks, dest, kmsg);
      if (typeof r === "number") kr = r;
      else reply = r;
    } else {
      const decoded = routine.decode(kmsg);
      if (typeof decoded === "number") kr = decoded;
      else {
        args = decoded;
        const res = routine.handler(hooks.context(dest, kmsg), decoded);
        let outs: Record<string, unknown> | null = null;
        if (typeof res === "number") {
          kr = res;
          if (kr === KERN_SUCCESS) outs = NO_OUTS;
        } else {
          kr = routine.resultCode(res);
          if (kr === KERN_SUCCESS) outs = res;
        }
        if (outs !== null) {
          // The request is served: nothing holds its bytes (arguments were copied out of them), and
          // the reply is made in its IpcKmsg when nothing else refers to it (which gives them back).
          const into = kmsgReusable(kmsg) ? kmsg : null;
          if (into === null) kmsgDataRelease(kmsg);
          reply = routine.encodeReply(decoded, outs, into);
        }
      }
    }
  }

  // The destination right has done its job.
  releaseDestination(dest, destType);
  if (reply !== kmsg) {
    kmsg.remote = null;
    kmsg.local = null;
  }

  if (kr === MIG_NO_REPLY) {
    destroyCarriedRight(replyPort, replyType);
    return null;
  }
  if (kr !== KERN_SUCCESS) {
    // Simple reply with a non-zero RetCode: everything the request carried is released.
    kmsgDestroy(kmsg);
  } else if (routine && args) {
    // Conversion-typed in-ports are released by the stub once the routine has succeeded.
    for (const p of routine.intranIns) {
      const a = args[p.name] as PortArg | undefined;
      if (a && ipValid(a.port)) portReleaseSend(a.port);
    }
  }

  // The request is served (when the reply is not made in it, its bytes are given back here).
  if (reply !== kmsg) kmsgDataRelease(kmsg);
  // The reply is the routine's message (body and descriptors), or the mig_reply_error_t.
  if (!reply) reply = new IpcKmsg(errorReplyData(replyId, kr));
  reply.id = replyId;
  reply.bits = msghBitsSet(replyType, 0, 0, reply.bits & MACH_MSGH_BITS_COMPLEX);
  reply.remote = replyPort;
  reply.local = null;
  // The header is the message's fields (kmsg.ts): copyout writes it from them, and nothing reads
  // the data's first 24 bytes, so they are not written here.
  if (!ipValid(replyPort)) {
    kmsgDestroy(reply);
    return null;
  }
  return reply;
}
