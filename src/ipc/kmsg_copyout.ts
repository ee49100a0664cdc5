/**
 * ipc_kmsg_copyout + ipc_kmsg_put: turn a received kernel message into the
 * receiver's user form, naming its rights in the receiver's space, and add
 * the requested trailer after msgh_size.
 */
import {
  MACH_MSG_IPC_SPACE,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_RCV_BODY_ERROR,
  MACH_RCV_HEADER_ERROR,
  MACH_RCV_INVALID_DATA,
  MACH_RCV_TRAILER_MASK,
  msghBitsLocal,
  msghBitsOther,
  msghBitsVoucher,
  MACH_RCV_VOUCHER,
  msghBitsRemote,
  msghBitsSet,
  requestedTrailerSize,
} from "../abi/message.js";
import { MACH_PORT_DEAD, MACH_PORT_NULL } from "../abi/port.js";
import { HEADER_SIZE, MACH_MSG_HEADER, MAX_TRAILER, OOL_DESCRIPTOR, OOL_PORTS_DESCRIPTOR, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { viewOf, type ByteView } from "../abi/layout.js";
import { copyBytes, wrU32, type BytesView } from "../abi/bytes.js";
import { KDESC_PORT_RUN, KERNEL_AUDIT_TOKEN, KERNEL_SECURITY_TOKEN, type IpcKmsg } from "./kmsg.js";
import { kmsgCleanBody, kmsgDestroy } from "./kmsg_destroy.js";
import { kmsgDataRelease } from "./kmsg_buffer.js";
import { IpcPort, ipValid, IP_DEAD, type PortRef } from "./port.js";
import { COPYOUT_FAILED, copyoutObject, destroyCarriedRight, portReleaseSend, portReleaseSendOnce } from "./right.js";
import { notifySendOnce } from "./notify.js";
import type { IpcSpace } from "./space.js";
import type { UserMemory } from "./user_memory.js";
import { userWords } from "./user_words.js";

/** Messages up to this size are copied out a word at a time when the receiver's buffer has words (user_words.ts). */
const WORD_COPY_MAX = HEADER_SIZE + 64;

/** Typed arrays above this many bytes have their bytes off V8's heap (kmsg_buffer.ts). */
const ON_HEAP_MAX = 64;

const PD = PORT_DESCRIPTOR.at;

export interface Receiver {
  space: IpcSpace;
  memory: UserMemory | null;
}

/** The name the receiver knows the destination by; the destination right itself is used up. */
function copyoutDest(space: IpcSpace, dest: PortRef, type: number): number {
  if (dest === null) return MACH_PORT_NULL;
  // Not a port, so IP_DEAD: tested by typeof, as ipValid is (a port compared with the symbol is a generic StrictEqual).
  if (typeof dest !== "object") return MACH_PORT_DEAD;
  const name = dest.active ? (dest.receiver === space ? dest.receiverName : MACH_PORT_NULL) : MACH_PORT_DEAD;
  // ipc_object_copyout_dest: a send-once right is quietly used up only by its receiver; if the
  // receive right moved on between dequeue and copyout, its new holder is told (send-once notification).
  if (type === MACH_MSG_TYPE_PORT_SEND_ONCE && dest.active && dest.receiver !== space) notifySendOnce(dest);
  else if (type === MACH_MSG_TYPE_PORT_SEND_ONCE) portReleaseSendOnce(dest);
  else portReleaseSend(dest);
  return name;
}

/** Write the trailer the receive options ask for at `at`; returns its size. */
export function writeTrailer(
  view: ByteView,
  at: number,
  option: number,
  seqno: number,
  secToken: readonly [number, number],
  audit: Readonly<Uint32Array>,
  context: bigint,
): number {
  const size = requestedTrailerSize(option);
  const all = {
    type: 0,
    size,
    seqno,
    sender0: secToken[0],
    sender1: secToken[1],
    audit0: audit[0]!, audit1: audit[1]!, audit2: audit[2]!, audit3: audit[3]!,
    audit4: audit[4]!, audit5: audit[5]!, audit6: audit[6]!, audit7: audit[7]!,
    context,
    ad: 0,
    labelsSender: 0,
  };
  // Only the fields inside the requested size are written.
  const f = MAX_TRAILER.fields;
  if (size === 8) {
    view.setUint32(at, 0, true);
    view.setUint32(at + 4, 8, true);
    return size;
  }
  const partial: Record<string, number | bigint> = {};
  for (const [k, def] of Object.entries(f)) {
    const width = def.type === "u64" ? 8 : 4;
    if (def.at + width <= size) partial[k] = (all as Record<string, number | bigint>)[k]!;
  }
  MAX_TRAILER.write(view, at, partial);
  return size;
}

/**
 * Copy `kmsg` out into `buf` for `rcv`. Returns the mach_msg_return_t: success,
 * or header/body errors with their special bits, as ipc_kmsg_copyout does.
 */
export function kmsgCopyout(rcv: Receiver, kmsg: IpcKmsg, buf: Uint8Array, option: number, seqno: number, from: IpcPort | null): number {
  const trailerSize = requestedTrailerSize(option);
  if (buf.length < kmsg.size + trailerSize) {
    kmsgDestroy(kmsg);
    return MACH_RCV_INVALID_DATA;
  }
  const { space } = rcv;
  if (ipValid(kmsg.local) && (!space.active || space.used >= space.maxNames)) {
    // ipc_kmsg_copyout_header reserves an entry for any valid reply right before it
    // copies anything out (even one that would join an existing name); with none to be
    // had the receive fails at the header and msg_receive_error destroys the message.
    const e = kmsgReceiveError(rcv, kmsg, buf, option, seqno, from);
    return e === MACH_MSG_SUCCESS ? (MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE) >>> 0 : e;
  }
  const destType = msghBitsRemote(kmsg.bits);
  const replyType = msghBitsLocal(kmsg.bits);
  let mr = MACH_MSG_SUCCESS;

  const destName = copyoutDest(space, kmsg.remote, destType);
  kmsg.remote = null;
  let replyName: number;
  const reply = kmsg.local;
  kmsg.local = null;
  if (ipValid(reply)) {
    replyName = copyoutObject(space, reply, replyType);
    if (replyName === COPYOUT_FAILED) {
      replyName = MACH_PORT_NULL;
      mr = MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE;
    }
  } else replyName = reply === null ? MACH_PORT_NULL : MACH_PORT_DEAD;

  const size = kmsg.size;
  // Words for a buffer looped on (user_words.ts), when the message and the minimum trailer are small.
  const w = size <= WORD_COPY_MAX && (option & MACH_RCV_TRAILER_MASK) === 0 ? userWords(buf, size + 8) : null;
  if (size > HEADER_SIZE) {
    const kw = kmsg.words;
    if (w !== null && kw !== null) for (let i = HEADER_SIZE >>> 2, n = size >>> 2; i < n; i++) w[i] = kw[i]!;
    // A body without words in bytes off V8's heap (over 64 bytes: a pooled buffer, as a kernel-built
    // exception request's) is copied with the (unused) header bytes before it, which the header
    // below overwrites: one TypedArray.set of the whole message, cheaper than assembling its words.
    else if (size > ON_HEAP_MAX && kmsg.data.length === size) buf.set(kmsg.data);
    else if (w !== null) {
      const d = kmsg.data;
      for (let o = HEADER_SIZE; o < size; o += 4) w[o >>> 2] = d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24);
    }
    // A larger body is copied with the (unused) header bytes before it, which the header below
    // overwrites: one TypedArray.set of the whole message, without a subarray made for the copy.
    else if (size > HEADER_SIZE + 64 && kmsg.data.length === size) buf.set(kmsg.data);
    else copyBytes(buf, HEADER_SIZE, kmsg.data, HEADER_SIZE, size);
  }
  if (kmsg.descs) {
    const bmr = copyoutBody(rcv, kmsg, buf, w);
    if (bmr !== MACH_MSG_SUCCESS && mr === MACH_MSG_SUCCESS) mr = bmr;
  }
  const at = MACH_MSG_HEADER.at;
  // A (null) voucher shows only to a receiver asking with MACH_RCV_VOUCHER; with no
  // voucher disposition the sender's raw msgh_voucher_port comes through (ipc_kmsg_copyout_header).
  const voucherType = msghBitsVoucher(kmsg.bits);
  const shownVoucherType = voucherType !== 0 && option & MACH_RCV_VOUCHER ? voucherType : 0;
  const bits = msghBitsSet(replyType, destType, shownVoucherType, msghBitsOther(kmsg.bits));
  const voucherName = voucherType === 0 ? kmsg.voucherName : MACH_PORT_NULL;
  if (w !== null) {
    w[0] = bits;
    w[1] = size;
    w[2] = replyName;
    w[3] = destName;
    w[4] = voucherName;
    w[5] = kmsg.id;
    // The minimum trailer: type 0, size 8.
    w[size >>> 2] = 0;
    w[(size >>> 2) + 1] = 8;
  } else {
    wrU32(buf, at.bits, bits);
    wrU32(buf, at.size, size);
    wrU32(buf, at.remotePort, replyName);
    wrU32(buf, at.localPort, destName);
    wrU32(buf, at.voucherPort, voucherName);
    wrU32(buf, at.id, kmsg.id);
    if ((option & MACH_RCV_TRAILER_MASK) === 0) {
      // The common case, the 8-byte minimum trailer: type 0, size 8.
      wrU32(buf, size + MAX_TRAILER.at.type, 0);
      wrU32(buf, size + MAX_TRAILER.at.size, 8);
    } else writeTrailer(viewOf(buf), size, option, seqno, kmsg.secToken, kmsg.auditToken, from?.ext?.context ?? 0n);
  }
  // The receiver has the bytes now.
  kmsgDataRelease(kmsg);
  return mr;
}

/**
 * A port descriptor in user form, its fields written one by one (name, pads, disposition,
 * type 0): this runs once per port descriptor, 32 times for a get_exception_ports reply.
 */
function writePortDescriptor(b: Uint8Array, o: number, name: number, type: number): void {
  wrU32(b, o + PD.name, name);
  wrU32(b, o + PD.pad1, 0);
  b[o + PD.pad2] = 0;
  b[o + PD.pad2 + 1] = 0;
  b[o + PD.disposition] = type;
  b[o + PD.type] = MACH_MSG_PORT_DESCRIPTOR;
}

/**
 * The descriptors' rights named in the receiver's space. `w`: the receive buffer's words
 * (user_words.ts), when copyout moves the message through them: a port descriptor at a 4-byte
 * boundary is then written as three words, the same bytes (little-endian: pad2 0, the
 * disposition, MACH_MSG_PORT_DESCRIPTOR in the third word's upper half), and a run's names as one word each.
 */
function copyoutBody(rcv: Receiver, kmsg: IpcKmsg, buf: Uint8Array, w: Uint32Array | null): number {
  let mr = MACH_MSG_SUCCESS;
  // Only out-of-line descriptors are written through a view (made for the first of them).
  let view: BytesView | null = null;
  for (const d of kmsg.descs!) {
    if (d.kind === 0) {
      let name = copyoutObject(rcv.space, d.port, d.type);
      d.port = null;
      if (name === COPYOUT_FAILED) {
        name = MACH_PORT_NULL;
        mr = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
      }
      if (w !== null && (d.off & 3) === 0) {
        const i = d.off >>> 2;
        w[i] = name;
        w[i + 1] = 0;
        w[i + 2] = (((d.type & 0xff) << 16) | (MACH_MSG_PORT_DESCRIPTOR << 24)) >>> 0;
      } else writePortDescriptor(buf, d.off, name, d.type);
    } else if (d.kind === KDESC_PORT_RUN) {
      // A run is copied out descriptor by descriptor, in order, as separate ones would be. Only
      // the kernel's encoders make runs, and they write each descriptor whole (null name, zero
      // pads, the disposition, MACH_MSG_PORT_DESCRIPTOR) in bytes copied above: only the names
      // of rights are left to write.
      // With the buffer's words (a small message, user_words.ts) a name is one word store.
      const ports = d.ports;
      const b = buf;
      const words = w !== null && ((d.off + PD.name) & 3) === 0 ? w : null;
      for (let i = 0, o = d.off + PD.name; i < ports.length; i++, o += PORT_DESCRIPTOR.size) {
        const p = ports[i]!;
        if (p === null) continue;
        let name = copyoutObject(rcv.space, p, d.type);
        ports[i] = null;
        if (name === COPYOUT_FAILED) {
          name = MACH_PORT_NULL;
          mr = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
        }
        if (words !== null) words[o >>> 2] = name;
        else wrU32(b, o, name);
      }
    } else if (d.kind === 2) {
      const names = new Uint8Array(d.ports.length * 4);
      for (let i = 0; i < d.ports.length; i++) {
        let name = copyoutObject(rcv.space, d.ports[i]!, d.type);
        d.ports[i] = null;
        if (name === COPYOUT_FAILED) {
          name = MACH_PORT_NULL;
          mr = MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
        }
        wrU32(names, i * 4, name);
      }
      const address = names.byteLength > 0 && rcv.memory ? rcv.memory.allocate(names) : 0n;
      OOL_PORTS_DESCRIPTOR.write((view ??= viewOf(buf)), d.off, {
        address,
        deallocate: 1,
        copy: MACH_MSG_VIRTUAL_COPY,
        disposition: d.type,
        type: 2,
        count: d.ports.length,
      });
    } else {
      const memory = rcv.memory;
      // A backing goes to a receiver that takes one unread; any other reads it (`data`).
      const backing = d.backing;
      const passed = backing && memory?.adoptBacking ? memory.adoptBacking(backing) : null;
      if (passed !== null) d.backing = null;
      const size = passed !== null ? backing!.size : d.data.byteLength;
      // copyin's own copy is handed over as it is (the message is gone after copyout).
      const address = passed ?? (size > 0 && memory ? (d.owned && memory.adopt ? memory.adopt(d.data) : memory.allocate(d.data)) : 0n);
      d.owned = false;
      OOL_DESCRIPTOR.write((view ??= viewOf(buf)), d.off, {
        address,
        deallocate: d.copy === MACH_MSG_VIRTUAL_COPY ? 1 : 0,
        copy: d.copy,
        pad1: 0,
        type: d.kind,
        size,
      });
    }
  }
  return mr;
}

/**
 * msg_receive_error: the message did not fit and MACH_RCV_LARGE was not given.
 * The destination is named, every other right is destroyed, and a bare header
 * goes out with a trailer built from the kernel's template.
 */
export function kmsgReceiveError(rcv: Receiver, kmsg: IpcKmsg, buf: Uint8Array, option: number, seqno: number, from: IpcPort | null): number {
  const destType = msghBitsRemote(kmsg.bits);
  const replyType = msghBitsLocal(kmsg.bits);
  const destName = copyoutDest(rcv.space, kmsg.remote, destType);
  kmsg.remote = null;
  const reply = kmsg.local;
  kmsg.local = null;
  const replyName = ipValid(reply) ? (destroyCarriedRight(reply, replyType), MACH_PORT_NULL) : reply === IP_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
  if (kmsg.descs) kmsgCleanBody(kmsg, kmsg.descs.length);
  const trailerSize = option & MACH_RCV_TRAILER_MASK ? requestedTrailerSize(option) : 8;
  if (buf.length < HEADER_SIZE + trailerSize) return MACH_RCV_INVALID_DATA;
  const view = viewOf(buf);
  // ipc_kmsg_copyout_dest keeps the voucher bits and the raw voucher name.
  MACH_MSG_HEADER.write(view, 0, {
    bits: msghBitsSet(replyType, destType, msghBitsVoucher(kmsg.bits), msghBitsOther(kmsg.bits)),
    size: HEADER_SIZE,
    remotePort: replyName,
    localPort: destName,
    voucherPort: kmsg.voucherName,
    id: kmsg.id,
  });
  if (option & MACH_RCV_TRAILER_MASK) {
    writeTrailer(view, HEADER_SIZE, option, seqno, KERNEL_SECURITY_TOKEN, KERNEL_AUDIT_TOKEN, from?.ext?.context ?? 0n);
  } else {
    view.setUint32(HEADER_SIZE, 0, true);
    view.setUint32(HEADER_SIZE + 4, 8, true);
  }
  return MACH_MSG_SUCCESS;
}
