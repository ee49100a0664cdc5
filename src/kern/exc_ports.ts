/**
 * The set / get / swap exception ports logic shared by the host (ipc_host.c),
 * task and thread (ipc_tt.c) routines of xnu-3248, with their differences as
 * options: whether the behavior is checked with MACH_EXCEPTION_CODES masked,
 * the MAC hook (host only), the `privileged` bit (task and thread), and the
 * get loop's count check.
 */
import { EXC_MASK_VALID, EXC_TYPES_COUNT, EXCEPTION_DEFAULT, EXCEPTION_STATE_IDENTITY, FIRST_EXCEPTION, MACH_EXCEPTION_CODES } from "../abi/exception.js";
import { KERN_INVALID_ARGUMENT, KERN_NO_ACCESS, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { validThreadStateFlavor, type Arch } from "../abi/thread_status.js";
import { IP_DEAD, ipValid, type PortRef } from "../ipc/port.js";
import { portCopySend, portReleaseSend } from "../ipc/right.js";
import type { ExceptionAction } from "./exc_action.js";

/** The result arrays of get and swap: one entry per distinct (port, behavior, flavor). */
export interface ExceptionPortsInfo {
  masks: number[];
  /** Send rights (naked, for the reply to carry). */
  ports: PortRef[];
  behaviors: number[];
  flavors: number[];
}

export interface SetOptions {
  arch: Arch;
  /** Check `behavior & ~MACH_EXCEPTION_CODES` (true everywhere but xnu-3248's host swap). */
  maskBehavior: boolean;
  /** The MAC check, called once per exception in the mask in ascending order; non-zero refuses. */
  /** The MAC check over the whole mask (host ports only); non-zero refuses. */
  macCheck?: (mask: number) => number;
  /** Value for each slot's `privileged` bit (task and thread: the caller is uid 0). */
  privileged?: boolean;
}

/** Steps 2-5 of set and swap: mask, behavior (when the port is valid), flavor, MAC. */
export function validateSet(mask: number, newPort: PortRef, behavior: number, flavor: number, opts: SetOptions): KernReturn {
  if ((mask & ~EXC_MASK_VALID) !== 0) return KERN_INVALID_ARGUMENT;
  if (ipValid(newPort)) {
    const b = opts.maskBehavior ? (behavior & ~MACH_EXCEPTION_CODES) >>> 0 : behavior >>> 0;
    if (b < EXCEPTION_DEFAULT || b > EXCEPTION_STATE_IDENTITY) return KERN_INVALID_ARGUMENT;
  }
  if (flavor !== 0 && !validThreadStateFlavor(opts.arch, flavor)) return KERN_INVALID_ARGUMENT;
  if (opts.macCheck && opts.macCheck(mask) !== 0) return KERN_NO_ACCESS;
  return KERN_SUCCESS;
}

/**
 * Install `newPort` in every slot of `mask`: one copied send right per slot,
 * then release the replaced rights and the supplied one (which is consumed).
 * Call after validateSet.
 */
export function installExceptionPorts(actions: ExceptionAction[], mask: number, newPort: PortRef, behavior: number, flavor: number, privileged: boolean): void {
  const old: PortRef[] = [];
  for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT; i++) {
    if (mask & (1 << i)) old.push(setSlot(actions[i]!, newPort, behavior, flavor, privileged));
  }
  releaseAfterInstall(old, newPort);
}

/** Put a copy of `newPort` in one slot; returns the right it held. The behavior keeps MACH_EXCEPTION_CODES. */
function setSlot(a: ExceptionAction, newPort: PortRef, behavior: number, flavor: number, privileged: boolean): PortRef {
  const old = a.port;
  a.port = portCopySend(newPort);
  a.behavior = behavior | 0;
  a.flavor = flavor;
  a.privileged = privileged;
  return old;
}

/** After the slots are set: the replaced rights go, and the supplied right is consumed. */
function releaseAfterInstall(old: PortRef[], newPort: PortRef): void {
  for (const p of old) if (ipValid(p)) portReleaseSend(p);
  if (ipValid(newPort)) portReleaseSend(newPort);
}

/** Add slot `i` to the grouped result (the same grouping get and swap use). */
function group(info: ExceptionPortsInfo, a: ExceptionAction, i: number): boolean {
  for (let j = 0; j < info.masks.length; j++) {
    // Compared with the right already copied for entry j: a dead port copies as
    // IP_DEAD and so never matches its own slot again, as in XNU.
    if (a.port === info.ports[j] && a.behavior === info.behaviors[j] && a.flavor === info.flavors[j]) {
      info.masks[j] = (info.masks[j]! | (1 << i)) >>> 0;
      return false;
    }
  }
  info.masks.push((1 << i) >>> 0);
  info.ports.push(portCopySend(a.port));
  info.behaviors.push(a.behavior);
  info.flavors.push(a.flavor);
  return true;
}

const emptyInfo = (): ExceptionPortsInfo => ({ masks: [], ports: [], behaviors: [], flavors: [] });

/** The right a copy of `p` is (ipc_port_copy_send without its reference): a dead port copies as IP_DEAD. */
const copiedAs = (p: PortRef): PortRef => (ipValid(p) && !p.active ? IP_DEAD : p);

/** get_exception_ports' grouping, first slot and mask of each group: made once, reused by every call. */
const groupFirst = new Int32Array(EXC_TYPES_COUNT);
const groupMask = new Uint32Array(EXC_TYPES_COUNT);

/**
 * get_exception_ports: the slots of `mask`, grouped. `capacity` is what the
 * caller's arrays hold (32 through MIG). xnu-3248's host and task versions stop
 * only once count exceeds capacity, writing one entry past the caller's arrays;
 * machipc runs that loop but never returns (or keeps the right of) an entry beyond capacity.
 * The groups are found first, comparing each slot with the right a group's first slot copies
 * as (what group() compares with), and the result's arrays are then made at their size with
 * the rights copied once: four arrays grown entry by entry were most of a call's allocation.
 */
export function getExceptionPorts(actions: ExceptionAction[] | null, mask: number, capacity: number, fixedCountCheck: boolean): { kr: KernReturn; info: ExceptionPortsInfo } {
  if ((mask & ~EXC_MASK_VALID) !== 0) return { kr: KERN_INVALID_ARGUMENT, info: emptyInfo() };
  if (!actions) return { kr: KERN_SUCCESS, info: emptyInfo() };
  let count = 0;
  for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT; i++) {
    if (!(mask & (1 << i))) continue;
    if (fixedCountCheck && count >= capacity) break;
    const a = actions[i]!;
    let j = 0;
    for (; j < count; j++) {
      const first = actions[groupFirst[j]!]!;
      if (a.port === copiedAs(first.port) && a.behavior === first.behavior && a.flavor === first.flavor) {
        groupMask[j] = groupMask[j]! | (1 << i);
        break;
      }
    }
    if (j < count) continue;
    groupFirst[count] = i;
    groupMask[count] = 1 << i;
    count++;
    if (!fixedCountCheck && count > capacity) break;
  }
  // An entry beyond capacity was copied and released again: it is not copied at all.
  const n = count < capacity ? count : capacity;
  const info: ExceptionPortsInfo = { masks: new Array<number>(n), ports: new Array<PortRef>(n), behaviors: new Array<number>(n), flavors: new Array<number>(n) };
  for (let j = 0; j < n; j++) {
    const first = actions[groupFirst[j]!]!;
    info.masks[j] = groupMask[j]!;
    info.ports[j] = portCopySend(first.port);
    info.behaviors[j] = first.behavior;
    info.flavors[j] = first.flavor;
  }
  return { kr: KERN_SUCCESS, info };
}

/**
 * swap_exception_ports after validateSet: collect the old slots (grouped, as
 * get does) and install the new port, for exceptions of the mask while the
 * result has room (later ones are silently left alone, as in XNU).
 */
export function swapExceptionPorts(
  actions: ExceptionAction[],
  mask: number,
  newPort: PortRef,
  behavior: number,
  flavor: number,
  privileged: boolean,
  capacity: number,
): ExceptionPortsInfo {
  const info = emptyInfo();
  const old: PortRef[] = [];
  for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT && info.masks.length < capacity; i++) {
    if (!(mask & (1 << i))) continue;
    group(info, actions[i]!, i);
    old.push(setSlot(actions[i]!, newPort, behavior, flavor, privileged));
  }
  // The swap routines release the old rights walking back down from where the loop stopped.
  releaseAfterInstall(old.reverse(), newPort);
  return info;
}
