/**
 * IPC spaces and their entry tables (osfmk/ipc/ipc_space.c, ipc_entry.c).
 *
 * The table is kept as parallel typed arrays rather than an array of entry
 * objects, so that a space with a million names costs tens of bytes a name.
 * Entry bits follow XNU's ie_bits: user references in bits 0-15, the
 * MACH_PORT_TYPE_* bits in 16-20, the generation in the top byte.
 *
 * The table has XNU's sizes (ipc_table.ts) and XNU's free-list order, but
 * memory only for entries that have been used: slots [0, dense) hold the
 * names of the same index, and a name asked for far beyond them
 * (mach_port_insert_right at 0x7ffff03, say) gets a slot of its own after
 * them, found through `high`. So an entry's index (what lookup, indexOf and
 * alloc hand out, and what bits/objs are indexed by) is a slot, not always
 * the name's MACH_PORT_INDEX: get it from those, never from the name's bits.
 */
import { KERN_FAILURE, KERN_NAME_EXISTS, KERN_NO_SPACE, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_PORT_DEAD, MACH_PORT_NULL, machPortMake } from "../abi/port.js";
import { IPC_TABLE_INITIAL_ENTRIES, IPC_TABLE_MAX_ENTRIES, nextTableSize } from "./ipc_table.js";
import type { IpcObject, IpcPort } from "./port.js";
import { SendHash } from "./send_hash.js";

export const IE_BITS_UREFS_MASK = 0x0000ffff;
export const IE_BITS_TYPE_MASK = 0x001f0000;
/** Set while the name has a dead-name or send-possible request registered on its port. */
export const IE_BITS_REQUEST = 0x00800000;
export const IE_BITS_GEN_MASK = 0xff000000;
/** Each reuse of a table slot advances the generation by one step of 4, so names end in 0x03, 0x07, ... */
export const IE_BITS_GEN_ONE = 0x04000000;

/** The default limit on names in one space: XNU's largest table less the reserved index 0. */
export const DEFAULT_MAX_NAMES = IPC_TABLE_MAX_ENTRIES - 1;
/** The most a space can be configured for: every 24-bit index but MACH_PORT_DEAD's. */
const MAX_CONFIGURABLE_NAMES = 0x00fffffe;
/** Physical slots a new space starts with (the table itself starts at XNU's first size). */
const INITIAL_SLOTS = 64;

export type SpaceKind = "user" | "kernel" | "reply";

let nextSpaceId = 1;

export class IpcSpace {
  readonly id: number;
  readonly kind: SpaceKind;
  active = true;
  /** The task (or kernel) this space belongs to; opaque to the IPC layer. */
  owner: unknown;
  /** Objects by slot; slot 0 is never used. */
  objs: (IpcObject | null)[];
  bits: Uint32Array;
  private nextFree: Uint32Array;
  private freeHead = 0;
  /** is_table_size: the table's size as XNU has it (names below it are valid indices). */
  private tableSize: number;
  /** Slots whose index is their name's index; all are on the table and linked in the free list when unused. */
  private dense: number;
  /** Names at or above `dense` that have been used: MACH_PORT_INDEX -> slot (null until the first). */
  private high: Map<number, number> | null = null;
  /** For slots at or above `dense`: their MACH_PORT_INDEX. */
  private highIndex: Uint32Array | null = null;
  /** Slots in use by `dense` and `high` together. */
  private slots: number;
  /** The next never-used index to hand out once `high` exists and the free list is empty. */
  private virgin = 0;
  /** Number of entries in use. */
  used = 0;
  readonly maxNames: number;
  /**
   * CVE-2016-7637's fix (xnu-3789.31.2): user references that reach
   * MACH_PORT_UREFS_MAX stay there, and nothing but removing all of them at
   * once changes them. Off, as in xnu-3248, by default (Kernel.boot({ fixes })).
   */
  pegUrefs = false;
  /**
   * xnu-3789.60.24's fix: no port-destroyed request on a kernel-object port.
   * Off, as in xnu-3248, by default (Kernel.boot({ fixes })).
   */
  refuseKobjectPdrequest = false;
  /**
   * xnu-4570.1.46's ipc_right_dealloc (radar 21692215): mach_port_deallocate of a port set's
   * name destroys the set. Off, as in xnu-3248 (KERN_INVALID_RIGHT), by default.
   */
  deallocPortSets = false;
  /** Reverse map for send-right entries, so a send right copied out joins the name already held (ipc_hash). */
  readonly sendHash = new SendHash();
  /**
   * Kernel spaces only: called for a message sent to a port whose receiver is this space
   * (ipc_kobject_server). Set by the kernel at boot.
   */
  kobjectServer: ((kmsg: import("./kmsg.js").IpcKmsg) => import("./kmsg.js").IpcKmsg | null) | null = null;

  constructor(kind: SpaceKind, owner: unknown, maxNames = DEFAULT_MAX_NAMES) {
    this.id = nextSpaceId++;
    this.kind = kind;
    this.owner = owner;
    this.maxNames = Math.max(1, Math.min(maxNames, MAX_CONFIGURABLE_NAMES));
    const size = Math.min(IPC_TABLE_INITIAL_ENTRIES, this.maxNames + 1);
    this.tableSize = size;
    this.objs = new Array<IpcObject | null>(INITIAL_SLOTS).fill(null);
    this.bits = new Uint32Array(INITIAL_SLOTS);
    this.nextFree = new Uint32Array(INITIAL_SLOTS);
    this.dense = 1;
    this.slots = 1;
    this.extendDense(size);
  }

  /** is_table_size: entries of the table as XNU would have it, index 0 included. */
  get capacity(): number {
    return this.tableSize;
  }

  /** Make room for `n` slots (doubling), keeping what is there. */
  private reserveSlots(n: number): void {
    const cap = this.bits.length;
    if (n <= cap) return;
    const size = Math.max(n, cap * 2);
    const bits = new Uint32Array(size);
    bits.set(this.bits);
    const next = new Uint32Array(size);
    next.set(this.nextFree);
    for (let i = cap; i < size; i++) this.objs.push(null);
    this.bits = bits;
    this.nextFree = next;
    if (this.highIndex) {
      const hi = new Uint32Array(size);
      hi.set(this.highIndex);
      this.highIndex = hi;
    }
  }

  /** Link slots [from, to) onto the end of the free list in index order, as ipc_entry_grow_table does. */
  private linkFree(from: number, to: number): void {
    if (from >= to) return;
    const next = this.nextFree;
    for (let i = from; i < to - 1; i++) next[i] = i + 1;
    next[to - 1] = 0;
    if (this.freeHead === 0) this.freeHead = from;
    else {
      let last = this.freeHead;
      while (next[last] !== 0) last = next[last]!;
      next[last] = from;
    }
  }

  /** Identity slots up to `to` (only while no name lives in `high`). */
  private extendDense(to: number): void {
    const from = this.dense;
    this.reserveSlots(to);
    // A fresh slot's generation is the one before 0x03, so its first name ends in 0x03.
    this.bits.fill(IE_BITS_GEN_MASK, from, to);
    this.linkFree(from, to);
    this.dense = this.slots = to;
  }

  /** ipc_entry_grow_table: the next size, or the one holding `target` entries; false past the last. */
  private growTable(target: number): boolean {
    const size = nextTableSize(this.tableSize, target, this.maxNames + 1);
    if (size === 0) return false;
    this.tableSize = size;
    return true;
  }

  /** A slot of its own for index `index` (at or above `dense`), unused and on no list. */
  private highSlot(index: number): number {
    if (!this.high) {
      this.high = new Map();
      this.highIndex = new Uint32Array(this.bits.length);
      this.virgin = this.dense;
    }
    const slot = this.slots++;
    this.reserveSlots(this.slots);
    this.highIndex![slot] = index;
    this.high.set(index, slot);
    this.bits[slot] = IE_BITS_GEN_MASK;
    this.objs[slot] = null;
    return slot;
  }

  /** The slot of `name`'s index whether or not it is in use, or -1 when that index has never been used. */
  indexOf(name: number): number {
    const index = name >>> 8;
    if (index < this.dense) return index;
    return this.high?.get(index) ?? -1;
  }

  /** The slot of `name` if it denotes a live entry, else -1. */
  lookup(name: number): number {
    if (name === MACH_PORT_NULL || name === MACH_PORT_DEAD) return -1;
    let index = name >>> 8;
    if (index >= this.dense) {
      if (this.high === null) return -1;
      const slot = this.high.get(index);
      if (slot === undefined) return -1;
      index = slot;
    } else if (index === 0) return -1;
    const b = this.bits[index]!;
    if ((b & IE_BITS_TYPE_MASK) === 0) return -1;
    if (b >>> 24 !== (name & 0xff)) return -1;
    return index;
  }

  /** The name an entry's slot has now. */
  nameOf(slot: number): number {
    const index = slot < this.dense ? slot : this.highIndex![slot]!;
    return machPortMake(index, this.bits[slot]! >>> 24);
  }

  /** For listings of the whole table (mach_port_space_info): the slot of table index `index`, or -1 for one never used. */
  slotAt(index: number): number {
    return index < this.dense ? index : (this.high?.get(index) ?? -1);
  }

  /** ipc_entry_claim: a new name (with type and urefs still to be set by the caller), or 0 when full. */
  alloc(): number {
    if (this.used >= this.maxNames) return 0;
    if (this.freeHead === 0 && !this.claimable()) return 0;
    const slot = this.freeHead;
    this.freeHead = this.nextFree[slot]!;
    this.nextFree[slot] = 0;
    const gen = (this.bits[slot]! + IE_BITS_GEN_ONE) & IE_BITS_GEN_MASK;
    this.bits[slot] = gen >>> 0;
    this.used++;
    return this.nameOf(slot);
  }

  /** The free list is empty: put the next never-used index on it, growing the table first if it is all used. */
  private claimable(): boolean {
    if (this.high === null) {
      if (this.dense === this.tableSize && !this.growTable(0)) return false;
      this.extendDense(Math.min(this.tableSize, Math.max(this.dense * 2, this.dense + 1)));
      return this.freeHead !== 0;
    }
    while (this.high.has(this.virgin)) this.virgin++;
    if (this.virgin >= this.tableSize && !this.growTable(0)) return false;
    const slot = this.highSlot(this.virgin++);
    this.freeHead = slot;
    this.nextFree[slot] = 0;
    return true;
  }

  /** ipc_entry_alloc_name: claim exactly `name`. KERN_NAME_EXISTS when it is in use. */
  allocName(name: number): KernReturn {
    const index = name >>> 8;
    // Index 0 is reserved, and a slot in use under another generation cannot be renamed:
    // both KERN_FAILURE (ipc_entry_alloc_name); the name itself in use is KERN_NAME_EXISTS (ipc_right_inuse).
    if (index === 0) return KERN_FAILURE;
    if (index >= this.tableSize && !this.growTable(index + 1)) return KERN_NO_SPACE;
    let slot = this.indexOf(name);
    const fresh = slot < 0;
    if (!fresh) {
      const b = this.bits[slot]!;
      if ((b & IE_BITS_TYPE_MASK) !== 0) return b >>> 24 === (name & 0xff) ? KERN_NAME_EXISTS : KERN_FAILURE;
    }
    if (this.used >= this.maxNames) return KERN_NO_SPACE;
    if (fresh) slot = this.highSlot(index);
    else this.unlinkFree(slot);
    this.bits[slot] = ((name & 0xff) << 24) >>> 0;
    this.used++;
    return KERN_SUCCESS;
  }

  /** Take a free slot out of the free list (ipc_entry_alloc_name's walk). */
  private unlinkFree(slot: number): void {
    if (this.freeHead === slot) this.freeHead = this.nextFree[slot]!;
    else {
      let p = this.freeHead;
      while (p !== 0 && this.nextFree[p] !== slot) p = this.nextFree[p]!;
      if (p !== 0) this.nextFree[p] = this.nextFree[slot]!;
    }
    this.nextFree[slot] = 0;
  }

  /**
   * ipc_entry_dealloc: the slot goes to the head of the free list, keeping its generation.
   * `unhashed`: the caller has taken the entry's port out of sendHash already (or it was never
   * there), which spares the reverse lookup.
   */
  free(index: number, unhashed = false): void {
    const obj = this.objs[index];
    if (!unhashed && obj && this.sendHash.get(obj as IpcPort) === this.nameOf(index)) this.sendHash.delete(obj as IpcPort);
    this.objs[index] = null;
    this.bits[index] = this.bits[index]! & IE_BITS_GEN_MASK;
    this.nextFree[index] = this.freeHead;
    this.freeHead = index;
    this.used--;
  }

  /** Every live entry as [name, slot], in name-index order. */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 1; i < this.dense; i++) {
      if ((this.bits[i]! & IE_BITS_TYPE_MASK) !== 0) yield [this.nameOf(i), i];
    }
    if (!this.high) return;
    for (const [, slot] of [...this.high].sort((a, b) => a[0] - b[0])) {
      if ((this.bits[slot]! & IE_BITS_TYPE_MASK) !== 0) yield [this.nameOf(slot), slot];
    }
  }

  /** Approximate heap bytes of the table itself (for the scale benchmark). */
  tableBytes(): number {
    return this.bits.length * (4 + 4 + 8) + (this.highIndex ? this.bits.length * 4 + this.high!.size * 40 : 0);
  }
}
