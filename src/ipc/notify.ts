/**
 * Kernel-generated notifications (osfmk/ipc/ipc_notify.c) in notify.defs'
 * wire formats. Each consumes the send-once right it is sent with.
 */
import {
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_CIRCULAR,
  MACH_MSGH_BITS_COMPLEX,
  msghBits,
} from "../abi/message.js";
import {
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DELETED,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_ONCE,
} from "../abi/port.js";
import { MACH_MSG_BODY, MACH_MSG_HEADER, NDR_RECORD, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { newBytes, viewOf, type ByteView } from "../abi/layout.js";
import { IpcKmsg } from "./kmsg.js";
import type { IpcPort } from "./port.js";
import { kernelSend } from "./send.js";
import { checkCircularity } from "./kmsg_copyin.js";

function notification(so: IpcPort, id: number, size: number, complex = false): { kmsg: IpcKmsg; view: ByteView } {
  const data = newBytes(size);
  const view = viewOf(data);
  const kmsg = new IpcKmsg(data);
  kmsg.bits = (msghBits(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) | (complex ? MACH_MSGH_BITS_COMPLEX : 0)) >>> 0;
  kmsg.remote = so;
  kmsg.id = id;
  MACH_MSG_HEADER.write(view, 0, { bits: kmsg.bits, size, id });
  return { kmsg, view };
}

/** mach_notify_<kind>(notify, name): header, NDR, one 32-bit value: 36 bytes. */
function nameNotification(so: IpcPort, id: number, value: number): void {
  const { kmsg, view } = notification(so, id, 36);
  kmsg.data.set(NDR_RECORD, 24);
  view.setUint32(32, value >>> 0, true);
  kernelSend(kmsg);
}

export function notifyPortDeleted(so: IpcPort, name: number): void {
  nameNotification(so, MACH_NOTIFY_PORT_DELETED, name);
}

export function notifyDeadName(so: IpcPort, name: number): void {
  nameNotification(so, MACH_NOTIFY_DEAD_NAME, name);
}

export function notifyNoSenders(so: IpcPort, mscount: number): void {
  nameNotification(so, MACH_NOTIFY_NO_SENDERS, mscount);
}

/** MACH_NOTIFY_SEND_ONCE: a bare 24-byte header, sent with the unused right itself. */
export function notifySendOnce(so: IpcPort): void {
  if (!so.active) {
    // Nobody to tell: the right is just released.
    so.sorights--;
    return;
  }
  const { kmsg } = notification(so, MACH_NOTIFY_SEND_ONCE, 24);
  kernelSend(kmsg);
}

/**
 * MACH_NOTIFY_PORT_DESTROYED: the receive right travels in a port descriptor.
 * 40 bytes: with no inline argument MIG writes no NDR record (as
 * mach_port_destroyed_notification_t has none).
 */
export function notifyPortDestroyed(so: IpcPort, port: IpcPort): void {
  const { kmsg, view } = notification(so, MACH_NOTIFY_PORT_DESTROYED, 40, true);
  MACH_MSG_BODY.write(view, 24, { descriptorCount: 1 });
  PORT_DESCRIPTOR.write(view, 28, { disposition: MACH_MSG_TYPE_PORT_RECEIVE, type: MACH_MSG_PORT_DESCRIPTOR });
  kmsg.descs = [{ kind: 0, off: 28, port, type: MACH_MSG_TYPE_PORT_RECEIVE }];
  // The receive right is now in transit to `so`'s port; if that port is itself
  // (eventually) inside `port`'s queue, the notification would make a loop and is destroyed.
  if (checkCircularity(port, so)) kmsg.bits = (kmsg.bits | MACH_MSGH_BITS_CIRCULAR) >>> 0;
  kernelSend(kmsg);
}

/** A 36-byte name notification with an arbitrary id (send-possible uses 66). */
export function notifyNameWithId(so: IpcPort, id: number, value: number): void {
  nameNotification(so, id, value);
}
