/**
 * ipc_kmsg_get + ipc_kmsg_copyin: turn a user buffer into a kernel message,
 * taking rights out of the sender's space in XNU's order of checks. On a
 * failure, what XNU consumes is consumed and what it leaves is left.
 */
import { KERN_SUCCESS } from "../abi/kern_return.js";
import {
  IPC_KMSG_MAX_BODY_SPACE,
  IPC_KMSG_MAX_VM_SPACE,
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSG_VM_KERNEL,
  MACH_MSGH_BITS_CIRCULAR,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSGH_BITS_USER,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_INVALID_VOUCHER,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
  carriedType,
  machMsgTypePortAnySend,
  msghBitsLocal,
  msghBitsRemote,
  msghBitsSet,
  msghBitsVoucher,
} from "../abi/message.js";
import { MACH_PORT_DEAD, MACH_PORT_NULL, MACH_PORT_TYPE_SEND, machPortValid } from "../abi/port.js";
import { HEADER_SIZE, MACH_MSG_HEADER, OOL_DESCRIPTOR, OOL_PORTS_DESCRIPTOR, PORT_DESCRIPTOR, DESCRIPTOR_TYPE_OFFSET } from "../abi/msg_layout.js";
import { viewOf } from "../abi/layout.js";
import { copyBytes, rdI32, rdU32 } from "../abi/bytes.js";
import { IpcKmsg, type KDesc } from "./kmsg.js";
import { kmsgWithData } from "./kmsg_buffer.js";
import { kmsgCleanBody } from "./kmsg_destroy.js";
import { notifyPortDeleted } from "./notify.js";
import { IP_DEAD, IpcPort, ipValid, type PortRef } from "./port.js";
import { destroyCarriedRight, portCopySend, rightCheck, rightCopyin, rightCopyinAt, rightCopyinCheckAt } from "./right.js";
import type { IpcSpace } from "./space.js";
import type { UserMemory } from "./user_memory.js";
import { BackedOolDesc } from "./ool_backing.js";
import { userWords } from "./user_words.js";

/** Messages up to this size are copied in a word at a time when the sender's buffer has words (user_words.ts). */
const WORD_COPY_MAX = HEADER_SIZE + 64;

/** msg_ool_size_small: OOL regions below this are copied with the message and do not count against the VM limit. */
const MSG_OOL_SIZE_SMALL = 2 * 4096 + 1;
const PAGE = 4096;
const INT_MAX = 0x7fffffff;

export interface SenderIdentity {
  space: IpcSpace;
  secToken: readonly [number, number];
  auditToken: Readonly<Uint32Array>;
  memory: UserMemory | null;
  taskId: number;
}

/** ipc_kmsg_get's size checks: MACH_MSG_SUCCESS when `sendSize` bytes of `buf` can be taken. */
export function kmsgGetCheck(buf: Uint8Array, sendSize: number): number {
  if (sendSize < HEADER_SIZE || sendSize % 4 !== 0) return MACH_SEND_MSG_TOO_SMALL;
  if (sendSize > IPC_KMSG_MAX_BODY_SPACE) return MACH_SEND_TOO_LARGE;
  if (sendSize > buf.length) return MACH_SEND_INVALID_DATA;
  return MACH_MSG_SUCCESS;
}

/**
 * Copy a whole user message in (ipc_kmsg_get's one copy of the user bytes,
 * then the header, then the body when complex): the kernel message, or the
 * mach_msg_return_t that refused it.
 */
export function kmsgCopyin(sender: SenderIdentity, buf: Uint8Array, sendSize: number): IpcKmsg | number {
  const gmr = kmsgGetCheck(buf, sendSize);
  if (gmr !== MACH_MSG_SUCCESS) return gmr;
  const kmsg = kmsgWithData(sendSize, false);
  // Only the body is copied: the header is read from the sender's bytes into the kernel
  // message's fields, which are what every reader uses (copying its 24 bytes too was 4% of a null RPC).
  const w = sendSize <= WORD_COPY_MAX ? userWords(buf, sendSize) : null;
  let mbits: number, destName: number, replyName: number, voucherName: number, id: number;
  if (w !== null) {
    const kw = kmsg.words;
    if (kw !== null) for (let i = HEADER_SIZE >>> 2, n = sendSize >>> 2; i < n; i++) kw[i] = w[i]!;
    else {
      const d = kmsg.data;
      for (let o = HEADER_SIZE; o < sendSize; o += 4) {
        const x = w[o >>> 2]!;
        d[o] = x;
        d[o + 1] = x >>> 8;
        d[o + 2] = x >>> 16;
        d[o + 3] = x >>> 24;
      }
    }
    mbits = w[0]!;
    destName = w[2]!;
    replyName = w[3]!;
    voucherName = w[4]!;
    id = w[5]! | 0;
  } else {
    copyBytes(kmsg.data, HEADER_SIZE, buf, HEADER_SIZE, sendSize);
    const at = MACH_MSG_HEADER.at;
    mbits = rdU32(buf, at.bits);
    destName = rdU32(buf, at.remotePort);
    replyName = rdU32(buf, at.localPort);
    voucherName = rdU32(buf, at.voucherPort);
    id = rdI32(buf, at.id);
  }
  kmsg.secToken = sender.secToken;
  kmsg.auditToken = sender.auditToken;
  kmsg.senderTaskId = sender.taskId;
  const mr = copyinHeader(sender.space, kmsg, mbits, destName, replyName, voucherName, id);
  if (mr !== MACH_MSG_SUCCESS) return mr;
  if (kmsg.bits & MACH_MSGH_BITS_COMPLEX) {
    const bmr = copyinBody(sender, kmsg);
    if (bmr !== MACH_MSG_SUCCESS) return bmr;
  }
  return kmsg;
}

/**
 * ipc_kmsg_copyin_header (xnu-3248 order of checks), of the header the sender wrote: its bits,
 * remote, local and voucher names and id, as they are in the sender's bytes.
 */
export function copyinHeader(space: IpcSpace, kmsg: IpcKmsg, rawBits: number, destName: number, replyName: number, rawVoucher: number, id: number): number {
  // Stray bits are cleared, not refused.
  const mbits = (rawBits & MACH_MSGH_BITS_USER) >>> 0;
  const destType = msghBitsRemote(mbits);
  const replyType = msghBitsLocal(mbits);
  const voucherType = msghBitsVoucher(mbits);
  const voucherName = voucherType === 0 ? MACH_PORT_NULL : rawVoucher;
  kmsg.id = id;
  if (!machMsgTypePortAnySend(destType)) return MACH_SEND_INVALID_HEADER;
  if (replyType === 0 ? replyName !== MACH_PORT_NULL : !machMsgTypePortAnySend(replyType)) return MACH_SEND_INVALID_HEADER;
  if (!machPortValid(destName)) return MACH_SEND_INVALID_DEST;
  if (!space.active) return MACH_SEND_INVALID_DEST;

  if (voucherType !== 0) {
    // machipc has no voucher objects: only a null voucher can pass.
    if (voucherType !== MACH_MSG_TYPE_MOVE_SEND && voucherType !== MACH_MSG_TYPE_COPY_SEND) return MACH_SEND_INVALID_VOUCHER;
    if (voucherName === MACH_PORT_DEAD) return MACH_SEND_INVALID_VOUCHER;
    if (voucherName !== MACH_PORT_NULL) return MACH_SEND_INVALID_VOUCHER;
  }

  // Each entry is looked up once and its rights are taken through it, as XNU does.
  const destIndex = space.lookup(destName);
  if (destIndex < 0) return MACH_SEND_INVALID_DEST;

  let replyIndex = -1;
  if (machPortValid(replyName) && replyName !== destName) {
    replyIndex = space.lookup(replyName);
    if (replyIndex < 0) return MACH_SEND_INVALID_REPLY;
    if (replyName === voucherName) return MACH_SEND_INVALID_REPLY;
    if (!rightCopyinCheckAt(space, replyIndex, replyType)) return MACH_SEND_INVALID_REPLY;
  }

  let dest: PortRef;
  let reply: PortRef = replyName === MACH_PORT_DEAD ? IP_DEAD : null;
  let destSo: IpcPort | null = null;
  let replySo: IpcPort | null = null;
  if (replyName === destName) {
    const j = copyinTwo(space, destIndex, destName, destType, replyType);
    if (j.mr !== MACH_MSG_SUCCESS) return j.mr;
    dest = j.dest;
    reply = j.reply;
    destSo = j.soright;
  } else {
    const d = rightCopyinAt(space, destIndex, destName, destType, false);
    if (d.kr !== KERN_SUCCESS) return MACH_SEND_INVALID_DEST;
    dest = d.port;
    destSo = d.soright;
    if (replyIndex >= 0) {
      const r = rightCopyinAt(space, replyIndex, replyName, replyType, true);
      // Checked above; a failure here would be an internal inconsistency.
      if (r.kr !== KERN_SUCCESS) throw new Error("reply copyin failed after its check");
      reply = r.port;
      replySo = r.soright;
    }
  }
  if (destSo) notifyPortDeleted(destSo, destName);
  if (replySo) notifyPortDeleted(replySo, replyName);

  kmsg.remote = dest;
  kmsg.local = reply;
  kmsg.voucher = null;
  // With no voucher disposition the name stays in the header as the sender wrote it;
  // a null voucher given with one is carried as MOVE_SEND of nothing.
  kmsg.voucherName = voucherType === 0 ? rawVoucher : MACH_PORT_NULL;
  kmsg.bits = msghBitsSet(carriedType(destType), replyType === 0 ? 0 : carriedType(replyType), voucherType === 0 ? 0 : MACH_MSG_TYPE_MOVE_SEND, mbits);
  return MACH_MSG_SUCCESS;
}

/**
 * ipc_right_copyin_two: destination and reply name the same entry. As in
 * xnu-3248, the reply disposition is checked on its own first (INVALID_REPLY),
 * then a send-once move in either is refused, and otherwise the pair is taken
 * as one copyin, so a refusal consumes nothing (INVALID_DEST).
 */
function copyinTwo(space: IpcSpace, index: number, name: number, destType: number, replyType: number): { mr: number; dest: PortRef; reply: PortRef; soright: IpcPort | null } {
  const fail = (mr: number) => ({ mr, dest: null, reply: null, soright: null });
  if (!rightCopyinCheckAt(space, index, replyType)) return fail(MACH_SEND_INVALID_REPLY);
  if (destType === MACH_MSG_TYPE_MOVE_SEND_ONCE || replyType === MACH_MSG_TYPE_MOVE_SEND_ONCE) return fail(MACH_SEND_INVALID_DEST);
  const makes = (t: number) => t === MACH_MSG_TYPE_MAKE_SEND || t === MACH_MSG_TYPE_MAKE_SEND_ONCE;
  if (makes(destType) || makes(replyType)) {
    // One of them needs the receive right, so the port cannot die between the two copyins.
    const d = rightCopyinAt(space, index, name, destType, false);
    if (d.kr !== KERN_SUCCESS) return fail(MACH_SEND_INVALID_DEST);
    const dest = d.port;
    const r = rightCopyinAt(space, index, name, replyType, false);
    if (r.kr !== KERN_SUCCESS) throw new Error("second copyin of a pre-checked disposition failed");
    return { mr: MACH_MSG_SUCCESS, dest, reply: r.port, soright: null };
  }
  if (destType === MACH_MSG_TYPE_MOVE_SEND && replyType === MACH_MSG_TYPE_MOVE_SEND) {
    // ipc_right_copyin_two_move_sends: the entry must hold two references to a live port.
    const bits = space.bits[index]!;
    if (!(bits & MACH_PORT_TYPE_SEND) || (bits & 0xffff) < 2) return fail(MACH_SEND_INVALID_DEST);
    if (rightCheck(space, index)) return fail(MACH_SEND_INVALID_DEST);
    const d = rightCopyinAt(space, index, name, MACH_MSG_TYPE_MOVE_SEND, false);
    const dest = d.port;
    const r = rightCopyinAt(space, index, name, MACH_MSG_TYPE_MOVE_SEND, false);
    if (d.kr !== KERN_SUCCESS || r.kr !== KERN_SUCCESS) throw new Error("two move-sends failed after their check");
    return { mr: MACH_MSG_SUCCESS, dest, reply: r.port, soright: r.soright };
  }
  // A move and a copy, or two copies: take the right once (the move if there is one) and copy it.
  const once = destType === MACH_MSG_TYPE_MOVE_SEND || replyType === MACH_MSG_TYPE_MOVE_SEND ? MACH_MSG_TYPE_MOVE_SEND : MACH_MSG_TYPE_COPY_SEND;
  const c = rightCopyinAt(space, index, name, once, false);
  if (c.kr !== KERN_SUCCESS) return fail(MACH_SEND_INVALID_DEST);
  const port = c.port;
  return { mr: MACH_MSG_SUCCESS, dest: port, reply: portCopySend(port), soright: c.soright };
}

/** ipc_kmsg_clean_partial: a body failure destroys the header's rights and the descriptors already taken. */
function cleanPartial(kmsg: IpcKmsg, count: number): void {
  destroyCarriedRight(kmsg.remote, msghBitsRemote(kmsg.bits));
  destroyCarriedRight(kmsg.local, msghBitsLocal(kmsg.bits));
  kmsg.remote = kmsg.local = null;
  kmsgCleanBody(kmsg, count);
}

/** ipc_kmsg_copyin_body for a 64-bit sender. */
export function copyinBody(sender: SenderIdentity, kmsg: IpcKmsg): number {
  const { space, memory } = sender;
  const data = kmsg.data;
  const view = viewOf(data);
  const size = kmsg.size;
  // A bare 24-byte header has no body: xnu-3248 reads the descriptor count from
  // where ipc_kmsg_get put the trailer, whose first word (MACH_MSG_TRAILER_FORMAT_0) is 0.
  if (size < HEADER_SIZE + 4) return MACH_MSG_SUCCESS;
  const count = view.getUint32(HEADER_SIZE, true);
  if (count === 0) return MACH_MSG_SUCCESS;

  // First pass: every descriptor lies inside the message, OOL copy options, kernel VM needed.
  let off = HEADER_SIZE + 4;
  let spaceNeeded = 0;
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    if (off + 12 > size) {
      cleanPartial(kmsg, 0);
      return MACH_SEND_MSG_TOO_SMALL;
    }
    const t = data[off + DESCRIPTOR_TYPE_OFFSET]!;
    const dsize = t === MACH_MSG_OOL_DESCRIPTOR || t === MACH_MSG_OOL_PORTS_DESCRIPTOR || t === MACH_MSG_OOL_VOLATILE_DESCRIPTOR ? 16 : 12;
    if (off + dsize > size) {
      cleanPartial(kmsg, 0);
      return MACH_SEND_MSG_TOO_SMALL;
    }
    if (t === MACH_MSG_OOL_DESCRIPTOR || t === MACH_MSG_OOL_VOLATILE_DESCRIPTOR) {
      const d = OOL_DESCRIPTOR.read(view, off);
      if (d.copy !== MACH_MSG_PHYSICAL_COPY && d.copy !== MACH_MSG_VIRTUAL_COPY) {
        cleanPartial(kmsg, 0);
        return MACH_SEND_INVALID_TYPE;
      }
      if (d.size >= MSG_OOL_SIZE_SMALL && d.copy === MACH_MSG_PHYSICAL_COPY && !d.deallocate) {
        spaceNeeded += Math.ceil(d.size / PAGE) * PAGE;
        if (spaceNeeded > IPC_KMSG_MAX_VM_SPACE) {
          cleanPartial(kmsg, 0);
          return MACH_MSG_VM_KERNEL;
        }
      }
    }
    offsets.push(off);
    off += dsize;
  }

  // Second pass: take the rights and the memory, descriptor by descriptor.
  const dest = kmsg.remote instanceof IpcPort ? kmsg.remote : null;
  const descs: KDesc[] = [];
  kmsg.descs = descs;
  for (let i = 0; i < count; i++) {
    const at = offsets[i]!;
    const t = data[at + DESCRIPTOR_TYPE_OFFSET]!;
    let mr = MACH_MSG_SUCCESS;
    switch (t) {
      case MACH_MSG_PORT_DESCRIPTOR: {
        const d = PORT_DESCRIPTOR.read(view, at);
        const type = carriedType(d.disposition);
        let port: PortRef = d.name === MACH_PORT_DEAD ? IP_DEAD : null;
        if (machPortValid(d.name)) {
          const r = rightCopyin(space, d.name, d.disposition, true);
          if (r.kr !== KERN_SUCCESS) {
            mr = MACH_SEND_INVALID_RIGHT;
            break;
          }
          port = r.port;
          if (r.soright) notifyPortDeleted(r.soright, d.name);
          if (type === MACH_MSG_TYPE_PORT_RECEIVE && ipValid(port) && dest && checkCircularity(port, dest)) {
            kmsg.bits = (kmsg.bits | MACH_MSGH_BITS_CIRCULAR) >>> 0;
          }
        }
        descs.push({ kind: 0, off: at, port, type });
        break;
      }
      case MACH_MSG_OOL_DESCRIPTOR:
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
        const d = OOL_DESCRIPTOR.read(view, at);
        // A region the sender handed over sealed is taken as it is, unread (ool_backing.ts).
        const backing = d.size > 0 && memory?.takeBacking ? memory.takeBacking(d.address, d.size) : null;
        if (backing) {
          if (d.deallocate) memory!.deallocate(d.address, d.size);
          descs.push(new BackedOolDesc(t as 1 | 3, at, backing, MACH_MSG_VIRTUAL_COPY, d.deallocate !== 0));
          break;
        }
        let bytes = new Uint8Array(0);
        if (d.size > 0) {
          const got = memory ? memory.read(d.address, d.size) : null;
          if (!got) {
            mr = MACH_SEND_INVALID_MEMORY;
            break;
          }
          bytes = got.slice();
          if (d.deallocate) memory!.deallocate(d.address, d.size);
        }
        descs.push({ kind: t as 1 | 3, off: at, data: bytes, copy: MACH_MSG_VIRTUAL_COPY, deallocate: d.deallocate !== 0, owned: true });
        break;
      }
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        const d = OOL_PORTS_DESCRIPTOR.read(view, at);
        if (d.count > INT_MAX / 8) {
          mr = MACH_SEND_TOO_LARGE;
          break;
        }
        const type = carriedType(d.disposition);
        const ports: PortRef[] = [];
        if (d.count > 0) {
          const names = memory ? memory.read(d.address, d.count * 4) : null;
          if (!names) {
            mr = MACH_SEND_INVALID_MEMORY;
            break;
          }
          const nv = viewOf(names);
          for (let j = 0; j < d.count; j++) {
            const name = nv.getUint32(j * 4, true);
            if (!machPortValid(name)) {
              ports.push(name === MACH_PORT_DEAD ? IP_DEAD : null);
              continue;
            }
            const r = rightCopyin(space, name, d.disposition, true);
            if (r.kr !== KERN_SUCCESS) {
              for (const p of ports) destroyCarriedRight(p, type);
              mr = MACH_SEND_INVALID_RIGHT;
              break;
            }
            ports.push(r.port);
            if (r.soright) notifyPortDeleted(r.soright, name);
            if (type === MACH_MSG_TYPE_PORT_RECEIVE && ipValid(r.port) && dest && checkCircularity(r.port, dest)) {
              kmsg.bits = (kmsg.bits | MACH_MSGH_BITS_CIRCULAR) >>> 0;
            }
          }
          if (mr !== MACH_MSG_SUCCESS) break;
          if (d.deallocate) memory!.deallocate(d.address, d.count * 4);
        }
        descs.push({ kind: 2, off: at, ports, type, copy: MACH_MSG_VIRTUAL_COPY, deallocate: d.deallocate !== 0 });
        break;
      }
      default:
        mr = MACH_SEND_INVALID_TYPE;
    }
    if (mr !== MACH_MSG_SUCCESS) {
      cleanPartial(kmsg, descs.length);
      kmsg.descs = null;
      return mr;
    }
  }
  return MACH_MSG_SUCCESS;
}

/**
 * ipc_port_check_circularity: would queueing receive right `port` on `dest`
 * make a loop of ports in transit? If not, record where `port` is going.
 */
export function checkCircularity(port: IpcPort, dest: IpcPort): boolean {
  if (port === dest) return true;
  let p: IpcPort | null = dest;
  // Follow where each port in transit is headed; a chain that loops without
  // reaching `port` (which a queued notification can build) ends the walk too.
  const seen = new Set<IpcPort>();
  while (p && p.active && p.receiver === null && !seen.has(p)) {
    if (p === port) return true;
    seen.add(p);
    p = p.destination;
  }
  if (p === port) return true;
  port.destination = dest;
  return false;
}
