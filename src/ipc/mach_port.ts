/**
 * osfmk/ipc/mach_port.c: the operations behind the mach_port MIG subsystem,
 * on a space. Each validates in XNU's order before it changes anything and
 * returns XNU's code.
 */
import {
  KERN_ALREADY_IN_SET,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_TASK,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_RESOURCE_SHORTAGE,
  KERN_NOT_IN_SET,
  KERN_RIGHT_EXISTS,
  KERN_SUCCESS,
  KERN_UREFS_OVERFLOW,
  type KernReturn,
} from "../abi/kern_return.js";
import { carriedType, machMsgTypePortAny, machMsgTypePortAnyRight, MACH_MSG_SIZE_MAX, MACH_MSG_TRAILER_MINIMUM_SIZE, MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_RCV_TRAILER_AUDIT, MAX_TRAILER_SIZE, requestedTrailerSize } from "../abi/message.js";
import {
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_POSSIBLE,
  MACH_PORT_DEAD,
  MACH_PORT_DNREQUESTS_SIZE,
  MACH_PORT_DNREQUESTS_SIZE_COUNT,
  MACH_PORT_INFO_EXT,
  MACH_PORT_INFO_EXT_COUNT,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_LIMITS_INFO_COUNT,
  MACH_PORT_NULL,
  MACH_PORT_QLIMIT_MAX,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RECEIVE_STATUS_COUNT,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_NUMBER,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_STATUS_FLAG_GUARDED,
  MACH_PORT_STATUS_FLAG_IMP_DONATION,
  MACH_PORT_STATUS_FLAG_STRICT_GUARD,
  MACH_PORT_STATUS_FLAG_TEMPOWNER,
  MACH_PORT_TEMPOWNER,
  MACH_PORT_IMPORTANCE_RECEIVER,
  MACH_PORT_DENAP_RECEIVER,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_SPREQUEST,
  MACH_PORT_TYPE_SPREQUEST_DELAYED,
  MACH_PORT_TYPE_PORT_OR_DEAD,
  MACH_PORT_TYPE_PORT_RIGHTS,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_UREFS_MAX,
  MPO_CONTEXT_AS_GUARD,
  kGUARD_EXC_DESTROY,
  kGUARD_EXC_INCORRECT_GUARD,
  kGUARD_EXC_MOD_REFS,
  kGUARD_EXC_SET_CONTEXT,
  kGUARD_EXC_UNGUARDED,
  MPO_INSERT_SEND_RIGHT,
  MPO_IMPORTANCE_RECEIVER,
  MPO_DENAP_RECEIVER,
  MPO_QLIMIT,
  MPO_STRICT,
  MPO_TEMPOWNER,
  machPortMake,
  machPortTypeOf,
  machPortValid,
} from "../abi/port.js";
import { IKOT_NONE } from "../abi/ikot.js";
import { machPortGuardException } from "./guard.js";
import { mqueueOf, psetAddMember, psetRemoveMember, wakeSenders } from "./mqueue.js";
import { writeTrailer } from "./kmsg_copyout.js";
import { viewOf } from "../abi/layout.js";
import { notifyDeadName, notifyNameWithId, notifyNoSenders, notifyPortDeleted, notifySendOnce } from "./notify.js";
import { IP_DEAD, IpcPort, IpcPset, ipValid, type PortRef } from "./port.js";
import {
  allocDeadName,
  allocPortSet,
  allocReceive,
  portDestroy,
  portMakeSend,
  requestCancel,
  rightCheck,
  rightCopyin,
  rightCopyout,
  rightDealloc,
  rightDestroy,
  rightReverse,
  setEntryBits,
  psetDestroy,
} from "./right.js";
import { requestTableGrow, requestTableReserve, requestTableSize } from "./request_table.js";
import { IPC_TABLE_MAX_ENTRIES, nextTableSize } from "./ipc_table.js";
import { IE_BITS_GEN_MASK, IE_BITS_REQUEST, IE_BITS_TYPE_MASK, IE_BITS_UREFS_MASK, type IpcSpace } from "./space.js";

type R<T> = { kr: KernReturn } & Partial<T>;
// The caller's fresh literal gets its code: no copy of it per call.
const ok = <T extends object>(v: T): R<T> => {
  (v as { kr?: KernReturn }).kr = KERN_SUCCESS;
  return v as R<T>;
};
const fail = (kr: KernReturn) => ({ kr });

const urefsUnderflow = (urefs: number, delta: number): boolean => delta < 0 && -delta > urefs;
const urefsOverflow = (urefs: number, delta: number): boolean => delta > 0 && urefs + delta > MACH_PORT_UREFS_MAX;

/**
 * ipc_right_delta's delta for dead names and send rights with CVE-2016-7637's
 * fix (xnu-3789.31.2): null for KERN_INVALID_VALUE; pegged references change
 * only by removing all of them at once; an overflow stops at the maximum.
 */
function peggedDelta(urefs: number, delta: number): number | null {
  if (delta > MACH_PORT_UREFS_MAX || delta < -MACH_PORT_UREFS_MAX) return null;
  if (urefs === MACH_PORT_UREFS_MAX) return delta === -MACH_PORT_UREFS_MAX ? delta : 0;
  if (urefsUnderflow(urefs, delta)) return null;
  return delta > 0 && urefs + delta >= MACH_PORT_UREFS_MAX ? MACH_PORT_UREFS_MAX - urefs : delta;
}

/** ipc_right_delta's checks of a dead-name or send-right delta: the delta to apply, or the error. `peak` is the most xnu-3248 lets the entry hold. */
function urefsDelta(space: IpcSpace, urefs: number, delta: number, peak: number): { kr: KernReturn; delta: number } {
  if (space.pegUrefs) {
    const d = peggedDelta(urefs, delta);
    return d === null ? { kr: KERN_INVALID_VALUE, delta: 0 } : { kr: KERN_SUCCESS, delta: d };
  }
  if (urefsUnderflow(urefs, delta)) return { kr: KERN_INVALID_VALUE, delta: 0 };
  if (urefsOverflow(urefs + MACH_PORT_UREFS_MAX - peak, delta)) return { kr: KERN_UREFS_OVERFLOW, delta: 0 };
  return { kr: KERN_SUCCESS, delta };
}

/** ipc_right_info: the type a name reports, after a dead-port check. */
export function rightInfo(space: IpcSpace, index: number): { type: number; urefs: number } {
  const type = rightType(space, index);
  return { type, urefs: space.bits[index]! & IE_BITS_UREFS_MASK };
}

/** rightInfo's type alone (mach_port_type, a null RPC: no object for it). */
function rightType(space: IpcSpace, index: number): number {
  rightCheck(space, index);
  const bits = space.bits[index]!;
  let type = bits & IE_BITS_TYPE_MASK;
  if (bits & IE_BITS_REQUEST) type |= requestType(space, index);
  return type >>> 0;
}

/**
 * ipc_port_request_type: DNREQUEST while the request still holds its send-once
 * right (a fired send-possible request keeps its slot without one), with
 * SPREQUEST for a send-possible request, and SPREQUEST_DELAYED while it is not armed.
 */
function requestType(space: IpcSpace, index: number): number {
  const obj = space.objs[index];
  if (!(obj instanceof IpcPort)) return MACH_PORT_TYPE_DNREQUEST;
  const name = space.nameOf(index);
  const r = obj.ext?.requests?.find((q) => q.space === space && q.name === name);
  if (!r || !r.notify) return 0;
  if (!r.sendPossible) return MACH_PORT_TYPE_DNREQUEST;
  return (MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST | (r.armed ? 0 : MACH_PORT_TYPE_SPREQUEST_DELAYED)) >>> 0;
}

/** mach_port_names: every name and its type, in table order. */
export function machPortNames(space: IpcSpace | null): R<{ names: number[]; types: number[] }> {
  if (!space) return fail(KERN_INVALID_TASK);
  const names: number[] = [];
  const types: number[] = [];
  for (const [name, index] of [...space.entries()]) {
    if (space.lookup(name) !== index) continue;
    names.push(name);
    types.push(rightInfo(space, index).type);
  }
  return ok({ names, types });
}

/** mach_port_type. */
export function machPortType(space: IpcSpace | null, name: number): R<{ ptype: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (name === MACH_PORT_NULL) return fail(KERN_INVALID_NAME);
  if (name === MACH_PORT_DEAD) return ok({ ptype: MACH_PORT_TYPE_DEAD_NAME });
  const index = space.lookup(name);
  if (index < 0) return fail(KERN_INVALID_NAME);
  // A literal with its code already in it: ok() adding `kr` to one gives it a property store
  // to allocate as well.
  return { kr: KERN_SUCCESS, ptype: rightType(space, index) };
}

/** mach_port_qos_t: a chosen name, a preallocated kernel message buffer of `len` bytes. */
export interface MachPortQos {
  name: boolean;
  prealloc: boolean;
  len: number;
}
const QOS_NONE: MachPortQos = { name: false, prealloc: false, len: 0 };

/**
 * mach_port_allocate_full, which allocate, allocate_name and allocate_qos all
 * call: the space, the prototype (always refused), the chosen name, the
 * preallocation, then the kind of right. A dead name ignores qos.name and gets
 * a fresh name (ipc_object_alloc_dead), as in xnu-3248.
 */
export function machPortAllocateFull(space: IpcSpace | null, right: number, protoValid: boolean, qos: MachPortQos, name: number): R<{ name: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (protoValid) return fail(KERN_INVALID_VALUE);
  if (qos.name && !machPortValid(name)) return fail(KERN_INVALID_VALUE);
  if (qos.prealloc) {
    if (qos.len >>> 0 > MACH_MSG_SIZE_MAX - MAX_TRAILER_SIZE) return fail(KERN_RESOURCE_SHORTAGE);
    if (right !== MACH_PORT_RIGHT_RECEIVE) return fail(KERN_INVALID_VALUE);
  }
  let r;
  switch (right) {
    case MACH_PORT_RIGHT_RECEIVE: {
      const a = allocReceive(space, qos.name ? name : 0);
      if (a.kr === KERN_SUCCESS && qos.prealloc) a.port!.x().prealloc = { size: preallocSize(qos.len >>> 0), inUse: false };
      r = a;
      break;
    }
    case MACH_PORT_RIGHT_PORT_SET:
      r = allocPortSet(space, qos.name ? name : 0);
      break;
    case MACH_PORT_RIGHT_DEAD_NAME:
      r = allocDeadName(space);
      break;
    default:
      return fail(KERN_INVALID_VALUE);
  }
  return r.kr === KERN_SUCCESS ? ok({ name: r.name }) : fail(r.kr);
}

/**
 * ipc_kmsg_prealloc's buffer: the length with the trailer, grown by the 64-bit
 * header delta and by the worst-case descriptor expansion, never under
 * IKM_SAVED_MSG_SIZE (ipc_kmsg_alloc).
 */
function preallocSize(len: number): number {
  const withTrailer = len + MAX_TRAILER_SIZE + 8;
  const kernelSize = withTrailer - MAX_TRAILER_SIZE;
  // mach_msg_base_t is 36 bytes in the kernel; every 12 bytes past it could be a descriptor growing by 4.
  const expanded = kernelSize > 36 ? withTrailer + Math.floor((kernelSize - 36) / 12) * 4 : withTrailer;
  return Math.max(expanded, 256);
}

/** mach_port_allocate. */
export function machPortAllocate(space: IpcSpace | null, right: number): R<{ name: number }> {
  return machPortAllocateFull(space, right, false, QOS_NONE, 0);
}

/** mach_port_allocate_name: the name is checked before the space. */
export function machPortAllocateName(space: IpcSpace | null, right: number, name: number): KernReturn {
  if (!machPortValid(name)) return KERN_INVALID_VALUE;
  return machPortAllocateFull(space, right, false, { ...QOS_NONE, name: true }, name).kr;
}

/** mach_port_allocate_qos: a chosen name is refused here (allocate_full takes one). */
export function machPortAllocateQos(space: IpcSpace | null, right: number, qos: MachPortQos): R<{ name: number }> {
  if (qos.name) return fail(KERN_INVALID_ARGUMENT);
  return machPortAllocateFull(space, right, false, qos, 0);
}

/** mach_port_deallocate: an invalid name is quietly accepted, as in XNU. */
export function machPortDeallocate(space: IpcSpace | null, name: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_SUCCESS;
  return rightDealloc(space, name);
}

/** mach_port_destroy. */
export function machPortDestroy(space: IpcSpace | null, name: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_SUCCESS;
  return rightDestroy(space, name);
}

/** mach_port_get_refs. */
export function machPortGetRefs(space: IpcSpace | null, name: number, right: number): R<{ refs: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (right >>> 0 >= MACH_PORT_RIGHT_NUMBER) return fail(KERN_INVALID_VALUE);
  if (!machPortValid(name)) {
    if (right === MACH_PORT_RIGHT_SEND || right === MACH_PORT_RIGHT_SEND_ONCE) return ok({ refs: 1 });
    return fail(KERN_INVALID_NAME);
  }
  const index = space.lookup(name);
  if (index < 0) return fail(KERN_INVALID_NAME);
  const { type, urefs } = rightInfo(space, index);
  if (!(type & machPortTypeOf(right))) return ok({ refs: 0 });
  switch (right) {
    case MACH_PORT_RIGHT_SEND_ONCE:
    case MACH_PORT_RIGHT_PORT_SET:
    case MACH_PORT_RIGHT_RECEIVE:
      return ok({ refs: 1 });
    default:
      return ok({ refs: urefs });
  }
}

/** mach_port_mod_refs (ipc_right_delta). */
export function machPortModRefs(space: IpcSpace | null, name: number, right: number, delta: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (right >>> 0 >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  if (!machPortValid(name)) {
    if (right === MACH_PORT_RIGHT_SEND || right === MACH_PORT_RIGHT_SEND_ONCE) return KERN_SUCCESS;
    return KERN_INVALID_NAME;
  }
  const index = space.lookup(name);
  if (index < 0) return KERN_INVALID_NAME;
  return rightDelta(space, index, name, right, delta);
}

function rightDelta(space: IpcSpace, index: number, name: number, right: number, delta: number): KernReturn {
  let bits = space.bits[index]!;
  const obj = space.objs[index];
  switch (right) {
    case MACH_PORT_RIGHT_PORT_SET: {
      if (!(bits & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
      if (delta === 0) return KERN_SUCCESS;
      if (delta !== -1) return KERN_INVALID_VALUE;
      space.free(index);
      psetDestroy(obj as IpcPset);
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_RECEIVE: {
      if (!(bits & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      if (delta === 0) return KERN_SUCCESS;
      if (delta !== -1) return KERN_INVALID_VALUE;
      const port = obj as IpcPort;
      // A guarded receive right cannot be dropped this way, whatever its guard.
      if (port.ext?.guarded) {
        machPortGuardException(name, 0n, port.ext.context, kGUARD_EXC_MOD_REFS);
        return KERN_INVALID_RIGHT;
      }
      let so: IpcPort | null = null;
      if (bits & MACH_PORT_TYPE_SEND) {
        // The name lives on as a send right (to a port about to die).
        setEntryBits(space, index, (bits & ~MACH_PORT_TYPE_RECEIVE) >>> 0);
        space.sendHash.set(port, name);
      } else {
        so = requestCancel(space, index, port, name);
        space.free(index);
      }
      port.receiver = null;
      port.receiverName = 0;
      portDestroy(port);
      if (so) notifyPortDeleted(so, name);
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_SEND_ONCE: {
      if (!(bits & MACH_PORT_TYPE_SEND_ONCE)) return KERN_INVALID_RIGHT;
      if (rightCheck(space, index)) return KERN_INVALID_RIGHT;
      if (delta > 0 || delta < -1) return KERN_INVALID_VALUE;
      if (delta === 0) return KERN_SUCCESS;
      const port = obj as IpcPort;
      const so = requestCancel(space, index, port, name);
      space.free(index);
      notifySendOnce(port);
      if (so) notifyPortDeleted(so, name);
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_DEAD_NAME: {
      if (bits & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) {
        if (!rightCheck(space, index)) return KERN_INVALID_RIGHT;
        bits = space.bits[index]!;
      } else if (!(bits & MACH_PORT_TYPE_DEAD_NAME)) return KERN_INVALID_RIGHT;
      const urefs = bits & IE_BITS_UREFS_MASK;
      const d = urefsDelta(space, urefs, delta, MACH_PORT_UREFS_MAX);
      if (d.kr !== KERN_SUCCESS) return d.kr;
      delta = d.delta;
      if (urefs + delta === 0) space.free(index);
      else space.bits[index] = bits + delta;
      return KERN_SUCCESS;
    }
    case MACH_PORT_RIGHT_SEND: {
      if (!(bits & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
      if (rightCheck(space, index)) return KERN_INVALID_RIGHT;
      const urefs = bits & IE_BITS_UREFS_MASK;
      // In xnu-3248 a send right peaks at MACH_PORT_UREFS_MAX - 1.
      const d = urefsDelta(space, urefs, delta, MACH_PORT_UREFS_MAX - 1);
      if (d.kr !== KERN_SUCCESS) return d.kr;
      delta = d.delta;
      if (urefs + delta === 0) {
        const port = obj as IpcPort;
        let so: IpcPort | null = null;
        if (bits & MACH_PORT_TYPE_RECEIVE) setEntryBits(space, index, (bits & ~(IE_BITS_UREFS_MASK | MACH_PORT_TYPE_SEND)) >>> 0);
        else {
          so = requestCancel(space, index, port, name);
          space.free(index);
        }
        releaseSendFromEntry(port);
        if (so) notifyPortDeleted(so, name);
      } else space.bits[index] = bits + delta;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_RIGHT;
  }
}

function releaseSendFromEntry(port: IpcPort): void {
  port.srights--;
  if (port.srights === 0 && port.active && port.ext?.nsrequest) {
    const so = port.ext.nsrequest;
    port.ext.nsrequest = null;
    notifyNoSenders(so, port.mscount);
  }
}

/** ipc_port_translate_receive: the port whose receive right `name` holds. */
export function translateReceive(space: IpcSpace, name: number): { kr: KernReturn; port: IpcPort | null } {
  const index = space.lookup(name);
  if (index < 0) return { kr: KERN_INVALID_NAME, port: null };
  if (!(space.bits[index]! & MACH_PORT_TYPE_RECEIVE)) return { kr: KERN_INVALID_RIGHT, port: null };
  return { kr: KERN_SUCCESS, port: space.objs[index] as IpcPort };
}

/**
 * mach_port_insert_right (ipc_object_copyout_name): give `space` the right
 * `port` under exactly `name`. `type` is the carried type. Fails without consuming.
 */
export function machPortInsertRight(space: IpcSpace | null, name: number, port: PortRef, type: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name) || !machMsgTypePortAnyRight(type)) return KERN_INVALID_VALUE;
  if (!ipValid(port)) return KERN_INVALID_CAPABILITY;
  return copyoutName(space, port, type, name);
}

function copyoutName(space: IpcSpace, port: IpcPort, type: number, name: number): KernReturn {
  // ipc_entry_alloc_name refuses a space that is being torn down.
  if (!space.active) return KERN_INVALID_TASK;
  let index = space.lookup(name);
  let created = false;
  if (index < 0) {
    const kr = space.allocName(name);
    if (kr !== KERN_SUCCESS) return kr;
    index = space.indexOf(name);
    created = true;
  }
  const undo = (): void => {
    if (created) space.free(index);
  };
  if (type !== MACH_MSG_TYPE_PORT_SEND_ONCE) {
    const oindex = port.active ? rightReverse(space, port) : -1;
    if (oindex >= 0) {
      if (oindex !== index) {
        undo();
        return KERN_RIGHT_EXISTS;
      }
    } else if (!created) return KERN_NAME_EXISTS;
  } else if (!created) return KERN_NAME_EXISTS;
  if (!port.active) {
    undo();
    return KERN_INVALID_CAPABILITY;
  }
  if (created) space.objs[index] = port;
  // The name is ready; let the ordinary copyout do the accounting without overflow.
  const r = rightCopyoutAt(space, index, port, type);
  if (r !== KERN_SUCCESS) undo();
  return r;
}

function rightCopyoutAt(space: IpcSpace, index: number, port: IpcPort, type: number): KernReturn {
  // rightCopyout finds the entry through the reverse lookup or allocates; with the
  // entry already holding `port` (or freshly claimed for it) it lands at `index`.
  const bits = space.bits[index]!;
  if ((bits & IE_BITS_TYPE_MASK) === 0) {
    const r = rightCopyoutFresh(space, index, port, type);
    return r;
  }
  return rightCopyout(space, port, type, false).kr;
}

function rightCopyoutFresh(space: IpcSpace, index: number, port: IpcPort, type: number): KernReturn {
  const name = space.nameOf(index);
  switch (type) {
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      setEntryBits(space, index, MACH_PORT_TYPE_SEND_ONCE | 1);
      return KERN_SUCCESS;
    case 17:
      setEntryBits(space, index, MACH_PORT_TYPE_SEND | 1);
      space.sendHash.set(port, name);
      return KERN_SUCCESS;
    case 16:
      setEntryBits(space, index, MACH_PORT_TYPE_RECEIVE);
      port.receiver = space;
      port.receiverName = name;
      port.destination = null;
      return KERN_SUCCESS;
    default:
      return KERN_INVALID_VALUE;
  }
}

/** mach_port_extract_right: take a right out of `space` as if into a message. */
export function machPortExtractRight(space: IpcSpace | null, name: number, msgt: number): R<{ port: PortRef; type: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (!machMsgTypePortAny(msgt)) return fail(KERN_INVALID_VALUE);
  if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
  const r = rightCopyin(space, name, msgt, true);
  if (r.kr !== KERN_SUCCESS) return fail(r.kr);
  const port = r.port;
  if (r.soright) notifyPortDeleted(r.soright, name);
  return ok({ port, type: carriedType(msgt) });
}

/** mach_port_request_notification. `notify` is a send-once right (or null to cancel). */
export function machPortRequestNotification(
  space: IpcSpace | null,
  name: number,
  id: number,
  sync: number,
  notify: PortRef,
): R<{ previous: IpcPort | null }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (notify === IP_DEAD) return fail(KERN_INVALID_CAPABILITY);
  const so = ipValid(notify) ? notify : null;
  switch (id) {
    case MACH_NOTIFY_PORT_DESTROYED: {
      if (sync !== 0) return fail(KERN_INVALID_VALUE);
      if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
      const t = translateReceive(space, name);
      if (t.kr !== KERN_SUCCESS) return fail(t.kr);
      const port = t.port!;
      // xnu-3248 takes the request on a kernel-object port too (a timer's, a host notification port's):
      // the receive right then travels in the notification with its object still bound.
      if (space.refuseKobjectPdrequest && port.kotype !== 0) return fail(KERN_INVALID_RIGHT);
      const x = port.x();
      const previous = x.pdrequest;
      x.pdrequest = so;
      return ok({ previous });
    }
    case MACH_NOTIFY_NO_SENDERS: {
      if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
      const t = translateReceive(space, name);
      if (t.kr !== KERN_SUCCESS) return fail(t.kr);
      const port = t.port!;
      const x = port.x();
      const previous = x.nsrequest;
      if (port.srights === 0 && sync >>> 0 <= port.mscount && so) {
        x.nsrequest = null;
        notifyNoSenders(so, port.mscount);
      } else x.nsrequest = so;
      return ok({ previous });
    }
    case MACH_NOTIFY_SEND_POSSIBLE:
      if (!machPortValid(name)) return fail(KERN_INVALID_ARGUMENT);
      return requestAlloc(space, name, sync !== 0, true, so);
    case MACH_NOTIFY_DEAD_NAME:
      if (!machPortValid(name)) return fail(KERN_INVALID_ARGUMENT);
      return requestAlloc(space, name, sync !== 0, false, so);
    default:
      return fail(KERN_INVALID_VALUE);
  }
}

/** ipc_right_request_alloc: register (or cancel) a dead-name / send-possible request on a name. */
function requestAlloc(space: IpcSpace, name: number, immediate: boolean, sendPossible: boolean, notify: IpcPort | null): R<{ previous: IpcPort | null }> {
  const index = space.lookup(name);
  if (index < 0) return fail(KERN_INVALID_NAME);
  const bits = space.bits[index]!;
  if (!notify && !(bits & IE_BITS_REQUEST)) return ok({ previous: null });
  if (bits & MACH_PORT_TYPE_PORT_RIGHTS) {
    const port = space.objs[index] as IpcPort;
    if (!rightCheck(space, index)) {
      const previous = requestCancel(space, index, port, name);
      if (!notify) return ok({ previous });
      if (sendPossible && immediate && (bits & MACH_PORT_TYPE_SEND_ONCE || port.receiver?.kind === "kernel" || mqueueOf(port).count < port.qlimit)) {
        notifySendPossible(notify, name);
        return ok({ previous });
      }
      // ipc_port_request_alloc, growing the table when it is full (a cancelled previous request freed a slot).
      const kr = requestTableReserve(port);
      if (kr !== KERN_SUCCESS) return fail(kr);
      const x = port.x();
      // An immediate send-possible request that found the queue full is armed at once.
      const armed = sendPossible && immediate;
      (x.requests ??= []).push({ space, name, notify, sendPossible, armed });
      if (armed) x.sprequests = true;
      space.bits[index] = (space.bits[index]! | IE_BITS_REQUEST) >>> 0;
      return ok({ previous });
    }
  }
  const now = space.bits[index]!;
  if ((sendPossible || immediate) && notify && now & MACH_PORT_TYPE_DEAD_NAME) {
    const urefs = now & IE_BITS_UREFS_MASK;
    if (space.pegUrefs) {
      // xnu-3789.31.2: the notification's reference is not counted past the maximum.
      if (urefs < MACH_PORT_UREFS_MAX) space.bits[index] = now + 1;
    } else {
      if (urefsOverflow(urefs, 1)) return fail(KERN_UREFS_OVERFLOW);
      space.bits[index] = now + 1;
    }
    notifyDeadName(notify, name);
    return ok({ previous: null });
  }
  return fail(now & MACH_PORT_TYPE_PORT_OR_DEAD ? KERN_INVALID_ARGUMENT : KERN_INVALID_RIGHT);
}

function notifySendPossible(so: IpcPort, name: number): void {
  notifyNameWithId(so, MACH_NOTIFY_SEND_POSSIBLE, name);
}

/** mach_port_move_member. */
export function machPortMoveMember(space: IpcSpace | null, member: number, after: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(member)) return KERN_INVALID_RIGHT;
  if (after === MACH_PORT_DEAD) return KERN_INVALID_RIGHT;
  const mi = space.lookup(member);
  if (mi < 0) return KERN_INVALID_NAME;
  if (!(space.bits[mi]! & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
  const port = space.objs[mi] as IpcPort;
  let nset: IpcPset | null = null;
  if (after !== MACH_PORT_NULL) {
    const ai = space.lookup(after);
    if (ai < 0) return KERN_INVALID_NAME;
    if (!(space.bits[ai]! & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
    nset = space.objs[ai] as IpcPset;
  }
  const sets = port.ext?.psets;
  if (sets) for (const ps of [...sets]) psetRemoveMember(ps, port);
  if (nset) psetAddMember(nset, port);
  return KERN_SUCCESS;
}

function lookupTwo(space: IpcSpace, name: number, psname: number): { kr: KernReturn; port?: IpcPort; pset?: IpcPset } {
  const a = space.lookup(name);
  const b = space.lookup(psname);
  if (a < 0 || b < 0) return { kr: KERN_INVALID_NAME };
  if (!(space.bits[a]! & MACH_PORT_TYPE_RECEIVE) || !(space.bits[b]! & MACH_PORT_TYPE_PORT_SET)) return { kr: KERN_INVALID_RIGHT };
  return { kr: KERN_SUCCESS, port: space.objs[a] as IpcPort, pset: space.objs[b] as IpcPset };
}

/** mach_port_insert_member. */
export function machPortInsertMember(space: IpcSpace | null, name: number, psname: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name) || !machPortValid(psname)) return KERN_INVALID_RIGHT;
  const r = lookupTwo(space, name, psname);
  if (r.kr !== KERN_SUCCESS) return r.kr;
  if (r.pset!.members.has(r.port!)) return KERN_ALREADY_IN_SET;
  psetAddMember(r.pset!, r.port!);
  return KERN_SUCCESS;
}

/** mach_port_extract_member. */
export function machPortExtractMember(space: IpcSpace | null, name: number, psname: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name) || !machPortValid(psname)) return KERN_INVALID_RIGHT;
  const r = lookupTwo(space, name, psname);
  if (r.kr !== KERN_SUCCESS) return r.kr;
  if (!r.pset!.members.has(r.port!)) return KERN_NOT_IN_SET;
  psetRemoveMember(r.pset!, r.port!);
  return KERN_SUCCESS;
}

/** mach_port_get_set_status: the members of a port set, by name. */
export function machPortGetSetStatus(space: IpcSpace | null, name: number): R<{ members: number[] }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
  const index = space.lookup(name);
  if (index < 0) return fail(KERN_INVALID_NAME);
  if (!(space.bits[index]! & MACH_PORT_TYPE_PORT_SET)) return fail(KERN_INVALID_RIGHT);
  const pset = space.objs[index] as IpcPset;
  const members: number[] = [];
  for (const p of pset.members) if (p.receiver === space) members.push(p.receiverName);
  return ok({ members });
}

/** Look up a receive right for the attribute-style routines. */
function receiveOf(space: IpcSpace, name: number): { kr: KernReturn; port: IpcPort | null } {
  return translateReceive(space, name);
}

/** mach_port_get_attributes. `count` is the caller's capacity in integers. */
export function machPortGetAttributes(space: IpcSpace | null, name: number, flavor: number, count: number): R<{ info: number[] }> {
  if (!space) return fail(KERN_INVALID_TASK);
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO: {
      if (count < MACH_PORT_LIMITS_INFO_COUNT) return fail(KERN_FAILURE);
      if (!machPortValid(name)) return ok({ info: [] });
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return fail(t.kr);
      return ok({ info: [t.port!.qlimit] });
    }
    case MACH_PORT_RECEIVE_STATUS:
    case MACH_PORT_INFO_EXT: {
      const need = flavor === MACH_PORT_RECEIVE_STATUS ? MACH_PORT_RECEIVE_STATUS_COUNT : MACH_PORT_INFO_EXT_COUNT;
      if (count < need) return fail(KERN_FAILURE);
      if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return fail(t.kr);
      const status = portStatus(t.port!);
      // mpie_boost_cnt (no importance donations here), then six reserved words.
      if (flavor === MACH_PORT_INFO_EXT) status.push(0, 0, 0, 0, 0, 0, 0);
      return ok({ info: status });
    }
    case MACH_PORT_DNREQUESTS_SIZE: {
      if (count < MACH_PORT_DNREQUESTS_SIZE_COUNT) return fail(KERN_FAILURE);
      if (!machPortValid(name)) return ok({ info: [0] });
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return fail(t.kr);
      return ok({ info: [requestTableSize(t.port!)] });
    }
    default:
      return fail(KERN_INVALID_ARGUMENT);
  }
}

/**
 * mach_port_get_status_helper: whether the port is in a set (never which),
 * the counts, and the flags, TEMPOWNER only under IMP_DONATION as 3248 nests them.
 */
export function portStatus(port: IpcPort): number[] {
  const x = port.ext;
  let flags = 0;
  if (x?.impDonation) {
    flags |= MACH_PORT_STATUS_FLAG_IMP_DONATION;
    if (x.tempOwner) flags |= MACH_PORT_STATUS_FLAG_TEMPOWNER;
  }
  if (x?.guarded) {
    flags |= MACH_PORT_STATUS_FLAG_GUARDED;
    if (x.strictGuard) flags |= MACH_PORT_STATUS_FLAG_STRICT_GUARD;
  }
  return [
    x?.psets?.length ? 1 : 0,
    port.seqno,
    port.mscount,
    port.qlimit,
    port.msgcount,
    port.sorights,
    port.srights > 0 ? 1 : 0,
    x?.pdrequest ? 1 : 0,
    x?.nsrequest ? 1 : 0,
    flags,
  ];
}

/** mach_port_set_attributes. */
export function machPortSetAttributes(space: IpcSpace | null, name: number, flavor: number, info: number[]): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO: {
      if (info.length < MACH_PORT_LIMITS_INFO_COUNT) return KERN_FAILURE;
      // The limit is checked before the name.
      const qlimit = info[0]! >>> 0;
      if (qlimit > MACH_PORT_QLIMIT_MAX) return KERN_INVALID_VALUE;
      if (!machPortValid(name)) return KERN_INVALID_RIGHT;
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return t.kr;
      t.port!.qlimit = qlimit;
      wakeSenders(t.port!, mqueueOf(t.port!));
      return KERN_SUCCESS;
    }
    case MACH_PORT_DNREQUESTS_SIZE: {
      if (info.length < MACH_PORT_DNREQUESTS_SIZE_COUNT) return KERN_FAILURE;
      if (!machPortValid(name)) return KERN_INVALID_RIGHT;
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return t.kr;
      return requestTableGrow(t.port!, info[0]! >>> 0);
    }
    case MACH_PORT_TEMPOWNER:
    case MACH_PORT_IMPORTANCE_RECEIVER:
    case MACH_PORT_DENAP_RECEIVER: {
      if (!machPortValid(name)) return KERN_INVALID_RIGHT;
      const t = receiveOf(space, name);
      if (t.kr !== KERN_SUCCESS) return t.kr;
      // No importance donation through a port already bound to a kernel object (a timer, a host notification).
      if (t.port!.kotype !== IKOT_NONE) return KERN_INVALID_ARGUMENT;
      const x = t.port!.x();
      x.impDonation = true;
      if (flavor === MACH_PORT_TEMPOWNER) x.tempOwner = true;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

/** The receive-right field setters (mscount, seqno, context). */
export function machPortSetMscount(space: IpcSpace | null, name: number, mscount: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_RIGHT;
  const t = receiveOf(space, name);
  if (t.kr === KERN_SUCCESS) t.port!.mscount = mscount >>> 0;
  return t.kr;
}

export function machPortSetSeqno(space: IpcSpace | null, name: number, seqno: number): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_RIGHT;
  const t = receiveOf(space, name);
  if (t.kr === KERN_SUCCESS) t.port!.seqno = seqno >>> 0;
  return t.kr;
}

export function machPortGetContext(space: IpcSpace | null, name: number): R<{ context: bigint }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
  const t = receiveOf(space, name);
  if (t.kr !== KERN_SUCCESS) return fail(t.kr);
  const x = t.port!.ext;
  // A strictly guarded port hides its context (the guard).
  return ok({ context: x && x.strictGuard ? 0n : (x?.context ?? 0n) });
}

export function machPortSetContext(space: IpcSpace | null, name: number, context: bigint): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_RIGHT;
  const t = receiveOf(space, name);
  if (t.kr !== KERN_SUCCESS) return t.kr;
  const x = t.port!.x();
  // A strictly guarded port's context is its guard: never settable.
  if (x.strictGuard) {
    machPortGuardException(name, context, x.context, kGUARD_EXC_SET_CONTEXT);
    return KERN_INVALID_ARGUMENT;
  }
  x.context = context;
  return KERN_SUCCESS;
}

/** mach_port_get_srights. */
export function machPortGetSrights(space: IpcSpace | null, name: number): R<{ srights: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
  const t = receiveOf(space, name);
  if (t.kr !== KERN_SUCCESS) return fail(t.kr);
  return ok({ srights: t.port!.srights });
}

/** mach_port_kobject: the kernel object type behind a send or receive right. */
export function machPortKobject(space: IpcSpace | null, name: number): R<{ type: number; addr: bigint }> {
  if (!space) return fail(KERN_INVALID_TASK);
  const index = space.lookup(name);
  if (index < 0) return fail(KERN_INVALID_NAME);
  if (!(space.bits[index]! & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))) return fail(KERN_INVALID_RIGHT);
  const port = space.objs[index] as IpcPort;
  if (!port.active) return fail(KERN_INVALID_RIGHT);
  // A release kernel fills the address only on DEVELOPMENT or DEBUG builds: 0.
  return ok({ type: port.kotype, addr: 0n });
}

/** mach_port_guard. */
export function machPortGuard(space: IpcSpace | null, name: number, guard: bigint, strict: boolean): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_NAME;
  const t = receiveOf(space, name);
  if (t.kr !== KERN_SUCCESS) return t.kr;
  const x = t.port!.x();
  // Any context at all (a guard is one) refuses a new guard.
  if (x.context !== 0n) return KERN_INVALID_ARGUMENT;
  x.guarded = true;
  x.strictGuard = strict;
  x.context = guard;
  return KERN_SUCCESS;
}

/** mach_port_unguard. */
export function machPortUnguard(space: IpcSpace | null, name: number, guard: bigint): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_NAME;
  const t = receiveOf(space, name);
  if (t.kr !== KERN_SUCCESS) return t.kr;
  const x = t.port!.x();
  // mach_port_unguard_locked: unguarded already, or the wrong guard; each raises EXC_GUARD.
  if (!x.guarded) {
    machPortGuardException(name, guard, 0n, kGUARD_EXC_UNGUARDED);
    return KERN_INVALID_ARGUMENT;
  }
  if (x.context !== guard) {
    machPortGuardException(name, guard, x.context, kGUARD_EXC_INCORRECT_GUARD);
    return KERN_INVALID_ARGUMENT;
  }
  x.guarded = false;
  x.strictGuard = false;
  x.context = 0n;
  return KERN_SUCCESS;
}

/**
 * mach_port_construct: the guard (or context) first, then each attribute as
 * mach_port_set_attributes sets it, then the send right; a failure destructs
 * the new port with its own context as the guard.
 */
export function machPortConstruct(space: IpcSpace | null, flags: number, qlimit: number, context: bigint): R<{ name: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  const r = allocReceive(space);
  if (r.kr !== KERN_SUCCESS) return fail(r.kr);
  const port = r.port!;
  const name = r.name;
  if (flags & MPO_CONTEXT_AS_GUARD) machPortGuard(space, name, context, (flags & MPO_STRICT) !== 0);
  else if (context !== 0n) port.x().context = context;
  const steps: [number, () => KernReturn][] = [
    [MPO_QLIMIT, () => machPortSetAttributes(space, name, MACH_PORT_LIMITS_INFO, [qlimit])],
    [MPO_TEMPOWNER, () => machPortSetAttributes(space, name, MACH_PORT_TEMPOWNER, [])],
    [MPO_IMPORTANCE_RECEIVER, () => machPortSetAttributes(space, name, MACH_PORT_IMPORTANCE_RECEIVER, [])],
    [MPO_DENAP_RECEIVER, () => machPortSetAttributes(space, name, MACH_PORT_DENAP_RECEIVER, [])],
    [MPO_INSERT_SEND_RIGHT, () => (portMakeSend(port), rightCopyout(space, port, 17, false).kr)],
  ];
  for (const [flag, step] of steps) {
    if (!(flags & flag)) continue;
    const kr = step();
    if (kr !== KERN_SUCCESS) {
      machPortDestruct(space, name, 0, context);
      return fail(kr);
    }
  }
  return ok({ name });
}

/**
 * mach_port_destruct (ipc_right_destruct's order): the rights, a positive
 * srdelta, the guard, an underflow; then `srdelta` send references and the
 * receive right go, the guard having been proven.
 */
export function machPortDestruct(space: IpcSpace | null, name: number, srdelta: number, guard: bigint): KernReturn {
  if (!space) return KERN_INVALID_TASK;
  if (!machPortValid(name)) return KERN_INVALID_NAME;
  const type = machPortType(space, name);
  if (type.kr !== KERN_SUCCESS) return type.kr;
  const bits = type.ptype!;
  if (!(bits & MACH_PORT_TYPE_RECEIVE) || (srdelta !== 0 && !(bits & MACH_PORT_TYPE_SEND))) return KERN_INVALID_RIGHT;
  if (srdelta > 0) return KERN_INVALID_VALUE;
  const port = translateReceive(space, name).port!;
  const x = port.ext;
  // A wrong guard: ipc_right_destruct raises EXC_GUARD with the port's guard (and 0 as the one offered).
  if (x?.guarded && x.context !== guard) {
    machPortGuardException(name, 0n, x.context, kGUARD_EXC_DESTROY);
    return KERN_INVALID_ARGUMENT;
  }
  if (srdelta !== 0) {
    const refs = machPortGetRefs(space, name, MACH_PORT_RIGHT_SEND).refs ?? 0;
    if (refs + srdelta < 0) return KERN_INVALID_VALUE;
    const kr = machPortModRefs(space, name, MACH_PORT_RIGHT_SEND, srdelta);
    if (kr !== KERN_SUCCESS) return kr;
  }
  if (x) {
    x.guarded = false;
    x.strictGuard = false;
  }
  return machPortModRefs(space, name, MACH_PORT_RIGHT_RECEIVE, -1);
}

/** mach_port_peek: size, id and trailer of a queued message without receiving it. */
export function machPortPeek(
  space: IpcSpace | null,
  name: number,
  trailerType: number,
  seqno: number,
  capacity: number,
): R<{ request_seqnop: number; msg_sizep: number; msg_idp: number; trailer_infop: Uint8Array }> {
  if (!space) return fail(KERN_INVALID_TASK);
  if (!machPortValid(name)) return fail(KERN_INVALID_RIGHT);
  const elements = (trailerType >>> 24) & 0xf;
  const tsize = requestedTrailerSize(trailerType);
  if (elements > MACH_RCV_TRAILER_AUDIT || tsize > Math.min(capacity, 68)) return fail(KERN_INVALID_VALUE);
  const t = translateReceive(space, name);
  if (t.kr !== KERN_SUCCESS) return fail(t.kr);
  const port = t.port!;
  // Queued messages carry consecutive sequence numbers from the port's next one.
  let n = port.seqno;
  // Only messages in the queue itself (not blocked senders' or ones being handed over) have sequence numbers.
  for (let m = port.mqueue?.head ?? null; m; m = m.next) {
    if (seqno === 0 || n === seqno >>> 0) {
      // ipc_mqueue_peek copies the queued message's own trailer, as ipc_kmsg_get left it:
      // format 0, msgh_trailer_size the minimum (8), the sender's tokens; then the seqno.
      const buf = new Uint8Array(68);
      const view = viewOf(buf);
      writeTrailer(view, 0, trailerType, n, m.secToken, m.auditToken, 0n);
      view.setUint32(4, MACH_MSG_TRAILER_MINIMUM_SIZE, true);
      // The size is the kernel form's (64-bit header, 16-byte port descriptors).
      return ok({ request_seqnop: n, msg_sizep: m.kernelSize(), msg_idp: m.id, trailer_infop: buf.subarray(0, tsize) });
    }
    n = (n + 1) >>> 0;
  }
  return fail(KERN_FAILURE);
}

/** mach_port_dnrequest_info: the size and use of a port's request table. */
export function machPortDnrequestInfo(space: IpcSpace | null, name: number): R<{ dnr_total: number; dnr_used: number }> {
  if (!space) return fail(KERN_INVALID_TASK);
  // No MACH_PORT_VALID check here: a null or dead name is simply not found.
  const t = translateReceive(space, name);
  if (t.kr !== KERN_SUCCESS) return fail(t.kr);
  // Every slot past the header whose name is set is in use, a fired send-possible request's included.
  return ok({ dnr_total: requestTableSize(t.port!), dnr_used: t.port!.ext?.requests?.length ?? 0 });
}

/** The iin_object a listing shows for a port or port set (stable, not a kernel address). */
export const objectToken = (obj: unknown): number => (obj instanceof IpcPort ? 0x80000000 | (obj.id << 4) : obj instanceof IpcPset ? 0xc0000000 | (obj.id << 4) : 0) >>> 0;

/**
 * is_table_next->its_size: the size the table grows to next. ipc_table's last
 * size repeats, so a table at XNU's largest size reports that size again.
 */
function tableNext(space: IpcSpace): number {
  const size = space.capacity;
  return nextTableSize(size, 0, Math.max(size, IPC_TABLE_MAX_ENTRIES)) || size;
}

/**
 * mach_port_space_info: ipc_info_space_t, the whole table as ipc_info_name_t, an empty tree.
 * iin_next and iin_hash are XNU's free-list and hash-chain internals (the hash from kernel
 * addresses): they read 0 here.
 */
export function machPortSpaceInfo(space: IpcSpace | null, exposeObjects = true): R<{ space_info: Uint8Array; table_info: Uint8Array; tree_info: Uint8Array }> {
  if (!space) return fail(KERN_INVALID_TASK);
  const size = space.capacity;
  const info = new Uint8Array(24);
  const iv = viewOf(info);
  iv.setUint32(0, 0xff, true); // iis_genno_mask
  iv.setUint32(4, size, true); // iis_table_size
  iv.setUint32(8, tableNext(space), true); // iis_table_next
  const table = new Uint8Array(size * 28);
  const tv = viewOf(table);
  for (let i = 0; i < size; i++) {
    const slot = space.slotAt(i);
    const bits = slot < 0 ? IE_BITS_GEN_MASK : space.bits[slot]!;
    const type = bits & IE_BITS_TYPE_MASK;
    const at = i * 28;
    tv.setUint32(at, i === 0 ? 0 : machPortMake(i, bits >>> 24), true);
    tv.setUint32(at + 4, 0, true);
    if (type !== 0) {
      const { type: t, urefs } = rightInfo(space, slot);
      tv.setUint32(at + 8, t, true);
      tv.setUint32(at + 12, urefs, true);
      // iin_object only when the MAC policy exposes the kernel's task (dbg_ok), else 0.
      if (exposeObjects) tv.setUint32(at + 16, objectToken(space.objs[slot]), true);
    }
  }
  return ok({ space_info: info, table_info: table, tree_info: new Uint8Array(0) });
}

/** mach_port_space_basic_info. */
export function machPortSpaceBasicInfo(space: IpcSpace | null): R<{ basic_info: Uint8Array }> {
  if (!space) return fail(KERN_INVALID_TASK);
  const out = new Uint8Array(24);
  const v = viewOf(out);
  v.setUint32(0, 0xff, true);
  v.setUint32(4, space.capacity, true);
  v.setUint32(8, tableNext(space), true);
  v.setUint32(12, space.used, true);
  return ok({ basic_info: out });
}
