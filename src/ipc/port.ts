/**
 * Ports and port sets (osfmk/ipc/ipc_port.h, ipc_pset.h). These are plain
 * objects: every change of a right goes through right.ts.
 */
import { IKOT_NONE } from "../abi/ikot.js";
import { MACH_PORT_QLIMIT_DEFAULT } from "../abi/port.js";
import type { IpcSpace } from "./space.js";
import type { IpcMqueue } from "./mqueue.js";

/** IP_DEAD: a right to a port that died, carried as MACH_PORT_DEAD. */
export const IP_DEAD: unique symbol = Symbol("IP_DEAD");
/** What a message or kernel slot carries for a port: a port, IP_NULL (null) or IP_DEAD. */
export type PortRef = IpcPort | null | typeof IP_DEAD;

/**
 * Neither null nor IP_DEAD. Tested by typeof (a port is the only object a PortRef can be): a
 * comparison of a port with the IP_DEAD symbol has no type feedback an optimised function can
 * use, and became a call of the generic StrictEqual builtin at every ipValid on the message path.
 */
export const ipValid = (p: PortRef): p is IpcPort => p !== null && typeof p === "object";

/** A dead-name (or send-possible) request registered by a space for one of its names. */
export interface NameRequest {
  space: IpcSpace;
  name: number;
  /** The send-once right the notification will use. */
  notify: IpcPort | null;
  /** A send-possible request rather than a dead-name one. */
  sendPossible: boolean;
  /** Armed by a send with MACH_SEND_NOTIFY that found the queue full: fires when a message is next received. */
  armed?: boolean;
}

/** Rarely used port state, kept out of IpcPort so a million idle ports stay small. */
export class PortExt {
  /** No-senders request: the send-once right the notification will use. */
  nsrequest: IpcPort | null = null;
  /** Port-destroyed request: the send-once right that receives the receive right. */
  pdrequest: IpcPort | null = null;
  requests: NameRequest[] | null = null;
  psets: IpcPset[] | null = null;
  context = 0n;
  /** Whether mach_port_guard was used, and its guard value. */
  guarded = false;
  guard = 0n;
  strictGuard = false;
  tempOwner = false;
  /** Some send-possible request on this port is armed (ip_sprequests). */
  sprequests = false;
  /** ip_impdonation: set by the TEMPOWNER, IMPORTANCE_RECEIVER and DENAP_RECEIVER attributes. */
  impDonation = false;
  /**
   * A buffer preallocated for kernel messages (mach_port_allocate_full with
   * qos.prealloc): its size, and whether a kernel message now occupies it.
   */
  prealloc: { size: number; inUse: boolean } | null = null;
  /** The step of ipc_table_requests the dead-name request table has grown to (-1: no table). */
  requestTableStep = -1;
}

let nextPortId = 1;

export class IpcPort {
  /** A serial number for listings and traces; not a Mach name. */
  readonly id: number;
  active = true;
  /** The space holding the receive right; null while the right is in a message or after death. */
  receiver: IpcSpace | null;
  receiverName = 0;
  /** While the receive right is in transit: the port whose queue holds that message. */
  destination: IpcPort | null = null;
  kotype = IKOT_NONE;
  kobject: unknown = null;
  srights = 0;
  sorights = 0;
  mscount = 0;
  seqno = 0;
  qlimit = MACH_PORT_QLIMIT_DEFAULT;
  mqueue: IpcMqueue | null = null;
  ext: PortExt | null = null;

  constructor(receiver: IpcSpace | null) {
    this.id = nextPortId++;
    this.receiver = receiver;
  }

  x(): PortExt {
    return (this.ext ??= new PortExt());
  }

  get inTransit(): boolean {
    return this.active && this.receiver === null;
  }

  get msgcount(): number {
    return this.mqueue ? this.mqueue.count : 0;
  }

  toString(): string {
    return `port#${this.id}`;
  }
}

let nextPsetId = 1;

export class IpcPset {
  readonly id: number;
  active = true;
  space: IpcSpace;
  name: number;
  readonly members = new Set<IpcPort>();
  /** Receivers blocked on the set. */
  mqueue: IpcMqueue | null = null;

  constructor(space: IpcSpace, name: number) {
    this.id = nextPsetId++;
    this.space = space;
    this.name = name;
  }

  toString(): string {
    return `pset#${this.id}`;
  }
}

export type IpcObject = IpcPort | IpcPset;
