/**
 * ipc_kmsg_send: deliver a copied-in message. Kernel-object destinations are
 * served synchronously and their reply is sent with the caller's options, as
 * XNU does; a dead destination swallows the message and reports success.
 */
import {
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_CIRCULAR,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_KERNEL_DEFAULT,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_TOO_LARGE,
  MAX_TRAILER_SIZE,
  msghBitsRemote,
} from "../abi/message.js";
import { portReleaseSend } from "./right.js";
import type { IpcKmsg } from "./kmsg.js";
import { kmsgDestroy } from "./kmsg_destroy.js";
import { mqueueIdle, mqueueSend } from "./mqueue.js";
import { ipValid, type IpcPort } from "./port.js";
import { currentCounts, type MsgCounts } from "./msg_counters.js";

/** A hook the tracer uses to see every message that enters a queue or a kernel object. */
export type SendObserver = (kmsg: IpcKmsg, dest: IpcPort) => void;
let observer: SendObserver | null = null;
export function setSendObserver(fn: SendObserver | null): void {
  observer = fn;
}

/**
 * A kernel object's reply held back for the trap that sent its request (see ipcKmsgSend's
 * `receiving`): taken by that trap before anything else runs.
 */
let heldReply: IpcKmsg | null = null;

/** The reply ipcKmsgSend held back for this trap's receive, if it did (it is the caller's now). */
export function takeHeldReply(): IpcKmsg | null {
  const k = heldReply;
  heldReply = null;
  return k;
}

/**
 * `receiving`: the sender receives right after this send (MACH_RCV_MSG). A kernel object's reply
 * to a port whose queue is idle (mqueueIdle) is then not queued but held for the trap
 * (takeHeldReply), which either receives it at once, as the dequeue of the one message on that
 * queue, or queues it as this send would have. Nothing runs in between, so either way every
 * observer sees what the queued reply would have given.
 */
export function ipcKmsgSend(kmsg: IpcKmsg, option: number, timeoutMs: number, receiving: boolean, counts: MsgCounts | null): number | Promise<number> {
  let port = kmsg.remote;
  if (!ipValid(port)) {
    kmsgDestroy(kmsg);
    return MACH_MSG_SUCCESS;
  }
  let kernelReply = false;
  if (port.active && port.receiver !== null && port.receiver.kind === "kernel") {
    observer?.(kmsg, port);
    port.seqno = (port.seqno + 1) >>> 0;
    // Handed to the kernel object: the sender has sent it (its reply's post counts again).
    if (counts !== null) counts.messagesSent++;
    const server = port.receiver.kobjectServer;
    if (!server) {
      kmsgDestroy(kmsg);
      return MACH_MSG_SUCCESS;
    }
    const reply = server(kmsg);
    if (!reply) return MACH_MSG_SUCCESS;
    kmsg = reply;
    port = kmsg.remote;
    kernelReply = true;
    if (!ipValid(port)) {
      kmsgDestroy(kmsg);
      return MACH_MSG_SUCCESS;
    }
  }
  if (kmsg.bits & MACH_MSGH_BITS_CIRCULAR) {
    // A receive right sent (eventually) to itself: XNU destroys the message rather than build a loop.
    kmsgDestroy(kmsg);
    return MACH_MSG_SUCCESS;
  }
  if (!port.active || (port.receiver !== null && port.receiver.kind === "kernel")) {
    kmsgDestroy(kmsg);
    return MACH_MSG_SUCCESS;
  }
  observer?.(kmsg, port);
  if (kernelReply && receiving && mqueueIdle(port) && (port.qlimit > 0 || msghBitsRemote(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE)) {
    // The queue is empty and nobody waits, so mqueueSend would post it at once (the trap counts
    // that post when it takes the reply, or posts it).
    heldReply = kmsg;
    return MACH_MSG_SUCCESS;
  }
  const r = mqueueSend(port, kmsg, option, timeoutMs, counts);
  if (typeof r === "number") return sendFinished(kmsg, r, kernelReply);
  const queued = kmsg;
  return r.then((mr) => sendFinished(queued, mr, kernelReply));
}

/** A message the queue refused is destroyed where XNU destroys it (a dead port, a kernel reply); the sender sees success then. */
function sendFinished(kmsg: IpcKmsg, mr: number, kernelReply: boolean): number {
  if (mr === MACH_SEND_INVALID_DEST || (mr !== MACH_MSG_SUCCESS && kernelReply)) {
    kmsgDestroy(kmsg);
    return MACH_MSG_SUCCESS;
  }
  return mr;
}

/**
 * Send a kernel-built message (a notification, a kernel RPC). MACH_SEND_ALWAYS
 * is in the kernel's options, so the queue limit does not apply and the send
 * never waits; a result other than success has already destroyed the message.
 */
export function kernelSend(kmsg: IpcKmsg): void {
  if (kmsgGetFromKernel(kmsg) !== MACH_MSG_SUCCESS) return;
  // ipc_kmsg_send_always: the thread running (a trap's) sends it.
  ipcKmsgSend(kmsg, MACH_SEND_KERNEL_DEFAULT, 0, false, currentCounts());
}

/**
 * ipc_kmsg_get_from_kernel's preallocated-buffer check: a kernel message to a
 * port made with qos.prealloc takes that port's one buffer, and finds
 * MACH_SEND_NO_BUFFER while an earlier one still holds it (or the port is dead).
 * xnu-3248's callers then leak the message's rights; machipc drops the
 * destination right without a further notification and destroys the rest.
 */
export function kmsgGetFromKernel(kmsg: IpcKmsg): number {
  const port = kmsg.remote;
  const pre = ipValid(port) ? port.ext?.prealloc : null;
  if (!pre || !ipValid(port)) return MACH_MSG_SUCCESS;
  if (!port.active || pre.inUse || kmsg.kernelSize() + MAX_TRAILER_SIZE > pre.size) {
    const mr = !port.active || pre.inUse ? MACH_SEND_NO_BUFFER : MACH_SEND_TOO_LARGE;
    if (msghBitsRemote(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE) port.sorights--;
    else portReleaseSend(port);
    kmsg.remote = null;
    kmsgDestroy(kmsg);
    return mr;
  }
  pre.inUse = true;
  kmsg.premsgPort = port;
  return MACH_MSG_SUCCESS;
}

