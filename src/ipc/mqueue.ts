/**
 * Message queues and the threads blocked on them (osfmk/ipc/ipc_mqueue.c).
 *
 * A receiver blocked on a port or a port set is a waiter record; a message
 * posted to the port is handed to the first waiter whose buffer fits, exactly
 * as ipc_mqueue_post does, else queued. A sender blocked on a full queue is
 * a waiter too; a receive that frees a slot passes the slot to it.
 */
import {
  MACH_MSG_SUCCESS,
  MACH_RCV_LARGE,
  MACH_RCV_PORT_DIED,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_ALWAYS,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  requestedTrailerSize,
  msghBitsRemote,
  MACH_SEND_NO_BUFFER,
} from "../abi/message.js";
import { MACH_PORT_QLIMIT_KERNEL } from "../abi/port.js";
import { kmsgReleasePrealloc, type IpcKmsg } from "./kmsg.js";
import { IpcPort, IpcPset } from "./port.js";
import { kmsgDestroy } from "./kmsg_destroy.js";
import type { MsgCounts } from "./msg_counters.js";

/** What a blocked or immediate receive produced. */
export interface RcvResult {
  mr: number;
  kmsg: IpcKmsg | null;
  /** The port the message came from (for sets and MACH_RCV_LARGE_IDENTITY). */
  port: IpcPort | null;
  /** The message's size, for MACH_RCV_TOO_LARGE. */
  msize: number;
  seqno: number;
  /** The receive right moved away while waiting: look the name up again. */
  changed: boolean;
}

export interface RcvWaiter {
  option: number;
  rcvSize: number;
  done: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  sources: readonly IpcMqueue[];
  resolve(r: RcvResult): void;
  /**
   * A kernel thread's own receive (mqueueReceiveKernel): a message that fits is given to it as it
   * is, in the step that posts it, with no result record and no hand-off. Null for a thread's receive.
   */
  take: ((kmsg: IpcKmsg, port: IpcPort) => void) | null;
}

interface SendWaiter {
  kmsg: IpcKmsg;
  port: IpcPort;
  /** The waiting sender's task's counts: its post, made when a receiver frees a slot, is its own. */
  counts: MsgCounts | null;
  done: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  resolve: (mr: number) => void;
}

/** The receiver took `kmsg` (from `port`) out of the hand-off, to copy it out or consume it. */
export function takeHandedOff(port: IpcPort | null, kmsg: IpcKmsg): IpcKmsg {
  const handed = port?.mqueue?.handed;
  if (handed) {
    const i = handed.indexOf(kmsg);
    if (i >= 0) {
      handed[i] = handed[handed.length - 1]!;
      handed.pop();
    }
  }
  kmsgReleasePrealloc(kmsg);
  return kmsg;
}

export class IpcMqueue {
  /**
   * Messages handed to a blocked receiver that has not yet copied them out (its
   * continuation runs a moment later). They hold rights like the queue does. An array, not a
   * Set: it holds one message at a time, and a Set going from one entry to none shrinks its
   * table, an allocation per exception's reply.
   */
  handed: IpcKmsg[] | null = null;
  head: IpcKmsg | null = null;
  tail: IpcKmsg | null = null;
  count = 0;
  receivers: RcvWaiter[] = [];
  senders: SendWaiter[] = [];
}

export function mqueueOf(obj: IpcPort | IpcPset): IpcMqueue {
  return (obj.mqueue ??= new IpcMqueue());
}

function result(mr: number, kmsg: IpcKmsg | null, port: IpcPort | null, msize = 0, seqno = 0, changed = false): RcvResult {
  return { mr, kmsg, port, msize, seqno, changed };
}

/** Told of each message entering (+1) or leaving (-1) a port's queue; an embedder (the server) accounts queued bytes with it. */
export type QueueObserver = (kmsg: IpcKmsg, port: IpcPort, delta: 1 | -1) => void;
const queueObservers = new Set<QueueObserver>();
let queueObserver: QueueObserver | null = null;

/** Add (`on`) or remove an observer; every kernel in the process is observed, so each observer picks its own ports. */
export function observeQueues(fn: QueueObserver, on: boolean): void {
  if (on) queueObservers.add(fn);
  else queueObservers.delete(fn);
  const all = [...queueObservers];
  queueObserver = all.length === 0 ? null : all.length === 1 ? all[0]! : (k, p, d) => all.forEach((f) => f(k, p, d));
}

function enqueue(port: IpcPort, mq: IpcMqueue, kmsg: IpcKmsg): void {
  queueObserver?.(kmsg, port, 1);
  kmsg.next = null;
  if (mq.tail) mq.tail.next = kmsg;
  else mq.head = kmsg;
  mq.tail = kmsg;
  mq.count++;
}

/**
 * Remove and return the first message, advancing the port's sequence number (the
 * caller reads the message's seqno before); wakes one blocked sender.
 */
function dequeue(port: IpcPort, mq: IpcMqueue): IpcKmsg {
  const kmsg = mq.head!;
  mq.head = kmsg.next;
  if (!mq.head) mq.tail = null;
  kmsg.next = null;
  mq.count--;
  kmsgReleasePrealloc(kmsg);
  queueObserver?.(kmsg, port, -1);
  port.seqno = (port.seqno + 1) >>> 0;
  wakeSenders(port, mq);
  return kmsg;
}

/** Let blocked senders in while there is room (ipc_mqueue_release_msgcount). */
export function wakeSenders(port: IpcPort, mq: IpcMqueue): void {
  while (mq.senders.length > 0 && mq.count < port.qlimit) {
    const w = mq.senders.shift()!;
    if (w.done) continue;
    w.done = true;
    if (w.timer) clearTimeout(w.timer);
    // XNU's woken sender posts in its own thread: its task is credited, not the receiver's.
    post(port, w.kmsg);
    if (w.counts !== null) w.counts.messagesSent++;
    w.resolve(MACH_MSG_SUCCESS);
  }
}

function detachWaiter(w: RcvWaiter): void {
  w.done = true;
  if (w.timer) clearTimeout(w.timer);
  for (const mq of w.sources) {
    const rs = mq.receivers;
    const i = rs.indexOf(w);
    // The last (most often the only) waiter by pop: splice makes an array of what it removes.
    if (i === rs.length - 1) rs.pop();
    else if (i >= 0) rs.splice(i, 1);
  }
  w.sources = NO_SOURCES;
}

/** A detached waiter's sources: none (shared, never written). */
const NO_SOURCES: readonly IpcMqueue[] = Object.freeze([]);

/** Offer `kmsg` to the receivers blocked on `mq`; true when one took it. */
function offer(port: IpcPort, mq: IpcMqueue, kmsg: IpcKmsg): boolean {
  let i = 0;
  while (i < mq.receivers.length) {
    const w = mq.receivers[i]!;
    if (w.done) {
      mq.receivers.splice(i, 1);
      continue;
    }
    const fits = w.rcvSize >= kmsg.size + requestedTrailerSize(w.option);
    if (!fits && w.option & MACH_RCV_LARGE) {
      // Tell it the size and keep looking: the message stays for a bigger buffer.
      detachWaiter(w);
      w.resolve(result(MACH_RCV_TOO_LARGE, null, port, kmsg.size));
      continue;
    }
    detachWaiter(w);
    const seqno = port.seqno;
    port.seqno = (port.seqno + 1) >>> 0;
    if (fits && w.take !== null) {
      kmsgReleasePrealloc(kmsg);
      w.take(kmsg, port);
      return true;
    }
    (mqueueOf(port).handed ??= []).push(kmsg);
    w.resolve(result(fits ? MACH_MSG_SUCCESS : MACH_RCV_TOO_LARGE, kmsg, port, kmsg.size, seqno));
    return true;
  }
  return false;
}

/**
 * ipc_mqueue_post: deliver to a waiting receiver (of the port, then of its sets) or queue it.
 * Ignores the limit. The posting task (`counts`, null for none) has sent a message, whichever
 * way it went.
 */
export function mqueuePost(port: IpcPort, kmsg: IpcKmsg, counts: MsgCounts | null): void {
  if (counts !== null) counts.messagesSent++;
  post(port, kmsg);
}

/** mqueuePost without the count. */
function post(port: IpcPort, kmsg: IpcKmsg): void {
  const mq = mqueueOf(port);
  if (mq.count === 0) {
    if (mq.receivers.length > 0 && offer(port, mq, kmsg)) return;
    const psets = port.ext?.psets;
    if (psets) for (const ps of psets) if (ps.mqueue && ps.mqueue.receivers.length > 0 && offer(port, ps.mqueue, kmsg)) return;
  }
  enqueue(port, mq, kmsg);
}

/**
 * ipc_mqueue_send: respect the queue limit unless the destination is a
 * send-once right or MACH_SEND_ALWAYS is given. Returns a Promise when the sender must wait.
 * `counts`: the sending task's (its post counts there, made now or when it is let in).
 */
export function mqueueSend(port: IpcPort, kmsg: IpcKmsg, option: number, timeoutMs: number, counts: MsgCounts | null): number | Promise<number> {
  const mq = mqueueOf(port);
  const full = mq.count >= port.qlimit;
  const fullKernel = mq.count >= MACH_PORT_QLIMIT_KERNEL;
  if (!full || (!fullKernel && (option & MACH_SEND_ALWAYS || msghBitsRemote(kmsg.bits) === MACH_MSG_TYPE_PORT_SEND_ONCE))) {
    mqueuePost(port, kmsg, counts);
    return MACH_MSG_SUCCESS;
  }
  // ipc_mqueue_send: a zero timeout is reported before the kernel limit, and at that limit nobody waits.
  if (option & MACH_SEND_TIMEOUT && timeoutMs === 0) return MACH_SEND_TIMED_OUT;
  if (fullKernel) return MACH_SEND_NO_BUFFER;
  return new Promise<number>((resolve) => {
    const w: SendWaiter = { kmsg, port, counts, done: false, timer: null, resolve };
    if (option & MACH_SEND_TIMEOUT) {
      w.timer = setTimeout(() => {
        if (w.done) return;
        w.done = true;
        const i = mq.senders.indexOf(w);
        if (i >= 0) mq.senders.splice(i, 1);
        resolve(MACH_SEND_TIMED_OUT);
      }, timeoutMs);
    }
    mq.senders.push(w);
  });
}

/**
 * Take the first message of `port` for a receiver with this buffer, if any (ipc_mqueue_select_on_thread).
 * Counts nothing: a receive that takes the message credits its task (received), a set gaining a
 * port with messages (ipc_mqueue_add's hand-over to a waiting receiver) credits nobody.
 */
function selectFrom(port: IpcPort, option: number, rcvSize: number): RcvResult | null {
  const mq = port.mqueue;
  if (!mq || mq.count === 0) return null;
  const kmsg = mq.head!;
  const fits = rcvSize >= kmsg.size + requestedTrailerSize(option);
  if (!fits && option & MACH_RCV_LARGE) return result(MACH_RCV_TOO_LARGE, null, port, kmsg.size);
  const seqno = port.seqno;
  const taken = dequeue(port, mq);
  return result(fits ? MACH_MSG_SUCCESS : MACH_RCV_TOO_LARGE, taken, port, taken.size, seqno);
}

/**
 * selectFrom's common case without its result record: the first message queued on `port` when
 * there is one and it fits a receiver with this buffer, dequeued (the port's sequence number
 * advanced: the message's is the one before); else null, and nothing has changed. The caller
 * counts the message received.
 */
export function mqueueTakeFitting(port: IpcPort, option: number, rcvSize: number): IpcKmsg | null {
  const mq = port.mqueue;
  if (mq === null || mq.count === 0) return null;
  if (rcvSize < mq.head!.size + requestedTrailerSize(option)) return null;
  return dequeue(port, mq);
}

/**
 * ipc_mqueue_receive on a port or a set. Immediate when a message is there
 * (or the receive polls); otherwise a Promise that settles on delivery,
 * timeout, or the death of what it waits on.
 */
export function mqueueReceive(obj: IpcPort | IpcPset, option: number, rcvSize: number, timeoutMs: number, counts: MsgCounts | null): RcvResult | Promise<RcvResult> {
  if (obj instanceof IpcPort) {
    const r = selectFrom(obj, option, rcvSize);
    if (r) return received(r, counts);
  } else {
    for (const p of obj.members) {
      const r = selectFrom(p, option, rcvSize);
      if (r) return received(r, counts);
    }
  }
  if (option & MACH_RCV_TIMEOUT && timeoutMs === 0) return result(MACH_RCV_TIMED_OUT, null, null);
  return new Promise<RcvResult>((resolve) => block(mqueueOf(obj), option, rcvSize, timeoutMs, resolve));
}

/**
 * A receive that found a message queued: the receiving task (`counts`) received it when it was taken off the
 * queue (a message too large without MACH_RCV_LARGE is taken too). A message handed to a receiver
 * that was already waiting (ipc_mqueue_post's hand-off) is not counted, as in xnu-3248.
 */
function received(r: RcvResult, counts: MsgCounts | null): RcvResult {
  if (r.kmsg !== null && counts !== null) counts.messagesReceived++;
  return r;
}

/** The receiver waits on `mq` (with its timeout) until `resolve` is given what came. */
function block(mq: IpcMqueue, option: number, rcvSize: number, timeoutMs: number, resolve: (r: RcvResult) => void): void {
  wait(mq, { option, rcvSize, done: false, timer: null, sources: [mq], resolve, take: null }, timeoutMs);
}

/** Queue the waiter `w` on `mq`, with its timeout (MACH_RCV_TIMEOUT in its option). */
function wait(mq: IpcMqueue, w: RcvWaiter, timeoutMs: number): void {
  if (w.option & MACH_RCV_TIMEOUT) armReceiveTimer(w, timeoutMs);
  mq.receivers.push(w);
}

/** The waiter's timeout (a function of its own: its closure in `wait` made every wait allocate a context). */
function armReceiveTimer(w: RcvWaiter, timeoutMs: number): void {
  w.timer = setTimeout(() => {
    if (w.done) return;
    detachWaiter(w);
    w.resolve(result(MACH_RCV_TIMED_OUT, null, null));
  }, timeoutMs);
}

/**
 * mqueueReceive on a port for a kernel thread's own RPC (mach_msg_rpc_from_kernel's wait), with
 * the waiter record `w` the caller keeps (its option and size; `take` set): the result at once
 * when a message is there (or the receive polls), else null. A message posted then is given to
 * `w.take` in the poster's step, as it is (no result record, no hand-off, no Promise); a timeout
 * or the port's death goes to `w.resolve` with its result. An exception waits once per level, and
 * a Promise per wait with its reactions and hops was a quarter of an exception's round trip.
 */
export function mqueueReceiveKernel(port: IpcPort, w: RcvWaiter, timeoutMs: number, counts: MsgCounts | null): RcvResult | null {
  const r = selectFrom(port, w.option, w.rcvSize);
  if (r) return received(r, counts);
  if (w.option & MACH_RCV_TIMEOUT && timeoutMs === 0) return result(MACH_RCV_TIMED_OUT, null, null);
  const mq = mqueueOf(port);
  w.done = false;
  w.timer = null;
  // Sources are never written, so the last kernel wait's serve again for the same queue (a
  // thread's exceptions wait on its one reply port, level after level and raise after raise).
  if (lastKernelSources[0] !== mq) lastKernelSources = [mq];
  w.sources = lastKernelSources;
  wait(mq, w, timeoutMs);
  return null;
}

/** The sources of the last kernel wait (mqueueReceiveKernel): a one-entry cache. */
let lastKernelSources: readonly IpcMqueue[] = NO_SOURCES;

/** Wake every receiver blocked on `obj` with a result. */
function wakeAll(mq: IpcMqueue | null, r: () => RcvResult): void {
  if (!mq) return;
  const ws = mq.receivers.splice(0);
  for (const w of ws) {
    if (w.done) continue;
    detachWaiter(w);
    w.resolve(r());
  }
}

/** ipc_mqueue_changed: the receive right left the space; blocked receivers look their name up again. */
export function mqueueChanged(port: IpcPort): void {
  wakeAll(port.mqueue, () => result(MACH_RCV_PORT_DIED, null, null, 0, 0, true));
}

/** The port died: queued messages are destroyed, receivers see MACH_RCV_PORT_DIED, senders "succeed". */
export function mqueueDestroy(port: IpcPort): void {
  const mq = port.mqueue;
  if (!mq) return;
  wakeAll(mq, () => result(MACH_RCV_PORT_DIED, null, null));
  const senders = mq.senders.splice(0);
  let k = mq.head;
  mq.head = mq.tail = null;
  mq.count = 0;
  while (k) {
    const next = k.next;
    k.next = null;
    queueObserver?.(k, port, -1);
    kmsgDestroy(k);
    k = next;
  }
  for (const w of senders) {
    if (w.done) continue;
    w.done = true;
    if (w.timer) clearTimeout(w.timer);
    kmsgDestroy(w.kmsg);
    w.resolve(MACH_MSG_SUCCESS);
  }
}

/** Remove a port from a set (ipc_pset_remove). */
export function psetRemoveMember(pset: IpcPset, port: IpcPort): void {
  pset.members.delete(port);
  const list = port.ext?.psets;
  if (list) {
    const i = list.indexOf(pset);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) port.ext!.psets = null;
  }
}

/** Add a port to a set (ipc_pset_add); a receiver blocked on the set may take a queued message at once. */
export function psetAddMember(pset: IpcPset, port: IpcPort): void {
  pset.members.add(port);
  const x = port.x();
  (x.psets ??= []).push(pset);
  const mq = port.mqueue;
  const smq = pset.mqueue;
  while (mq && mq.count > 0 && smq && smq.receivers.length > 0) {
    const w = smq.receivers[0]!;
    const r = selectFrom(port, w.option, w.rcvSize);
    if (!r) break;
    detachWaiter(w);
    if (r.kmsg) (mqueueOf(port).handed ??= []).push(r.kmsg);
    w.resolve(r);
  }
}

/** The set died: receivers blocked on it see MACH_RCV_PORT_DIED. */
export function psetDestroyQueue(pset: IpcPset): void {
  wakeAll(pset.mqueue, () => result(MACH_RCV_PORT_DIED, null, null));
}

/** Every message queued on a port, in order (for the invariant checker and listings). */
export function* queuedMessages(port: IpcPort): IterableIterator<IpcKmsg> {
  for (let k = port.mqueue?.head ?? null; k; k = k.next) yield k;
  if (port.mqueue?.handed) yield* port.mqueue.handed;
  if (port.mqueue) for (const w of port.mqueue.senders) if (!w.done) yield w.kmsg;
}

/**
 * Whether a message posted to `port` now would only be queued, with nothing to wake and nobody
 * to tell: no receiver waiting on the port (or on a set it is in), no message queued or handed
 * off before it, no sender waiting, no queue observer. send.ts then lets the trap that is about
 * to receive on the port take a kernel object's reply without queueing it (mach_msg.ts).
 */
export function mqueueIdle(port: IpcPort): boolean {
  if (queueObserver !== null || port.ext?.psets) return false;
  const mq = port.mqueue;
  return mq === null || (mq.count === 0 && mq.receivers.length === 0 && mq.senders.length === 0 && (mq.handed === null || mq.handed.length === 0));
}
