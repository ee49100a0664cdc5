/**
 * The bootstrap namespace, in launchd's role (launchd-842's core.c: the
 * job_mig_check_in2 / register2 / look_up2 / parent answers and their codes).
 *
 * launchd is a task of its own (pid 1, uid 0) so its rights sit in a space
 * like any server's and `lsmp 1` shows them: the bootstrap port's receive
 * right, a send right for every service, and the receive right of every
 * declared service nobody has checked in. Its one thread serves the bootstrap
 * subsystem (src/subsystems/bootstrap.ts) from a port set holding the
 * bootstrap port and its notification port, taking messages off the queue
 * as launchd's runtime does and answering through the same MIG dispatch the
 * kernel's own objects use.
 *
 * Services, as launchd keeps them (struct machservice):
 * - registered (bootstrap_register) or made by an anonymous check_in: the
 *   task that made it is its job; launchd holds a send right with a dead-name
 *   request, and the name goes when the port dies or the task exits;
 * - declared in advance (`machipc serve --service NAME`, a plist's
 *   MachServices): launchd makes the receive right, look_up works at once
 *   (messages queue), the first task to check in gets the receive right, and
 *   a port-destroyed request brings it back to launchd, queued messages and
 *   all, when that task lets go or dies; the next task may then check in.
 */
import { BOOTSTRAP_MAX_NAME_LEN, BOOTSTRAP_NAME_IN_USE, BOOTSTRAP_NO_MEMORY, BOOTSTRAP_NOT_PRIVILEGED, BOOTSTRAP_SERVICE_ACTIVE, BOOTSTRAP_SUCCESS, BOOTSTRAP_UNKNOWN_SERVICE } from "../abi/bootstrap.js";
import { KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_MSG_SUCCESS, MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_PORT_RECEIVE, MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_RCV_MSG, MACH_SEND_KERNEL_DEFAULT, msghBitsRemote } from "../abi/message.js";
import { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_PORT_DESTROYED } from "../abi/port.js";
import { rdU32 } from "../abi/bytes.js";
import type { IpcKmsg } from "../ipc/kmsg.js";
import { kmsgDestroy } from "../ipc/kmsg_destroy.js";
import { machPortDestroy, machPortExtractRight, machPortMoveMember, machPortRequestNotification } from "../ipc/mach_port.js";
import { mqueueReceive, takeHandedOff } from "../ipc/mqueue.js";
import { ipValid, type IpcPort, type IpcPset } from "../ipc/port.js";
import type { PortArg } from "../mig/types.js";
import { allocPortSet, allocReceive, portCopySend, portDestroySendOnce, portMakeSend, portMakeSendOnce, portReleaseSend, portReleaseSendOnce, rightCopyout, rightDealloc } from "../ipc/right.js";
import { ipcKmsgSend } from "../ipc/send.js";
import { setTrapOwner, type TrapOwner } from "../ipc/current.js";
import { kobjectServe, MigRegistry, type ServerHooks } from "./ipc_kobject.js";
import type { Kernel, KernelCall } from "./kernel.js";
import type { Task } from "./task.js";

/** One service name (launchd's struct machservice). */
export interface MachService {
  readonly name: string;
  /** launchd's name for the port: its send right, and the receive right while launchd holds it. */
  lname: number;
  readonly port: IpcPort;
  /** The task (launchd's job) that registered or checked in the service; null when nobody holds a declared one. */
  owner: Task | null;
  /** Declared in advance: its receive right returns to launchd (port-destroyed) instead of the name dying. */
  readonly declared: boolean;
  /** machservice_active: checked in or registered. */
  active: boolean;
}

/** Bounds on what clients can make launchd hold (BOOTSTRAP_NO_MEMORY past them). */
export const BOOTSTRAP_MAX_SERVICES = 65536;
export const BOOTSTRAP_MAX_SERVICES_PER_TASK = 1024;

export type BootstrapRegistry = MigRegistry<KernelCall>;

/** Adds the bootstrap subsystem to launchd's registry (set by the package entry point, as the kernel's subsystems are). */
let installer: ((registry: BootstrapRegistry) => void) | null = null;
export function installBootstrapSubsystem(fn: (registry: BootstrapRegistry) => void): void {
  installer = fn;
}

export class BootstrapServer {
  readonly launchd: Task;
  /** The bootstrap port (its receive right is launchd's). */
  readonly port: IpcPort;
  private readonly notifyPort: IpcPort;
  private readonly pset: IpcPset;
  private readonly services = new Map<string, MachService>();
  private readonly hooks: ServerHooks<KernelCall>;

  constructor(readonly kernel: Kernel) {
    // launchd's demux knows only its own subsystem: any other id is MIG_BAD_ID.
    const registry: BootstrapRegistry = new MigRegistry();
    if (installer) installer(registry);
    this.launchd = kernel.createTask({ pid: 1, uid: 0, gid: 0, name: "launchd" });
    this.owner = { guard: () => {}, counts: this.launchd };
    const space = this.launchd.space;
    const set = allocPortSet(space);
    const bp = allocReceive(space);
    const np = allocReceive(space);
    if (set.kr !== KERN_SUCCESS || bp.kr !== KERN_SUCCESS || np.kr !== KERN_SUCCESS) throw new Error("launchd: port allocation failed");
    machPortMoveMember(space, bp.name, set.name);
    machPortMoveMember(space, np.name, set.name);
    this.pset = set.pset!;
    this.port = bp.port!;
    this.notifyPort = np.port!;
    // launchd's own bootstrap port is its root namespace.
    this.launchd.ports.itkBootstrap = portMakeSend(this.port);
    const thread = this.launchd.createThread();
    this.hooks = {
      registry,
      context: (port, m) => ({ kernel, port, caller: kernel.tasks.get(m.senderTaskId) ?? null, kmsg: m }),
    };
    void this.serve(thread);
  }

  /** A send right to the bootstrap port, for a task's TASK_BOOTSTRAP_PORT. */
  makeSend(): IpcPort {
    return portMakeSend(this.port);
  }

  /** `machipc serve --service NAME`: a service declared in advance, as a MachServices key does. */
  declare(name: string): number {
    if (this.services.has(name)) return BOOTSTRAP_NAME_IN_USE;
    if (this.services.size >= BOOTSTRAP_MAX_SERVICES || byteLength(name) >= BOOTSTRAP_MAX_NAME_LEN) return BOOTSTRAP_NO_MEMORY;
    const r = allocReceive(this.launchd.space);
    if (r.kr !== KERN_SUCCESS) return BOOTSTRAP_NO_MEMORY;
    // launchd_mport_make_send: the name holds the receive right and a send right.
    rightCopyout(this.launchd.space, portMakeSend(r.port!), MACH_MSG_TYPE_PORT_SEND, false);
    this.services.set(name, { name, lname: r.name, port: r.port!, owner: null, declared: true, active: false });
    return BOOTSTRAP_SUCCESS;
  }

  /** The names under which `port` is a bootstrap service (for listings). */
  serviceNames(port: IpcPort): string[] {
    const out: string[] = [];
    for (const s of this.services.values()) if (s.port === port) out.push(s.name);
    return out;
  }

  /** How listings name a port: its service names, or "bootstrap" for launchd's own port ("" for neither). */
  describe(port: IpcPort): string {
    return port === this.port ? "bootstrap" : this.serviceNames(port).join(",");
  }

  /** Every service, for listings: name, owner pid (0: launchd holds it), and whether it is active. */
  list(): { name: string; pid: number; active: boolean; declared: boolean }[] {
    return [...this.services.values()].map((s) => ({ name: s.name, pid: s.owner?.pid ?? 0, active: s.active, declared: s.declared }));
  }

  /** job_mig_check_in2 (flags as 0: no per-pid services, no strict check-in). */
  checkIn(caller: Task | null, name: string): { kr: number; port?: PortArg } {
    if (!caller) return { kr: BOOTSTRAP_NO_MEMORY };
    let ms = this.services.get(name);
    if (!ms) {
      // An anonymous job's check-in of a new name makes the service, as a legacy job's would.
      if (!this.roomFor(caller) || byteLength(name) >= BOOTSTRAP_MAX_NAME_LEN) return { kr: BOOTSTRAP_NO_MEMORY };
      const r = allocReceive(this.launchd.space);
      if (r.kr !== KERN_SUCCESS) return { kr: BOOTSTRAP_NO_MEMORY };
      rightCopyout(this.launchd.space, portMakeSend(r.port!), MACH_MSG_TYPE_PORT_SEND, false);
      ms = { name, lname: r.name, port: r.port!, owner: caller, declared: false, active: false };
      this.services.set(name, ms);
    } else {
      if (ms.owner !== null && ms.owner !== caller) return { kr: BOOTSTRAP_NOT_PRIVILEGED };
      if (ms.active) return { kr: BOOTSTRAP_SERVICE_ACTIVE };
    }
    ms.owner = caller;
    this.requestNotifications(ms);
    const moved = machPortExtractRight(this.launchd.space, ms.lname, MACH_MSG_TYPE_MOVE_RECEIVE);
    if (moved.kr !== KERN_SUCCESS || !ipValid(moved.port!)) return { kr: BOOTSTRAP_NO_MEMORY };
    return { kr: BOOTSTRAP_SUCCESS, port: { port: moved.port!, type: MACH_MSG_TYPE_PORT_RECEIVE } };
  }

  /** job_mig_register2: `port` is a send right the message carried (kept on success), or null to unregister. */
  register(caller: Task | null, name: string, port: PortArg): number {
    if (!caller) return BOOTSTRAP_NO_MEMORY;
    const ms = this.services.get(name);
    if (ms) {
      if (ms.owner !== caller) return BOOTSTRAP_NOT_PRIVILEGED;
      if (ms.active) return BOOTSTRAP_SERVICE_ACTIVE;
      // An inactive service of this job: a declared one must be checked in, not registered over.
      if (ms.declared && ipValid(port.port)) return BOOTSTRAP_NOT_PRIVILEGED;
      this.delete(ms);
    }
    if (port.port === null) return BOOTSTRAP_SUCCESS;
    // machservice_new refuses a port that is already dead.
    if (!ipValid(port.port) || !port.port.active) return BOOTSTRAP_NO_MEMORY;
    if (!this.roomFor(caller) || byteLength(name) >= BOOTSTRAP_MAX_NAME_LEN) return BOOTSTRAP_NO_MEMORY;
    const out = rightCopyout(this.launchd.space, port.port, MACH_MSG_TYPE_PORT_SEND, false);
    if (out.kr !== KERN_SUCCESS) return BOOTSTRAP_NO_MEMORY;
    const made: MachService = { name, lname: out.name, port: port.port, owner: caller, declared: false, active: false };
    this.services.set(name, made);
    this.requestNotifications(made);
    return BOOTSTRAP_SUCCESS;
  }

  /** job_mig_look_up2: a copy of launchd's send right. */
  lookUp(name: string): { kr: number; port?: PortArg } {
    const ms = this.services.get(name);
    if (!ms || !ms.port.active) return { kr: BOOTSTRAP_UNKNOWN_SERVICE };
    return { kr: BOOTSTRAP_SUCCESS, port: { port: portCopySend(ms.port), type: MACH_MSG_TYPE_PORT_SEND } };
  }

  /** job_mig_parent: the root namespace is its own parent. */
  parent(): PortArg {
    return { port: portMakeSend(this.port), type: MACH_MSG_TYPE_PORT_SEND };
  }

  /** The task exited (launchd's EVFILT_PROC): its anonymous job's services go; declared ones wait for their receive right. */
  taskDied(task: Task): void {
    for (const ms of [...this.services.values()]) {
      if (ms.owner !== task) continue;
      ms.owner = null;
      if (!ms.declared) this.delete(ms);
    }
  }

  private roomFor(task: Task): boolean {
    if (this.services.size >= BOOTSTRAP_MAX_SERVICES) return false;
    let n = 0;
    for (const s of this.services.values()) if (s.owner === task) n++;
    return n < BOOTSTRAP_MAX_SERVICES_PER_TASK;
  }

  /** machservice_request_notifications: port-destroyed for a receive right launchd lends, dead-name otherwise. */
  private requestNotifications(ms: MachService): void {
    ms.active = true;
    const id = ms.declared ? MACH_NOTIFY_PORT_DESTROYED : MACH_NOTIFY_DEAD_NAME;
    const so = portMakeSendOnce(this.notifyPort);
    const r = machPortRequestNotification(this.launchd.space, ms.lname, id, 0, so);
    if (r.kr !== KERN_SUCCESS) {
      this.dropSendOnce(so);
      return;
    }
    // A second service on the same port replaced the first one's request: its right goes.
    if (r.previous) this.dropSendOnce(r.previous);
  }

  /** An unused send-once right to launchd's notification port: its send-once notification is dropped there. */
  private dropSendOnce(so: IpcPort): void {
    portDestroySendOnce(so);
  }

  /** machservice_delete: launchd lets go of its send right (and of the receive right if it holds one). */
  private delete(ms: MachService): void {
    this.services.delete(ms.name);
    const space = this.launchd.space;
    if (ms.declared) machPortDestroy(space, ms.lname);
    else rightDealloc(space, ms.lname);
  }

  private async serve(thread: { active: boolean }): Promise<void> {
    for (;;) {
      // launchd's own receives and sends are launchd's messages, counted as its traps would count
      // them, and so are the notifications its work posts (that step runs as launchd).
      const r = await mqueueReceive(this.pset, MACH_RCV_MSG, 0xffffffff, 0, this.launchd);
      if (!thread.active || !this.launchd.active) return;
      if (r.mr !== MACH_MSG_SUCCESS || !r.kmsg) {
        if (r.changed) continue;
        return;
      }
      const sent = this.asLaunchd(() => this.handle(takeHandedOff(r.port, r.kmsg!), r.port));
      if (sent !== null) await sent;
    }
  }

  /** One request or notification: the reply's send, or null when nothing is sent. */
  private handle(kmsg: IpcKmsg, port: IpcPort | null): number | Promise<number> | null {
    if (port === this.notifyPort) {
      this.notification(kmsg);
      return null;
    }
    const reply = kobjectServe(this.hooks, kmsg);
    return reply ? ipcKmsgSend(reply, MACH_SEND_KERNEL_DEFAULT, 0, false, this.launchd) : null;
  }

  /** launchd as the owner of its steps (current.ts): its messages counted, its guard violations (none are raised in launchd) dropped. */
  private readonly owner: TrapOwner;

  /** Run `step` as launchd (its counts installed, msg_counters.ts). */
  private asLaunchd<T>(step: () => T): T {
    const prev = setTrapOwner(this.owner);
    try {
      return step();
    } finally {
      setTrapOwner(prev);
    }
  }

  /** Dead-name and port-destroyed notifications for the services' ports; anything else is dropped. */
  private notification(kmsg: IpcKmsg): void {
    const space = this.launchd.space;
    // Received: the right the message came on is used up (destroying it would notify launchd again).
    consumeDestination(kmsg);
    if (kmsg.id === MACH_NOTIFY_PORT_DESTROYED && kmsg.descs?.[0]?.kind === 0) {
      const d = kmsg.descs[0];
      const port = d.port;
      if (ipValid(port)) {
        d.port = null;
        const ms = [...this.services.values()].find((s) => s.port === port && s.declared);
        // The receive right comes home to launchd's name for the port, its queue intact.
        const out = rightCopyout(space, port, MACH_MSG_TYPE_PORT_RECEIVE, false);
        if (ms && out.kr === KERN_SUCCESS) {
          ms.lname = out.name;
          ms.active = false;
          ms.owner = null;
        } else if (out.kr === KERN_SUCCESS) machPortDestroy(space, out.name);
      }
    } else if (kmsg.id === MACH_NOTIFY_DEAD_NAME && kmsg.size >= 36) {
      const name = rdU32(kmsg.data, 32);
      for (const ms of [...this.services.values()]) if (ms.lname === name && !ms.declared) this.services.delete(ms.name);
      // The dead name and the notification's extra reference go together.
      machPortDestroy(space, name);
    }
    kmsgDestroy(kmsg);
  }
}

function consumeDestination(kmsg: IpcKmsg): void {
  const dest = kmsg.remote;
  kmsg.remote = null;
  if (!ipValid(dest)) return;
  if (msghBitsRemote(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE) portReleaseSendOnce(dest);
  else portReleaseSend(dest);
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}
