/**
 * osfmk/kern/host_notify.c: host_request_notification's registrations and
 * HOST_NOTIFY_CALENDAR_CHANGE. A registration binds the caller's own port to
 * the kernel as an IKOT_HOST_NOTIFY object holding the send-once right it was
 * given; a calendar change sends host_calendar_changed (950) on every
 * registered right once and unbinds the port; destroying the port drops its
 * registration (ipc_kobject_destroy).
 */
import { IKOT_HOST_NOTIFY, IKOT_NONE } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND_ONCE, msghBits } from "../abi/message.js";
import { MACH_MSG_HEADER } from "../abi/msg_layout.js";
import { newBytes, viewOf } from "../abi/layout.js";
import { IpcKmsg } from "../ipc/kmsg.js";
import type { IpcPort } from "../ipc/port.js";
import { kernelSend } from "../ipc/send.js";
import { kobjectSet } from "./ipc_kobject.js";

export const HOST_NOTIFY_CALENDAR_CHANGE = 0;
export const HOST_NOTIFY_TYPE_MAX = 0;
/** host_notify_reply.defs: host_calendar_changed, a simpleroutine with no arguments. */
export const HOST_CALENDAR_CHANGED_REPLYID = 950;

/** host_notify_entry: the port it binds, and the queue it waits in. */
class HostNotifyEntry {
  constructor(
    readonly port: IpcPort,
    private readonly owner: HostNotify,
    readonly type: number,
  ) {}

  /** ipc_kobject_destroy(IKOT_HOST_NOTIFY) is host_notify_port_destroy. */
  ipcKobjectDestroy(port: IpcPort): void {
    if (port.kotype === IKOT_HOST_NOTIFY && port.kobject === this) this.owner.portDestroyed(this);
  }
}

export class HostNotify {
  private readonly queues: HostNotifyEntry[][] = [[]];

  /** host_request_notification after its host and port checks: the type, then the port's state. */
  request(type: number, port: IpcPort): KernReturn {
    if (type > HOST_NOTIFY_TYPE_MAX || type < 0) return KERN_INVALID_ARGUMENT;
    // A port already bound (by an earlier registration, too) or lending importance is refused.
    if (!port.active || port.ext?.tempOwner || port.kotype !== IKOT_NONE) return KERN_FAILURE;
    const entry = new HostNotifyEntry(port, this, type);
    kobjectSet(port, IKOT_HOST_NOTIFY, entry);
    this.queues[type]!.push(entry);
    return KERN_SUCCESS;
  }

  /** host_notify_port_destroy: the registration goes, and its send-once right with it (no notification: the port is dead). */
  portDestroyed(entry: HostNotifyEntry): void {
    const q = this.queues[entry.type]!;
    const i = q.indexOf(entry);
    if (i < 0) return;
    q.splice(i, 1);
    kobjectSet(entry.port, IKOT_NONE, null);
    entry.port.sorights--;
  }

  /** host_notify_all(HOST_NOTIFY_CALENDAR_CHANGE): every registration fires once and is gone. */
  calendarChange(): void {
    const q = this.queues[HOST_NOTIFY_CALENDAR_CHANGE]!;
    const sendQueue = q.splice(0);
    for (const entry of sendQueue) {
      kobjectSet(entry.port, IKOT_NONE, null);
      kernelSend(calendarChanged(entry.port));
    }
  }

  /** The send-once rights the registrations hold, for the invariant checker. */
  heldSendOnce(): IpcPort[] {
    return this.queues.flatMap((q) => q.map((e) => e.port));
  }
}

/** __Request__host_calendar_changed_t: a bare header sent with MOVE_SEND_ONCE. */
function calendarChanged(so: IpcPort): IpcKmsg {
  const data = newBytes(24);
  const kmsg = new IpcKmsg(data);
  kmsg.bits = msghBits(MACH_MSG_TYPE_PORT_SEND_ONCE, 0);
  kmsg.remote = so;
  kmsg.id = HOST_CALENDAR_CHANGED_REPLYID;
  MACH_MSG_HEADER.write(viewOf(data), 0, { bits: kmsg.bits, size: 24, id: kmsg.id });
  return kmsg;
}
