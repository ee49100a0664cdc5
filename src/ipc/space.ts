/**
 * IPC spaces and their entry tables (osfmk/ipc/ipc_space.c, ipc_entry.c).
 *
 * The table is kept as parallel typed arrays rather than an array of entry
 * objects, so that a space with a million names costs tens of bytes a name.
 * Entry bits follow XNU's ie_bits: user references in bits 0-15, the
 * MACH_PORT_TYPE_* bits in 16-20, the generation in the top byte.
 */
import { KERN_FAILURE, KERN_NAME_EXISTS, KERN_NO_SPACE, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_PORT_DEAD, MACH_PORT_NULL, machPortMake } from "../abi/port.js";
import type { IpcObject, IpcPort } from "./port.js";

export const IE_BITS_UREFS_MASK = 0x0000ffff;
export const IE_BITS_TYPE_MASK = 0x001f0000;
/** Set while the name has a dead-name or send-possible request registered on its port. */
export const IE_BITS_REQUEST = 0x00800000;
export const IE_BITS_GEN_MASK = 0xff000000;
/** Each reuse of a table slot advances the generation by one step of 4, so names end in 0x03, 0x07, ... */
export const IE_BITS_GEN_ONE = 0x04000000;

/** The default limit on names in one space; configurable per kernel and per task. */
export const DEFAULT_MAX_NAMES = 0x00ffffff;
const INITIAL_TABLE = 64;

export type SpaceKind = "user" | "kernel" | "reply";

let nextSpaceId = 1;

export class IpcSpace {
  readonly id: number;
  readonly kind: SpaceKind;
  active = true;
  /** The task (or kernel) this space belongs to; opaque to the IPC layer. */
  owner: unknown;
  /** Objects by table index; index 0 is never used. */
  objs: (IpcObject | null)[];
  bits: Uint32Array;
  private nextFree: Uint32Array;
  private freeHead = 0;
  private tableSize: number;
  /** Number of entries in use. */
  used = 0;
  readonly maxNames: number;
  /** Reverse map for send-right entries, so a send right copied out joins the name already held (ipc_hash). */
  readonly sendHash = new Map<IpcPort, number>();
  /**
   * Kernel spaces only: called for a message sent to a port whose receiver is this space
   * (ipc_kobject_server). Set by the kernel at boot.
   */
  kobjectServer: ((kmsg: import("./kmsg.js").IpcKmsg) => import("./kmsg.js").IpcKmsg | null) | null = null;

  constructor(kind: SpaceKind, owner: unknown, maxNames = DEFAULT_MAX_NAMES) {
    this.id = nextSpaceId++;
    this.kind = kind;
    this.owner = owner;
    this.maxNames = Math.max(1, Math.min(maxNames, DEFAULT_MAX_NAMES));
    this.tableSize = 0;
    this.objs = [];
    this.bits = new Uint32Array(0);
    this.nextFree = new Uint32Array(0);
    this.grow(Math.min(INITIAL_TABLE, this.maxNames + 1));
  }

  /** Capacity of the table, index 0 included. */
  get capacity(): number {
    return this.tableSize;
  }

  private grow(newSize: number): void {
    const old = this.tableSize;
    if (newSize <= old) return;
    const bits = new Uint32Array(newSize);
    bits.set(this.bits);
    const next = new Uint32Array(newSize);
    next.set(this.nextFree);
    // A fresh slot's generation is the one before 0x03, so its first name ends in 0x03.
    for (let i = Math.max(old, 1); i < newSize; i++) bits[i] = IE_BITS_GEN_MASK;
    // New slots go on the free list in index order, after what is free now.
    let tail = 0;
    for (let i = newSize - 1; i >= Math.max(old, 1); i--) {
      next[i] = tail;
      tail = i;
    }
    if (this.freeHead === 0) this.freeHead = tail;
    else {
      let last = this.freeHead;
      while (next[last] !== 0) last = next[last]!;
      next[last] = tail;
    }
    for (let i = old; i < newSize; i++) this.objs.push(null);
    this.bits = bits;
    this.nextFree = next;
    this.tableSize = newSize;
  }

  private growForIndex(index: number): boolean {
    if (index > this.maxNames) return false;
    let size = this.tableSize;
    while (size <= index) size = Math.min(size * 2, this.maxNames + 1);
    this.grow(size);
    return true;
  }

  /** The table index of `name` if it denotes a live entry, else -1. */
  lookup(name: number): number {
    if (name === MACH_PORT_NULL || name === MACH_PORT_DEAD) return -1;
    const index = name >>> 8;
    if (index === 0 || index >= this.tableSize) return -1;
    const b = this.bits[index]!;
    if ((b & IE_BITS_TYPE_MASK) === 0) return -1;
    if (b >>> 24 !== (name & 0xff)) return -1;
    return index;
  }

  nameOf(index: number): number {
    return machPortMake(index, this.bits[index]! >>> 24);
  }

  /** ipc_entry_claim: a new name (with type and urefs still to be set by the caller), or 0 when full. */
  alloc(): number {
    if (this.freeHead === 0 || this.used >= this.maxNames) {
      if (this.used >= this.maxNames) return 0;
      if (!this.growForIndex(this.tableSize)) return 0;
      if (this.freeHead === 0) return 0;
    }
    const index = this.freeHead;
    this.freeHead = this.nextFree[index]!;
    this.nextFree[index] = 0;
    const gen = (this.bits[index]! + IE_BITS_GEN_ONE) & IE_BITS_GEN_MASK;
    this.bits[index] = gen >>> 0;
    this.used++;
    return machPortMake(index, gen >>> 24);
  }

  /**
   * ipc_entry_alloc_name then ipc_right_inuse: claim exactly `name`. Index 0 is
   * reserved and a slot in use under another generation cannot be renamed, both
   * KERN_FAILURE; the name itself in use is KERN_NAME_EXISTS.
   */
  allocName(name: number): KernReturn {
    const index = name >>> 8;
    if (index === 0) return KERN_FAILURE;
    if (index >= this.tableSize && !this.growForIndex(index)) return KERN_NO_SPACE;
    const b = this.bits[index]!;
    if ((b & IE_BITS_TYPE_MASK) !== 0) return b >>> 24 === (name & 0xff) ? KERN_NAME_EXISTS : KERN_FAILURE;
    if (this.used >= this.maxNames) return KERN_NO_SPACE;
    // Unlink the slot from the free list.
    if (this.freeHead === index) this.freeHead = this.nextFree[index]!;
    else {
      let p = this.freeHead;
      while (p !== 0 && this.nextFree[p] !== index) p = this.nextFree[p]!;
      if (p !== 0) this.nextFree[p] = this.nextFree[index]!;
    }
    this.nextFree[index] = 0;
    this.bits[index] = ((name & 0xff) << 24) >>> 0;
    this.used++;
    return KERN_SUCCESS;
  }

  /** ipc_entry_dealloc: the slot goes to the head of the free list, keeping its generation. */
  free(index: number): void {
    const obj = this.objs[index];
    if (obj && this.sendHash.get(obj as IpcPort) === this.nameOf(index)) this.sendHash.delete(obj as IpcPort);
    this.objs[index] = null;
    this.bits[index] = this.bits[index]! & IE_BITS_GEN_MASK;
    this.nextFree[index] = this.freeHead;
    this.freeHead = index;
    this.used--;
  }

  /** Every live entry as [name, index], in index order. */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 1; i < this.tableSize; i++) {
      if ((this.bits[i]! & IE_BITS_TYPE_MASK) !== 0) yield [this.nameOf(i), i];
    }
  }

  /** Approximate heap bytes of the table itself (for the scale benchmark). */
  tableBytes(): number {
    return this.tableSize * (4 + 4 + 8);
  }
}
