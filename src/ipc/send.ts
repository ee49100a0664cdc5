/**
 * ipc_kmsg_send: deliver a copied-in message. Kernel-object destinations are
 * served synchronously and their reply is sent with the caller's options, as
 * XNU does; a dead destination swallows the message and reports success.
 */
import { MACH_MSG_SUCCESS, MACH_MSGH_BITS_CIRCULAR, MACH_SEND_KERNEL_DEFAULT, MACH_SEND_INVALID_DEST } from "../abi/message.js";
import type { IpcKmsg } from "./kmsg.js";
import { kmsgDestroy } from "./kmsg_destroy.js";
import { mqueueSend } from "./mqueue.js";
import { ipValid, type IpcPort } from "./port.js";

/** A hook the tracer uses to see every message that enters a queue or a kernel object. */
export type SendObserver = (kmsg: IpcKmsg, dest: IpcPort) => void;
let observer: SendObserver | null = null;
export function setSendObserver(fn: SendObserver | null): void {
  observer = fn;
}

export function ipcKmsgSend(kmsg: IpcKmsg, option: number, timeoutMs: number): number | Promise<number> {
  let port = kmsg.remote;
  if (!ipValid(port)) {
    kmsgDestroy(kmsg);
    return MACH_MSG_SUCCESS;
  }
  let kernelReply = false;
  if (port.active && port.receiver !== null && port.receiver.kind === "kernel") {
    observer?.(kmsg, port);
    port.seqno = (port.seqno + 1) >>> 0;
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
  const r = mqueueSend(port, kmsg, option, timeoutMs);
  const finish = (mr: number): number => {
    if (mr === MACH_SEND_INVALID_DEST || (mr !== MACH_MSG_SUCCESS && kernelReply)) {
      kmsgDestroy(kmsg);
      return MACH_MSG_SUCCESS;
    }
    return mr;
  };
  return typeof r === "number" ? finish(r) : r.then(finish);
}

/**
 * Send a kernel-built message (a notification, a kernel RPC). MACH_SEND_ALWAYS
 * is in the kernel's options, so the queue limit does not apply and the send
 * never waits; a result other than success has already destroyed the message.
 */
export function kernelSend(kmsg: IpcKmsg): void {
  ipcKmsgSend(kmsg, MACH_SEND_KERNEL_DEFAULT, 0);
}

