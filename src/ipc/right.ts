/**
 * Every transition of a right (osfmk/ipc/ipc_right.c, ipc_port.c, ipc_object.c).
 *
 * Accounting rule, as in XNU: a port's srights counts send-right *holders*
 * (one per space entry however many user references it has, one per right in
 * a message, one per kernel slot); sorights likewise for send-once rights.
 * Nothing outside this module changes srights, sorights, mscount or entry bits.
 */
import {
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_TASK,
  KERN_NO_SPACE,
  KERN_SUCCESS,
  KERN_UREFS_OVERFLOW,
  type KernReturn,
} from "../abi/kern_return.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
} from "../abi/message.js";
import {
  MACH_PORT_DEAD,
  MACH_PORT_NULL,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_PORT_TYPE_SEND_RIGHTS,
  MACH_PORT_UREFS_MAX,
} from "../abi/port.js";
import { IKOT_NONE } from "../abi/ikot.js";
import { kGUARD_EXC_DESTROY } from "../abi/port.js";
import { machPortGuardException } from "./guard.js";
import { IP_DEAD, IpcPort, IpcPset, ipValid, type PortRef } from "./port.js";
import { IE_BITS_GEN_MASK, IE_BITS_REQUEST, IE_BITS_TYPE_MASK, IE_BITS_UREFS_MASK, type IpcSpace } from "./space.js";
import { notifyDeadName, notifyNoSenders, notifyPortDeleted, notifyPortDestroyed, notifySendOnce } from "./notify.js";
import { mqueueChanged, mqueueDestroy, psetRemoveMember, psetDestroyQueue } from "./mqueue.js";

// ---------------------------------------------------------------------------
// Port-level rights (no space involved): what kernel code and messages hold.

/** ipc_port_make_send: a new naked send right from the receive right. */
export function portMakeSend(port: IpcPort): IpcPort {
  port.mscount++;
  port.srights++;
  return port;
}

/** ipc_port_copy_send: another naked send right; IP_DEAD for a dead port, null for null. */
export function portCopySend(port: PortRef): PortRef {
  if (!ipValid(port)) return port;
  if (!port.active) return IP_DEAD;
  port.srights++;
  return port;
}

/** ipc_port_make_sonce. */
export function portMakeSendOnce(port: IpcPort): IpcPort {
  port.sorights++;
  return port;
}

/** ipc_port_release_send: drop a naked send right; the last one may fire no-senders. */
export function portReleaseSend(port: PortRef): void {
  if (!ipValid(port)) return;
  port.srights--;
  if (port.srights === 0 && port.active) noSendersCheck(port);
}

function noSendersCheck(port: IpcPort): void {
  const x = port.ext;
  // xnu-3248 does not keep the request's sync value: the last send right going away always fires it.
  if (x && x.nsrequest) {
    const so = x.nsrequest;
    x.nsrequest = null;
    notifyNoSenders(so, port.mscount);
  }
}

/** ipc_port_release_sonce: the right was used up (a message was sent with it). */
export function portReleaseSendOnce(port: PortRef): void {
  if (!ipValid(port)) return;
  port.sorights--;
}

/**
 * Destroy an unused send-once right: the port's receiver gets MACH_NOTIFY_SEND_ONCE
 * (ipc_object_destroy_dest). A dead port's right is simply released.
 */
export function portDestroySendOnce(port: PortRef): void {
  if (!ipValid(port)) return;
  if (!port.active) {
    port.sorights--;
    return;
  }
  notifySendOnce(port);
}

/** ipc_object_destroy for a right carried with `type`. */
export function destroyCarriedRight(port: PortRef, type: number): void {
  if (!ipValid(port)) return;
  switch (type) {
    case MACH_MSG_TYPE_PORT_SEND:
      portReleaseSend(port);
      return;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      portDestroySendOnce(port);
      return;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      portReleaseReceive(port);
      return;
  }
}

/** A receive right held outside any space (in a message, or by the kernel) is destroyed. */
export function portReleaseReceive(port: IpcPort): void {
  port.destination = null;
  portDestroy(port);
}

/**
 * ipc_port_destroy: the receive right is going away. A port-destroyed request
 * takes the right instead; otherwise the port dies and everything that waited
 * on it is told.
 */
export function portDestroy(port: IpcPort): void {
  if (!port.active) return;
  const x = port.ext;
  if (x && x.pdrequest) {
    const so = x.pdrequest;
    x.pdrequest = null;
    clearReceiver(port);
    notifyPortDestroyed(so, port);
    return;
  }
  port.active = false;
  port.receiver = null;
  port.receiverName = 0;
  port.destination = null;
  if (x) {
    if (x.psets) for (const ps of [...x.psets]) psetRemoveMember(ps, port);
    const ns = x.nsrequest;
    x.nsrequest = null;
    if (ns) notifySendOnce(ns);
    const pd = x.pdrequest;
    x.pdrequest = null;
    if (pd) notifySendOnce(pd);
    const reqs = x.requests;
    if (reqs) {
      // Leave the records (entries consult them when they turn into dead names) but fire them now.
      for (const r of reqs) {
        if (r.notify) {
          const so = r.notify;
          r.notify = null;
          notifyDeadName(so, r.name);
        }
      }
    }
  }
  mqueueDestroy(port);
  // ipc_kobject_destroy: a user port bound to a kernel object (a host notification) unbinds it.
  if (port.kotype !== IKOT_NONE) (port.kobject as Partial<KobjectDestroy> | null)?.ipcKobjectDestroy?.(port);
  destroyHook?.(port);
}

/** A kernel object bound to a port a task owns, told when that port dies. */
export interface KobjectDestroy {
  ipcKobjectDestroy(port: IpcPort): void;
}

let destroyHook: ((port: IpcPort) => void) | null = null;
/** The kernel's ipc_kobject_destroy hook (and the tracer's). */
export function setPortDestroyHook(fn: ((port: IpcPort) => void) | null): void {
  destroyHook = fn;
}

/** ipc_port_clear_receiver: the receive right leaves its space (into a message). */
function clearReceiver(port: IpcPort): void {
  mqueueChanged(port);
  const x = port.ext;
  if (x && x.psets) for (const ps of [...x.psets]) psetRemoveMember(ps, port);
  port.receiver = null;
  port.receiverName = 0;
  port.mscount = 0;
  port.seqno = 0;
  if (x) {
    x.context = 0n;
    x.guarded = false;
    x.guard = 0n;
    x.strictGuard = false;
  }
}

// ---------------------------------------------------------------------------
// Entries.

export const entryType = (space: IpcSpace, index: number): number => space.bits[index]! & IE_BITS_TYPE_MASK;
export const entryUrefs = (space: IpcSpace, index: number): number => space.bits[index]! & IE_BITS_UREFS_MASK;

function setEntry(space: IpcSpace, index: number, type: number, urefs: number, keepRequest = true): void {
  const old = space.bits[index]!;
  space.bits[index] = ((old & IE_BITS_GEN_MASK) | (keepRequest ? old & IE_BITS_REQUEST : 0) | type | urefs) >>> 0;
}

/** ipc_right_check: if the entry's port died, turn the entry into a dead name. Returns true when it did. */
export function rightCheck(space: IpcSpace, index: number): boolean {
  // Only send and send-once entries can outlive their port: a receive right dies with it.
  const t = space.bits[index]! & IE_BITS_TYPE_MASK;
  if (!(t & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) || t & MACH_PORT_TYPE_RECEIVE) return false;
  const obj = space.objs[index];
  if (!(obj instanceof IpcPort) || obj.active) return false;
  const bits = space.bits[index]!;
  const type = bits & IE_BITS_TYPE_MASK;
  let urefs = bits & IE_BITS_UREFS_MASK;
  if (type & MACH_PORT_TYPE_SEND) {
    space.sendHash.delete(obj);
    obj.srights--;
  } else if (type & MACH_PORT_TYPE_SEND_ONCE) {
    obj.sorights--;
    urefs = 1;
  }
  // The dead-name notification already sent for this name carries one more reference.
  if (bits & IE_BITS_REQUEST) urefs++;
  if (urefs > MACH_PORT_UREFS_MAX) urefs = MACH_PORT_UREFS_MAX;
  space.bits[index] = ((bits & IE_BITS_GEN_MASK) | MACH_PORT_TYPE_DEAD_NAME | urefs) >>> 0;
  space.objs[index] = null;
  return true;
}

/** Remove any dead-name/send-possible request `name` has on `port`; returns its send-once right. */
export function requestCancel(space: IpcSpace, index: number, port: IpcPort, name: number): IpcPort | null {
  if (!(space.bits[index]! & IE_BITS_REQUEST)) return null;
  space.bits[index] = space.bits[index]! & ~IE_BITS_REQUEST;
  const reqs = port.ext?.requests;
  if (!reqs) return null;
  const i = reqs.findIndex((r) => r.space === space && r.name === name);
  if (i < 0) return null;
  const r = reqs[i]!;
  reqs.splice(i, 1);
  return r.notify;
}


export interface CopyinResult {
  kr: KernReturn;
  port: PortRef;
  /** A dead-name request's send-once right the copyin cancelled: the caller sends port-deleted for it. */
  soright: IpcPort | null;
}

const copyinOut: CopyinResult = { kr: KERN_SUCCESS, port: null, soright: null };

function cin(kr: KernReturn, port: PortRef = null, soright: IpcPort | null = null): CopyinResult {
  copyinOut.kr = kr;
  copyinOut.port = port;
  copyinOut.soright = soright;
  return copyinOut;
}

/**
 * ipc_right_copyin: take a right out of `name` for a message (or the kernel)
 * with disposition `msgt`. The returned object is reused between calls: read it at once.
 */
export function rightCopyin(space: IpcSpace, name: number, msgt: number, deadok: boolean): CopyinResult {
  const index = space.lookup(name);
  if (index < 0) return cin(KERN_INVALID_NAME);
  return rightCopyinAt(space, index, name, msgt, deadok);
}

/**
 * rightCopyin on the entry at `index`, which `space.lookup(name)` gave: ipc_kmsg_copyin_header
 * looks its entries up once and copies in through them (a lookup again per right was 3% of a null RPC).
 */
export function rightCopyinAt(space: IpcSpace, index: number, name: number, msgt: number, deadok: boolean): CopyinResult {
  let bits = space.bits[index]!;
  let type = bits & IE_BITS_TYPE_MASK;
  const obj = space.objs[index];
  switch (msgt) {
    case MACH_MSG_TYPE_MAKE_SEND: {
      if (!(type & MACH_PORT_TYPE_RECEIVE)) return cin(KERN_INVALID_RIGHT);
      return cin(KERN_SUCCESS, portMakeSend(obj as IpcPort));
    }
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: {
      if (!(type & MACH_PORT_TYPE_RECEIVE)) return cin(KERN_INVALID_RIGHT);
      return cin(KERN_SUCCESS, portMakeSendOnce(obj as IpcPort));
    }
    case MACH_MSG_TYPE_MOVE_RECEIVE: {
      if (!(type & MACH_PORT_TYPE_RECEIVE)) return cin(KERN_INVALID_RIGHT);
      const port = obj as IpcPort;
      let soright: IpcPort | null = null;
      if (type & MACH_PORT_TYPE_SEND) {
        // The name stays, now as a plain send right found through the hash.
        setEntry(space, index, type & ~MACH_PORT_TYPE_RECEIVE, bits & IE_BITS_UREFS_MASK);
        space.sendHash.set(port, name);
      } else {
        soright = requestCancel(space, index, port, name);
        setEntry(space, index, 0, 0, false);
        space.free(index);
      }
      clearReceiver(port);
      return cin(KERN_SUCCESS, port, soright);
    }
    case MACH_MSG_TYPE_COPY_SEND: {
      if (type & MACH_PORT_TYPE_DEAD_NAME) return deadok ? cin(KERN_SUCCESS, IP_DEAD) : cin(KERN_INVALID_RIGHT);
      if (!(type & MACH_PORT_TYPE_SEND_RIGHTS)) return cin(KERN_INVALID_RIGHT);
      if (rightCheck(space, index)) return deadok ? cin(KERN_SUCCESS, IP_DEAD) : cin(KERN_INVALID_RIGHT);
      if (!(type & MACH_PORT_TYPE_SEND)) return cin(KERN_INVALID_RIGHT);
      const port = obj as IpcPort;
      port.srights++;
      return cin(KERN_SUCCESS, port);
    }
    case MACH_MSG_TYPE_MOVE_SEND: {
      if (!(type & MACH_PORT_TYPE_DEAD_NAME)) {
        if (!(type & MACH_PORT_TYPE_SEND_RIGHTS)) return cin(KERN_INVALID_RIGHT);
        if (!rightCheck(space, index)) {
          if (!(type & MACH_PORT_TYPE_SEND)) return cin(KERN_INVALID_RIGHT);
          const port = obj as IpcPort;
          const urefs = bits & IE_BITS_UREFS_MASK;
          let soright: IpcPort | null = null;
          if (urefs === 1) {
            if (type & MACH_PORT_TYPE_RECEIVE) {
              setEntry(space, index, type & ~MACH_PORT_TYPE_SEND, 0);
            } else {
              soright = requestCancel(space, index, port, name);
              space.sendHash.delete(port);
              setEntry(space, index, 0, 0, false);
              space.free(index, true);
            }
          } else {
            port.srights++;
            dropUref(space, index, bits);
          }
          return cin(KERN_SUCCESS, port, soright);
        }
        bits = space.bits[index]!;
        type = bits & IE_BITS_TYPE_MASK;
      }
      return moveDead(space, index, bits, deadok);
    }
    case MACH_MSG_TYPE_MOVE_SEND_ONCE: {
      if (!(type & MACH_PORT_TYPE_DEAD_NAME)) {
        if (!(type & MACH_PORT_TYPE_SEND_RIGHTS)) return cin(KERN_INVALID_RIGHT);
        if (!rightCheck(space, index)) {
          if (!(type & MACH_PORT_TYPE_SEND_ONCE)) return cin(KERN_INVALID_RIGHT);
          const port = obj as IpcPort;
          const soright = requestCancel(space, index, port, name);
          setEntry(space, index, 0, 0, false);
          // Only send rights are in the reverse map: there is nothing to take out of it.
          space.free(index, true);
          return cin(KERN_SUCCESS, port, soright);
        }
        bits = space.bits[index]!;
      }
      return moveDead(space, index, bits, deadok);
    }
    default:
      return cin(KERN_INVALID_RIGHT);
  }
}

function moveDead(space: IpcSpace, index: number, bits: number, deadok: boolean): CopyinResult {
  if (!deadok) return cin(KERN_INVALID_RIGHT);
  const urefs = bits & IE_BITS_UREFS_MASK;
  if (urefs <= 1) {
    setEntry(space, index, 0, 0, false);
    space.free(index);
  } else dropUref(space, index, bits);
  return cin(KERN_SUCCESS, IP_DEAD);
}

/** Whether an entry's user references are pegged (CVE-2016-7637's fix: once at MACH_PORT_UREFS_MAX they stay). */
export const urefsPegged = (space: IpcSpace, bits: number): boolean => space.pegUrefs && (bits & IE_BITS_UREFS_MASK) === MACH_PORT_UREFS_MAX;

/** One user reference less, unless they are pegged. */
function dropUref(space: IpcSpace, index: number, bits: number): void {
  if (!urefsPegged(space, bits)) space.bits[index] = bits - 1;
}

/**
 * ipc_right_copyin_check: would copyin succeed? Used for the reply port before the
 * destination is taken, so that nothing is consumed when the reply is bad.
 */
export function rightCopyinCheck(space: IpcSpace, name: number, msgt: number): boolean {
  const index = space.lookup(name);
  if (index < 0) return false;
  return rightCopyinCheckAt(space, index, msgt);
}

/** rightCopyinCheck on the entry at `index` (a live entry `space.lookup` gave). */
export function rightCopyinCheckAt(space: IpcSpace, index: number, msgt: number): boolean {
  const type = entryType(space, index);
  const obj = space.objs[index];
  switch (msgt) {
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return (type & MACH_PORT_TYPE_RECEIVE) !== 0;
    case MACH_MSG_TYPE_COPY_SEND:
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE: {
      if (type & MACH_PORT_TYPE_DEAD_NAME) return true;
      if (!(type & MACH_PORT_TYPE_SEND_RIGHTS)) return false;
      if (obj instanceof IpcPort && !obj.active) return true;
      return msgt === MACH_MSG_TYPE_MOVE_SEND_ONCE
        ? (type & MACH_PORT_TYPE_SEND_ONCE) !== 0
        : (type & MACH_PORT_TYPE_SEND) !== 0;
    }
    default:
      return false;
  }
}

/** Where a port is already named in `space` (ipc_right_reverse), or -1. */
export function rightReverse(space: IpcSpace, port: IpcPort): number {
  if (port.receiver === space) return space.lookup(port.receiverName);
  const name = space.sendHash.get(port);
  return name === undefined ? -1 : space.lookup(name);
}

export interface CopyoutResult {
  kr: KernReturn;
  name: number;
}
const copyoutOut: CopyoutResult = { kr: KERN_SUCCESS, name: 0 };
function cout(kr: KernReturn, name: number): CopyoutResult {
  copyoutOut.kr = kr;
  copyoutOut.name = name;
  return copyoutOut;
}

/**
 * ipc_object_copyout: put a carried right into `space`. `overflow` pegs user
 * references at the maximum instead of failing (messages and traps use it).
 * On failure the right is still held by the caller. The result object is reused.
 */
export function rightCopyout(space: IpcSpace, port: IpcPort, type: number, overflow: boolean): CopyoutResult {
  if (!space.active) return cout(KERN_INVALID_TASK, 0);
  if (!port.active) return cout(KERN_INVALID_CAPABILITY, 0);
  let index = type === MACH_MSG_TYPE_PORT_SEND_ONCE ? -1 : rightReverse(space, port);
  let name: number;
  if (index < 0) {
    name = space.alloc();
    if (name === 0) return cout(KERN_NO_SPACE, 0);
    index = space.indexOf(name);
    space.objs[index] = port;
  } else name = space.nameOf(index);
  const bits = space.bits[index]!;
  const etype = bits & IE_BITS_TYPE_MASK;
  switch (type) {
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
      setEntry(space, index, MACH_PORT_TYPE_SEND_ONCE, 1);
      break;
    case MACH_MSG_TYPE_PORT_SEND:
      if (etype & MACH_PORT_TYPE_SEND) {
        const urefs = bits & IE_BITS_UREFS_MASK;
        if (space.pegUrefs) {
          // xnu-3789.31.2: count up to MACH_PORT_UREFS_MAX, then take the right without counting it.
          port.srights--;
          if (urefs < MACH_PORT_UREFS_MAX) space.bits[index] = bits + 1;
          break;
        }
        if (urefs + 1 >= MACH_PORT_UREFS_MAX) {
          if (!overflow) return cout(KERN_UREFS_OVERFLOW, name);
          port.srights--; // pegged: the extra right is dropped
          break;
        }
        port.srights--; // the entry already holds this port's send right
        space.bits[index] = bits + 1;
      } else if (etype & MACH_PORT_TYPE_RECEIVE) {
        setEntry(space, index, etype | MACH_PORT_TYPE_SEND, 1);
      } else {
        setEntry(space, index, MACH_PORT_TYPE_SEND, 1);
        space.sendHash.set(port, name);
      }
      break;
    case MACH_MSG_TYPE_PORT_RECEIVE:
      if (etype & MACH_PORT_TYPE_SEND) space.sendHash.delete(port);
      setEntry(space, index, etype | MACH_PORT_TYPE_RECEIVE, bits & IE_BITS_UREFS_MASK);
      port.receiver = space;
      port.receiverName = name;
      port.destination = null;
      break;
    default:
      throw new Error(`rightCopyout: bad carried type ${type}`);
  }
  return cout(KERN_SUCCESS, name);
}

/**
 * ipc_kmsg_copyout_object: copy out or destroy; the name a receiver sees, or
 * COPYOUT_FAILED (the right was destroyed and the receiver sees MACH_PORT_NULL).
 * Names are never negative, so the failure needs no result object: a reply of
 * 32 port descriptors copies out 32 rights on one message.
 */
export function copyoutObject(space: IpcSpace, port: PortRef, type: number): number {
  if (port === null) return MACH_PORT_NULL;
  // Not a port, so IP_DEAD (typeof, as in ipValid: a port compared with the symbol is a generic StrictEqual).
  if (typeof port !== "object") return MACH_PORT_DEAD;
  const r = rightCopyout(space, port, type, true);
  if (r.kr === KERN_SUCCESS) return r.name;
  const kr = r.kr;
  destroyCarriedRight(port, type);
  return kr === KERN_INVALID_CAPABILITY ? MACH_PORT_DEAD : COPYOUT_FAILED;
}
export const COPYOUT_FAILED = -1;

/** copyoutObject as a name and whether the copyout failed. */
export function copyoutObjectName(space: IpcSpace, port: PortRef, type: number): { name: number; failed: boolean } {
  const name = copyoutObject(space, port, type);
  return name === COPYOUT_FAILED ? { name: MACH_PORT_NULL, failed: true } : { name, failed: false };
}

// ---------------------------------------------------------------------------
// Entry-level operations behind the mach_port routines.

/** ipc_right_dealloc (mach_port_deallocate). */
export function rightDealloc(space: IpcSpace, name: number): KernReturn {
  const index = space.lookup(name);
  if (index < 0) return KERN_INVALID_NAME;
  rightCheck(space, index);
  const bits = space.bits[index]!;
  const type = bits & IE_BITS_TYPE_MASK;
  const urefs = bits & IE_BITS_UREFS_MASK;
  if (type === MACH_PORT_TYPE_DEAD_NAME) {
    if (urefs <= 1) space.free(index);
    else dropUref(space, index, bits);
    return KERN_SUCCESS;
  }
  if (type === MACH_PORT_TYPE_SEND_ONCE) {
    const port = space.objs[index] as IpcPort;
    const so = requestCancel(space, index, port, name);
    space.free(index);
    notifySendOnce(port);
    if (so) notifyPortDeleted(so, name);
    return KERN_SUCCESS;
  }
  if (type & MACH_PORT_TYPE_SEND) {
    const port = space.objs[index] as IpcPort;
    if (urefs > 1) {
      dropUref(space, index, bits);
      return KERN_SUCCESS;
    }
    let so: IpcPort | null = null;
    if (type & MACH_PORT_TYPE_RECEIVE) {
      setEntry(space, index, type & ~MACH_PORT_TYPE_SEND, 0);
    } else {
      so = requestCancel(space, index, port, name);
      // A live send right without the receive right is its port's one name here, in sendHash
      // (rightCheck has made a dead port's a dead name): one delete for free's lookup and delete.
      space.sendHash.delete(port);
      space.free(index, true);
    }
    portReleaseSend(port);
    if (so) notifyPortDeleted(so, name);
    return KERN_SUCCESS;
  }
  if (type === MACH_PORT_TYPE_PORT_SET && space.deallocPortSets) {
    destroyEntry(space, index, name);
    return KERN_SUCCESS;
  }
  return KERN_INVALID_RIGHT;
}

/** ipc_right_destroy (mach_port_destroy): the whole entry goes, whatever it holds. */
export function rightDestroy(space: IpcSpace, name: number): KernReturn {
  const index = space.lookup(name);
  if (index < 0) return KERN_INVALID_NAME;
  rightCheck(space, index);
  // mach_port_destroy passes guard 0: a guarded receive right with another guard stays, and the caller gets EXC_GUARD.
  const obj = space.objs[index];
  if (space.bits[index]! & MACH_PORT_TYPE_RECEIVE && obj instanceof IpcPort && obj.ext?.guarded && obj.ext.context !== 0n) {
    machPortGuardException(name, 0n, obj.ext.context, kGUARD_EXC_DESTROY);
    return KERN_INVALID_RIGHT;
  }
  destroyEntry(space, index, name);
  return KERN_SUCCESS;
}

/** Drop everything an entry holds and free it (also used when a space dies). */
export function destroyEntry(space: IpcSpace, index: number, name: number): void {
  const bits = space.bits[index]!;
  const type = bits & IE_BITS_TYPE_MASK;
  const obj = space.objs[index];
  if (type & MACH_PORT_TYPE_PORT_SET) {
    space.free(index);
    psetDestroy(obj as IpcPset);
    return;
  }
  if (type === MACH_PORT_TYPE_DEAD_NAME || !(obj instanceof IpcPort)) {
    space.free(index);
    return;
  }
  const port = obj;
  const so = requestCancel(space, index, port, name);
  space.free(index);
  if (type & MACH_PORT_TYPE_SEND) portReleaseSend(port);
  if (type & MACH_PORT_TYPE_SEND_ONCE) notifySendOnce(port);
  if (type & MACH_PORT_TYPE_RECEIVE) {
    port.receiver = null;
    port.receiverName = 0;
    portDestroy(port);
  }
  if (so) notifyPortDeleted(so, name);
}

/** ipc_pset_destroy: members leave, blocked receivers see the set die. */
export function psetDestroy(pset: IpcPset): void {
  if (!pset.active) return;
  pset.active = false;
  for (const p of [...pset.members]) psetRemoveMember(pset, p);
  psetDestroyQueue(pset);
}


// ---------------------------------------------------------------------------
// New names (ipc_port_alloc, ipc_pset_alloc, ipc_right for dead names).

export interface AllocResult {
  kr: KernReturn;
  name: number;
}

/** ipc_port_alloc / ipc_port_alloc_name: a new port whose receive right is named in `space`. */
export function allocReceive(space: IpcSpace, name = 0): AllocResult & { port: IpcPort | null } {
  if (!space.active) return { kr: KERN_INVALID_TASK, name: 0, port: null };
  if (name !== 0) {
    const kr = space.allocName(name);
    if (kr !== KERN_SUCCESS) return { kr, name: 0, port: null };
  } else {
    name = space.alloc();
    if (name === 0) return { kr: KERN_NO_SPACE, name: 0, port: null };
  }
  const index = space.indexOf(name);
  const port = new IpcPort(space);
  port.receiverName = name;
  space.objs[index] = port;
  setEntry(space, index, MACH_PORT_TYPE_RECEIVE, 0, false);
  return { kr: KERN_SUCCESS, name, port };
}

/** ipc_pset_alloc / ipc_pset_alloc_name. */
export function allocPortSet(space: IpcSpace, name = 0): AllocResult & { pset: IpcPset | null } {
  if (!space.active) return { kr: KERN_INVALID_TASK, name: 0, pset: null };
  if (name !== 0) {
    const kr = space.allocName(name);
    if (kr !== KERN_SUCCESS) return { kr, name: 0, pset: null };
  } else {
    name = space.alloc();
    if (name === 0) return { kr: KERN_NO_SPACE, name: 0, pset: null };
  }
  const index = space.indexOf(name);
  const pset = new IpcPset(space, name);
  space.objs[index] = pset;
  setEntry(space, index, MACH_PORT_TYPE_PORT_SET, 0, false);
  return { kr: KERN_SUCCESS, name, pset };
}

/** A dead name with one user reference (mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME)). */
export function allocDeadName(space: IpcSpace, name = 0): AllocResult {
  if (!space.active) return { kr: KERN_INVALID_TASK, name: 0 };
  if (name !== 0) {
    const kr = space.allocName(name);
    if (kr !== KERN_SUCCESS) return { kr, name: 0 };
  } else {
    name = space.alloc();
    if (name === 0) return { kr: KERN_NO_SPACE, name: 0 };
  }
  setEntry(space, space.indexOf(name), MACH_PORT_TYPE_DEAD_NAME, 1, false);
  return { kr: KERN_SUCCESS, name };
}

/** Overwrite an entry's type and user references, keeping its generation (mach_port.c uses it). */
export function setEntryBits(space: IpcSpace, index: number, typeAndUrefs: number): void {
  const old = space.bits[index]!;
  space.bits[index] = ((old & (IE_BITS_GEN_MASK | IE_BITS_REQUEST)) | (typeAndUrefs & ~(IE_BITS_GEN_MASK | IE_BITS_REQUEST))) >>> 0;
}
