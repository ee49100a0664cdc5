/**
 * mach_msg_overwrite_trap (osfmk/ipc/mach_msg.c): send, then receive, on one
 * thread's behalf. Returns a number when nothing had to wait, else a Promise.
 */
import {
  MACH_MSG_OPTION_USER,
  MACH_MSG_SUCCESS,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_LARGE,
  MACH_RCV_LARGE_IDENTITY,
  MACH_RCV_MSG,
  MACH_RCV_PORT_CHANGED,
  MACH_RCV_PORT_DIED,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_INTERRUPTED,
  MACH_SEND_MSG,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_NOTIFY,
  MACH_SEND_ALWAYS,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  msghBitsLocal,
  msghBitsOther,
  msghBitsVoucher,
  msghBitsRemote,
  msghBitsSet,
  requestedTrailerSize,
} from "../abi/message.js";
import { MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE } from "../abi/port.js";
import { MACH_MSG_HEADER, HEADER_SIZE } from "../abi/msg_layout.js";
import { viewOf } from "../abi/layout.js";
import type { IpcKmsg } from "./kmsg.js";
import { kmsgCopyin, type SenderIdentity } from "./kmsg_copyin.js";
import { kmsgCopyout, kmsgReceiveError, type Receiver } from "./kmsg_copyout.js";
import { mqueuePost, mqueueReceive, mqueueTakeFitting, takeHandedOff, type RcvResult } from "./mqueue.js";
import { kmsgReleasePrealloc } from "./kmsg.js";
import { IpcPort, IpcPset } from "./port.js";
import { notifyNameWithId } from "./notify.js";
import { MACH_NOTIFY_SEND_POSSIBLE } from "../abi/port.js";
import { copyoutObjectName } from "./right.js";
import { ipcKmsgSend, takeHeldReply } from "./send.js";
import type { MsgCounts } from "./msg_counters.js";
import { setTrapOwner, trapOwner } from "./current.js";
import { IE_BITS_TYPE_MASK } from "./space.js";

export interface MsgContext extends SenderIdentity, Receiver {
  /** The trap's task's message counts: what it sends and takes off a queue counts there. */
  readonly counts: MsgCounts;
}

export type MachMsgResult = number | Promise<number>;

/**
 * The trap. `rcvBuf` is where a received message goes (mach_msg_overwrite's
 * rcv_msg); by default the same buffer. `notify` is accepted and ignored, as in XNU.
 */
export function machMsgTrap(
  ctx: MsgContext,
  buf: Uint8Array,
  option: number,
  sendSize: number,
  rcvSize: number,
  rcvName: number,
  timeout: number,
  rcvBuf: Uint8Array = buf,
): MachMsgResult {
  option = (option & MACH_MSG_OPTION_USER) >>> 0;
  if (option & MACH_SEND_MSG) {
    const kmsg = kmsgCopyin(ctx, buf, sendSize);
    if (typeof kmsg === "number") return kmsg;
    if (option & MACH_SEND_NOTIFY) option = armSendPossible(ctx, buf, kmsg, option);
    const sent = ipcKmsgSend(kmsg, option, timeout, (option & MACH_RCV_MSG) !== 0, ctx.counts);
    if (typeof sent === "number") {
      const held = takeHeldReply();
      if (held) return receiveHeldReply(ctx, held, rcvBuf, option, rcvSize, rcvName, timeout);
      return afterSend(ctx, kmsg, sent, buf, option, rcvSize, rcvName, timeout, rcvBuf);
    }
    const opt = option;
    // The receive after a send that waited is still this trap's: its task takes the message.
    const owner = trapOwner();
    return sent.then((mr) => {
      const prev = setTrapOwner(owner);
      try {
        return afterSend(ctx, kmsg, mr, buf, opt, rcvSize, rcvName, timeout, rcvBuf);
      } finally {
        setTrapOwner(prev);
      }
    });
  }
  if (option & MACH_RCV_MSG) return machMsgReceive(ctx, rcvBuf, option, rcvSize, rcvName, timeout);
  return MACH_MSG_SUCCESS;
}

/**
 * The receive after a send whose kernel-object reply ipcKmsgSend held back (its port's queue was
 * idle). When the receive names that port and the reply fits, the reply is received as the
 * dequeue of the only message on the queue would give it (the port's next sequence number, its
 * send-possible requests); otherwise it is queued as the send would have queued it, and the
 * receive runs as usual (the reply's post and dequeue are counted as theirs would be). Skipping the queue and the receive's lookups was 10% of a null RPC.
 */
function receiveHeldReply(ctx: MsgContext, kmsg: IpcKmsg, buf: Uint8Array, option: number, rcvSize: number, rcvName: number, timeout: number): MachMsgResult {
  const port = kmsg.remote as IpcPort;
  if (lookupReceive(ctx, rcvName) === port && rcvSize >= kmsg.size + requestedTrailerSize(option)) {
    const seqno = port.seqno;
    port.seqno = (seqno + 1) >>> 0;
    // The reply's post and its dequeue, both this trap's task's.
    const counts = ctx.counts;
    counts.messagesSent++;
    counts.messagesReceived++;
    kmsgReleasePrealloc(kmsg);
    sendPossibleNotify(port);
    return kmsgCopyout(ctx, kmsg, buf, option, seqno, port);
  }
  mqueuePost(port, kmsg, ctx.counts);
  return machMsgReceive(ctx, buf, option, rcvSize, rcvName, timeout);
}

/** The send half is done: give a failed message back (pseudo-receive), or go on to the receive. */
function afterSend(ctx: MsgContext, kmsg: IpcKmsg, mr: number, buf: Uint8Array, option: number, rcvSize: number, rcvName: number, timeout: number, rcvBuf: Uint8Array): MachMsgResult {
  if (mr !== MACH_MSG_SUCCESS) {
    if (mr === MACH_SEND_TIMED_OUT || mr === MACH_SEND_INTERRUPTED || mr === MACH_SEND_NO_BUFFER) {
      return mr | pseudoReceive(ctx, kmsg, buf);
    }
    return mr;
  }
  return option & MACH_RCV_MSG ? machMsgReceive(ctx, rcvBuf, option, rcvSize, rcvName, timeout) : MACH_MSG_SUCCESS;
}

/**
 * MACH_SEND_NOTIFY (end of ipc_kmsg_copyin_header): a sender holding a
 * send-possible request on the destination name arms it when the queue is
 * full, and otherwise sends as if with MACH_SEND_ALWAYS so the request cannot be missed.
 */
function armSendPossible(ctx: MsgContext, buf: Uint8Array, kmsg: IpcKmsg, option: number): number {
  const port = kmsg.remote;
  if (!(port instanceof IpcPort) || msghBitsRemote(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE) return option;
  if (!port.active || port.receiver?.kind === "kernel") return option;
  const destName = viewOf(buf).getUint32(MACH_MSG_HEADER.at.remotePort, true);
  const req = port.ext?.requests?.find((r) => r.space === ctx.space && r.name === destName);
  if (!req) return option;
  if ((port.mqueue?.count ?? 0) >= port.qlimit) {
    if (req.sendPossible && req.notify) {
      req.armed = true;
      port.x().sprequests = true;
    }
    return option;
  }
  return (option | MACH_SEND_ALWAYS) >>> 0;
}

/**
 * ipc_port_spnotify, at the copyout of a message received from `port`: every
 * armed send-possible request fires (its slot stays in use, without a right).
 */
export function sendPossibleNotify(port: IpcPort): void {
  const x = port.ext;
  if (!x || !x.sprequests) return;
  x.sprequests = false;
  for (const r of x.requests ?? []) {
    if (r.armed && r.notify && port.active) {
      const so = r.notify;
      r.notify = null;
      r.armed = false;
      notifyNameWithId(so, MACH_NOTIFY_SEND_POSSIBLE, r.name);
    }
  }
}

/**
 * ipc_kmsg_copyout_pseudo: a send that failed after copyin gives the message
 * back to the sender, rights and all, in its own buffer (header not swapped, no trailer).
 */
function pseudoReceive(ctx: MsgContext, kmsg: IpcKmsg, buf: Uint8Array): number {
  const destType = msghBitsRemote(kmsg.bits);
  const replyType = msghBitsLocal(kmsg.bits);
  const voucherType = msghBitsVoucher(kmsg.bits);
  let special = 0;
  const d = copyoutObjectName(ctx.space, kmsg.remote, destType);
  const r = copyoutObjectName(ctx.space, kmsg.local, replyType);
  kmsg.remote = kmsg.local = null;
  if (d.failed || r.failed) special |= 0x2000;
  const view = viewOf(buf);
  // Reuse the receive-side body copyout with the sender as receiver; its header write is replaced below.
  const tmp = new Uint8Array(kmsg.size + 68);
  kmsg.bits = msghBitsSet(0, 0, 0, msghBitsOther(kmsg.bits));
  const bmr = kmsgCopyout(ctx, kmsg, tmp, 0, 0, null);
  if (bmr !== MACH_MSG_SUCCESS) special |= bmr & 0x3e00;
  buf.set(tmp.subarray(0, kmsg.size), 0);
  // ipc_kmsg_copyout_pseudo keeps the voucher bits and the raw voucher name.
  MACH_MSG_HEADER.write(view, 0, {
    bits: msghBitsSet(destType, replyType, voucherType, msghBitsOther(kmsg.bits)),
    size: kmsg.size,
    remotePort: d.name,
    localPort: r.name,
    voucherPort: kmsg.voucherName,
    id: kmsg.id,
  });
  return special;
}

/** Look the receive name up: a receive right or a port set (ipc_mqueue_copyin). */
export function lookupReceive(ctx: MsgContext, rcvName: number): IpcPort | IpcPset | null {
  const index = ctx.space.lookup(rcvName);
  if (index < 0) return null;
  const type = ctx.space.bits[index]! & IE_BITS_TYPE_MASK;
  const obj = ctx.space.objs[index];
  if (type & MACH_PORT_TYPE_RECEIVE && obj instanceof IpcPort) return obj;
  if (type & MACH_PORT_TYPE_PORT_SET && obj instanceof IpcPset) return obj;
  return null;
}

export function machMsgReceive(ctx: MsgContext, buf: Uint8Array, option: number, rcvSize: number, rcvName: number, timeout: number): MachMsgResult {
  const obj = lookupReceive(ctx, rcvName);
  if (!obj) return MACH_RCV_INVALID_NAME;
  if (obj instanceof IpcPort) {
    // A queued message that fits, received as mqueueReceive and receiveResults would receive it
    // (its sequence number, the port's send-possible requests, copyout) without their result
    // record. A dequeued message was queued, not handed off: there is no hand-off to take it from.
    const seqno = obj.seqno;
    const kmsg = mqueueTakeFitting(obj, option, rcvSize);
    if (kmsg !== null) {
      ctx.counts.messagesReceived++;
      sendPossibleNotify(obj);
      return kmsgCopyout(ctx, kmsg, buf, option, seqno, obj);
    }
  }
  const r = mqueueReceive(obj, option, rcvSize, timeout, ctx.counts);
  if (r instanceof Promise) return r.then((res) => receiveResults(ctx, buf, option, rcvSize, rcvName, timeout, res));
  return receiveResults(ctx, buf, option, rcvSize, rcvName, timeout, r);
}

/** mach_msg_receive_results. */
function receiveResults(ctx: MsgContext, buf: Uint8Array, option: number, rcvSize: number, rcvName: number, timeout: number, r: RcvResult): MachMsgResult {
  // xnu-3248 wakes a receiver whose port or set is destroyed, or whose receive right
  // leaves the space, with THREAD_RESTART (ipc_mqueue_changed), which the trap reports as
  // MACH_RCV_PORT_CHANGED; no 3248 path returns MACH_RCV_PORT_DIED to user space.
  if (r.changed || r.mr === MACH_RCV_PORT_DIED) return MACH_RCV_PORT_CHANGED;
  if (r.mr === MACH_RCV_TOO_LARGE && !r.kmsg) {
    // MACH_RCV_LARGE: the message stays queued; say how big it is (and where, for sets).
    if (option & MACH_RCV_LARGE && buf.length >= HEADER_SIZE) {
      const view = viewOf(buf);
      view.setUint32(4, r.msize, true);
      if (option & MACH_RCV_LARGE_IDENTITY && r.port) view.setUint32(12, r.port.receiverName, true);
    }
    return MACH_RCV_TOO_LARGE;
  }
  if (r.mr === MACH_RCV_TOO_LARGE && r.kmsg) {
    const mr = kmsgReceiveError(ctx, takeHandedOff(r.port, r.kmsg), buf, option, r.seqno, r.port);
    return mr === MACH_MSG_SUCCESS ? MACH_RCV_TOO_LARGE : mr;
  }
  if (r.mr !== MACH_MSG_SUCCESS || !r.kmsg) return r.mr;
  if (r.port) sendPossibleNotify(r.port);
  return kmsgCopyout(ctx, takeHandedOff(r.port, r.kmsg), buf, option, r.seqno, r.port);
}
