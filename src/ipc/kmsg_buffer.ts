/**
 * The bytes of kernel messages. V8 keeps a typed array of up to 64 bytes on
 * its own heap, where making one costs about as much as filling it; anything
 * larger gets a backing store outside the heap, which costs ~200 ns to make at
 * 436 bytes (a get_exception_ports reply) and ~650 ns at 4 KiB, and more again
 * for the collector to free. Messages above 64 bytes therefore take their
 * bytes from a few free buffers per power-of-two size, and give them back at
 * the two points where a message's bytes are known to be dead: when copyout
 * has copied them to the receiver, and when a kernel object has served a
 * request. A message that ends any other way (destroyed, dropped with its
 * port) is left to the collector, so a buffer is never handed out twice.
 */
import { IpcKmsg, KERNEL_AUDIT_TOKEN, KERNEL_SECURITY_TOKEN } from "./kmsg.js";

const ON_HEAP_MAX = 64;
/** Larger messages are rare enough to allocate. */
const POOLED_MAX = 64 * 1024;
/** Buffers kept per size: a bound on what the pool holds (at most ~1 MiB over all sizes). */
const PER_SIZE = 8;

const free: ArrayBuffer[][] = [];
/** The buffers this pool made: only those are ever taken back. */
const ours = new WeakSet<ArrayBuffer>();
const EMPTY = new Uint8Array(0);

/** log2 of the pool size holding `n` bytes (n in 65..POOLED_MAX). */
const sizeClass = (n: number): number => 32 - Math.clz32(n - 1);

/**
 * Small messages' bytes, kept by exact size (n / 4; message sizes are multiples of 4), each with
 * a Uint32Array over the same bytes at the same index of `smallWords`: copyin and copyout move a
 * small message's body a word at a time through them (with a user buffer's words, user_words.ts).
 * Making a small typed array costs more than taking one back (about 50 ns against 7), and a null
 * RPC copies one request in. Only the kernel messages made by kmsgWithData come back here, so no
 * WeakSet check is needed for them: the flag on the message says it. A buffer comes back as it
 * was made (on V8's heap, with no words) and is kept with words over a buffer of its own, made
 * once: what is kept is reused without making anything.
 */
const smallFree: Uint8Array[][] = [];
const smallWords: Uint32Array[][] = [];

/** `n` bytes for a message; zero-filled when `zero` (a copy that overwrites them all need not be). */
export function kmsgData(n: number, zero: boolean): Uint8Array {
  if (n <= ON_HEAP_MAX) {
    // Zeroing a kept buffer (fill) costs more than making a fresh one, which comes zeroed:
    // only copies that overwrite every byte (copyin's) take kept ones.
    if (!zero && (n & 3) === 0) {
      const list = smallFree[n >> 2];
      if (list !== undefined && list.length > 0) {
        smallWords[n >> 2]!.pop();
        return list.pop()!;
      }
    }
    return new Uint8Array(n);
  }
  if (n > POOLED_MAX) return new Uint8Array(n);
  const c = sizeClass(n);
  const ab = free[c]?.pop();
  if (ab === undefined) {
    const fresh = new ArrayBuffer(1 << c);
    ours.add(fresh);
    return new Uint8Array(fresh, 0, n);
  }
  const out = new Uint8Array(ab, 0, n);
  if (zero) out.fill(0);
  return out;
}

/** A kernel message over `n` bytes of its own, which kmsgDataRelease may take back whatever their size. */
export function kmsgWithData(n: number, zero: boolean): IpcKmsg {
  if (n <= ON_HEAP_MAX && (n & 3) === 0) {
    const list = zero ? undefined : smallFree[n >> 2];
    let kmsg: IpcKmsg;
    if (list !== undefined && list.length > 0) {
      kmsg = new IpcKmsg(list.pop()!);
      kmsg.words = smallWords[n >> 2]!.pop()!;
    } else kmsg = new IpcKmsg(new Uint8Array(n));
    kmsg.ownsSmallData = true;
    return kmsg;
  }
  return new IpcKmsg(kmsgData(n, zero));
}

/** The largest message kmsgWithWords makes (a kernel-built exception request is 76 or 84 bytes). */
export const WORDS_MAX = 128;

/**
 * A kernel message over `n` bytes (a multiple of 4, at most WORDS_MAX) that come with their words
 * (IpcKmsg.words), not zeroed: for a kernel encoder that writes every byte through the words. Kept
 * by exact size with the small buffers (above 64 bytes only these are), and given back by
 * kmsgDataRelease as they are: a message above 64 bytes otherwise takes a pooled ArrayBuffer, a
 * view made per message and a WeakSet check to give it back. `into` is a message that is over
 * (kmsgReusable, its bytes given back, nothing left to release) made fresh again instead of a new
 * one: the kernel's exception RPC makes its next request in the reply it was answered with.
 */
export function kmsgWithWords(n: number, into: IpcKmsg | null = null): IpcKmsg {
  const list = smallFree[n >> 2];
  let data: Uint8Array;
  let words: Uint32Array;
  if (list !== undefined && list.length > 0) {
    data = list.pop()!;
    words = smallWords[n >> 2]!.pop()!;
  } else {
    const ab = new ArrayBuffer(n);
    data = new Uint8Array(ab);
    words = new Uint32Array(ab);
  }
  let kmsg: IpcKmsg;
  if (into === null) kmsg = new IpcKmsg(data);
  else {
    kmsg = into;
    kmsg.data = data;
    kmsg.size = n;
    kmsgClearHeader(kmsg);
  }
  kmsg.words = words;
  kmsg.ownsSmallData = true;
  return kmsg;
}

/** Every field but the bytes as the constructor leaves them (a message that is over, made fresh again). */
function kmsgClearHeader(kmsg: IpcKmsg): void {
  kmsg.bits = 0;
  kmsg.id = 0;
  kmsg.remote = null;
  kmsg.local = null;
  kmsg.voucher = null;
  kmsg.descs = null;
  kmsg.secToken = KERNEL_SECURITY_TOKEN;
  kmsg.auditToken = KERNEL_AUDIT_TOKEN;
  kmsg.senderTaskId = 0;
  kmsg.voucherName = 0;
}

/**
 * A kernel object's reply made in its served request's IpcKmsg (ipc_kobject_server): the request
 * is over once served (its rights released or kept by the routine, its arguments copied out of
 * its bytes), and a fresh message is the same object with every field as the constructor leaves
 * it, over `n` bytes as kmsgWithData gives them. The request's bytes are given back
 * (kmsgDataRelease), unless they are a small buffer of the pool's of the reply's size, which is
 * kept: given back and taken again, it would be the same buffer. Only a request that nothing
 * else refers to may be reused: one neither queued nor charged (queuedNote) nor in a
 * preallocated buffer (kmsgReusable).
 */
export function kmsgReuse(kmsg: IpcKmsg, n: number, zero: boolean): IpcKmsg {
  const d = kmsg.data;
  if (kmsg.ownsSmallData && d.length === n) {
    // The request's buffer (and its words, if it has them) as it is.
    if (zero) d.fill(0);
  } else {
    kmsgDataRelease(kmsg);
    if (n <= ON_HEAP_MAX && (n & 3) === 0) {
      // As kmsgWithData: a kept small buffer comes with its words.
      const list = zero ? undefined : smallFree[n >> 2];
      if (list !== undefined && list.length > 0) {
        kmsg.data = list.pop()!;
        kmsg.words = smallWords[n >> 2]!.pop()!;
      } else {
        kmsg.data = new Uint8Array(n);
        kmsg.words = null;
      }
      kmsg.ownsSmallData = true;
    } else {
      kmsg.data = kmsgData(n, zero);
      kmsg.words = null;
      kmsg.ownsSmallData = false;
    }
  }
  kmsg.size = n;
  kmsgClearHeader(kmsg);
  return kmsg;
}

/** Whether kmsgReuse may make a reply in this (served) request. */
export const kmsgReusable = (kmsg: IpcKmsg): boolean => kmsg.next === null && kmsg.queuedNote === null && kmsg.premsgPort === null;

/** The message's bytes are dead (copied out, or the request served): its buffer may be reused. */
export function kmsgDataRelease(kmsg: IpcKmsg): void {
  const d = kmsg.data;
  // Above 64 bytes a buffer of the small pool's own is kmsgWithWords'.
  if (d.length <= ON_HEAP_MAX || kmsg.ownsSmallData) {
    if (!kmsg.ownsSmallData) return;
    kmsg.ownsSmallData = false;
    kmsg.data = EMPTY;
    const words = kmsg.words;
    kmsg.words = null;
    const i = d.length >> 2;
    const list = (smallFree[i] ??= []);
    if (list.length >= PER_SIZE) return;
    if (words !== null) {
      list.push(d);
      (smallWords[i] ??= []).push(words);
    } else {
      // Kept with words of its own (its bytes are dead: nothing is copied).
      const ab = new ArrayBuffer(d.length);
      list.push(new Uint8Array(ab));
      (smallWords[i] ??= []).push(new Uint32Array(ab));
    }
    return;
  }
  const ab = d.buffer;
  if (!(ab instanceof ArrayBuffer) || !ours.has(ab)) return;
  kmsg.data = EMPTY;
  const list = (free[sizeClass(ab.byteLength)] ??= []);
  if (list.length < PER_SIZE) list.push(ab);
}
