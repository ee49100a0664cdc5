/**
 * Another task's memory, as the mach_vm and vm_map subsystems reach it: vm_map_copyin's and
 * vm_map_copy_overwrite's checks (osfmk/vm/vm_map.c, xnu-3248) and vm_map_region's lookup, over
 * either of the two memories a machipc task has. An in-process task's is its simulated VmMap
 * (src/kern/vm_map.ts, with vm_user.ts's protections); a libmachipc process's is the process's
 * own, which the server reaches through a ProcessMemory it attaches to the task (process_vm_readv
 * and writev, /proc/PID/maps). Changing a process's address space from outside (allocate,
 * deallocate, protect, map) is not something Linux lets another process do; those calls answer
 * KERN_NOT_SUPPORTED for such a task (docs/c-api.md).
 */
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_PROTECTION_FAILURE,
  KERN_RESOURCE_SHORTAGE,
  KERN_SUCCESS,
} from "../abi/kern_return.js";
import { VM_PROT_READ, VM_PROT_WRITE } from "../abi/vm.js";
import { SM_PRIVATE, SM_SHARED, SM_TRUESHARED } from "../abi/vm_region.js";
import type { Task } from "./task.js";
import { regionProtection } from "./vm_user.js";

const PAGE = 4096n;
const truncPage = (a: bigint): bigint => a & ~(PAGE - 1n);
const roundPage = (a: bigint): bigint => (a + PAGE - 1n) & ~(PAGE - 1n);
/**
 * ipc_init's msg_ool_size_small (two pages): vm_map_copyin copies less than this into a kernel
 * buffer with copyin, so any fault in it is KERN_INVALID_ADDRESS; from it up the copy walks map
 * entries and an entry without the access is KERN_PROTECTION_FAILURE. Overwrites follow the copy's
 * kind the same way (a kernel buffer is written with copyout).
 */
export const MSG_OOL_SIZE_SMALL = 2 * 4096;
/** Bytes one read or copy may make the kernel hold when the memory's owner sets no smaller bound. */
export const VM_TRANSFER_LIMIT = 64 * 1024 * 1024;

/** One map entry as vm_region reports it. */
export interface VmEntry {
  start: bigint;
  end: bigint;
  protection: number;
  maxProtection: number;
  inheritance: number;
  /** basic_info's `shared` (entry->is_shared). */
  shared: boolean;
  shareMode: number;
  offset: bigint;
  /** VME_ALIAS: the VM_MEMORY_* tag. */
  userTag: number;
  objectId: number;
  refCount: number;
  externalPager: boolean;
  pagesResident: number;
  /** The entry's paging behavior (VM_BEHAVIOR_*); absent is VM_BEHAVIOR_DEFAULT. */
  behavior?: number;
  /** The object's purgeable state (VM_PURGABLE_*); absent or null: not purgeable. */
  purgable?: number | null;
}

/**
 * A process's own memory, for a task that is a process outside the server. Reads and writes
 * return the bytes moved, or a negative errno; `regions` is null once the process is gone.
 */
export interface ProcessMemory {
  readonly pid: number;
  /** The largest read or copy the server holds for one call (its OOL bound). */
  readonly maxTransfer: number;
  read(address: bigint, into: Uint8Array): number;
  write(address: bigint, data: Uint8Array): number;
  regions(): VmEntry[] | null;
  /** The process's pagemap words for `pages` pages from `address` (page-aligned); null if it cannot be read. */
  pagemap?(address: bigint, pages: number): bigint[] | null;
}

const processMemory = new WeakMap<Task, ProcessMemory>();

/** The server's word that `task` is this process: its VM calls reach the process's memory. */
export function attachProcessMemory(task: Task, memory: ProcessMemory): void {
  processMemory.set(task, memory);
}

export function processMemoryOf(task: Task): ProcessMemory | null {
  return processMemory.get(task) ?? null;
}

/**
 * An in-process task's regions as map entries (simulated memory: anonymous, every page resident,
 * private unless a remap without copy shared it or it is a named entry's), each region cut where vm_map_inherit or
 * vm_map_behavior_set clipped it.
 */
function simulatedEntries(task: Task): VmEntry[] {
  const out: VmEntry[] = [];
  for (const [base, bytes] of task.vm.entries()) {
    const p = regionProtection(task.vm, base);
    // Memory a remap without copy mapped twice: both entries are is_shared, the object held by both.
    const shared = task.vm.isShared(bytes);
    // A named entry's object (made of this memory, or mapped from one): true_share, held by the entry too.
    const trueShared = task.vm.isTrueShared(bytes);
    const end = roundPage(base + BigInt(Math.max(bytes.byteLength, 1)));
    const cuts = [base, ...task.vm.clipPoints(base, end), end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const start = cuts[i]!;
      const attrs = task.vm.attrsAt(start);
      out.push({
        start,
        end: cuts[i + 1]!,
        protection: p.cur,
        maxProtection: p.max,
        inheritance: attrs.inheritance,
        shared,
        shareMode: trueShared ? SM_TRUESHARED : shared ? SM_SHARED : SM_PRIVATE,
        offset: start - base,
        userTag: 0,
        objectId: 0,
        refCount: shared || trueShared ? 2 : 1,
        externalPager: false,
        pagesResident: Number((cuts[i + 1]! - start) / PAGE),
        behavior: attrs.behavior,
        purgable: attrs.purgable,
      });
    }
  }
  return out;
}

/** The task's map entries in address order; null when its memory is gone (VM_MAP_NULL). */
export function vmEntries(task: Task): VmEntry[] | null {
  const pm = processMemoryOf(task);
  return pm ? pm.regions() : simulatedEntries(task);
}

/** vm_map_lookup_entry, then the next entry when none holds `address` (vm_map_region's rule); null past the last. */
export function entryAtOrAfter(entries: VmEntry[], address: bigint): VmEntry | null {
  for (const e of entries) if (e.end > address) return e;
  return null;
}

/** An errno from process_vm_readv / writev as the kern_return_t the same failure has in XNU. */
export function errnoToKern(errno: number): number {
  switch (errno) {
    case 14: // EFAULT: unmapped after all (the map changed under us)
      return KERN_INVALID_ADDRESS;
    case 3: // ESRCH: the process is gone, as a task whose map is VM_MAP_NULL
      return KERN_INVALID_ARGUMENT;
    case 12: // ENOMEM
      return KERN_RESOURCE_SHORTAGE;
    default: // EPERM and the rest: Linux refused the server access to the process
      return KERN_FAILURE;
  }
}

/**
 * vm_map_copyin's walk over [address, address + size) (and vm_map_copy_overwrite's, with
 * VM_PROT_WRITE): every page mapped, without holes, each entry allowing `access`.
 */
function checkRange(entries: VmEntry[], address: bigint, size: bigint, access: number): number {
  const end = address + size;
  const small = size < BigInt(MSG_OOL_SIZE_SMALL);
  const stop = roundPage(end);
  let at = truncPage(address);
  let e = entries.find((x) => x.start <= address && address < x.end);
  if (!e) return KERN_INVALID_ADDRESS;
  for (;;) {
    if ((e.protection & access) !== access) return small ? KERN_INVALID_ADDRESS : KERN_PROTECTION_FAILURE;
    at = e.end;
    if (at >= stop) return KERN_SUCCESS;
    const next = entries.find((x) => x.start === at);
    if (!next) return KERN_INVALID_ADDRESS;
    e = next;
  }
}

/** The pieces of [address, address + size) that an in-process task's regions have bytes for: each region's bytes and the piece's offsets. */
function* simulatedPieces(task: Task, address: bigint, size: number): Generator<{ bytes: Uint8Array; inRegion: number; inRange: number; length: number }> {
  const end = address + BigInt(size);
  for (const [base, bytes] of task.vm.entries()) {
    const rEnd = base + BigInt(bytes.byteLength);
    const from = address > base ? address : base;
    const to = end < rEnd ? end : rEnd;
    if (from < to) yield { bytes, inRegion: Number(from - base), inRange: Number(from - address), length: Number(to - from) };
  }
}

/** Bytes of an in-process task's memory (checked mapped first); zeros past a region's bytes in its last page. */
function readSimulated(task: Task, address: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (const p of simulatedPieces(task, address, size)) out.set(p.bytes.subarray(p.inRegion, p.inRegion + p.length), p.inRange);
  return out;
}

function writeSimulated(task: Task, address: bigint, data: Uint8Array): number {
  const pieces = [...simulatedPieces(task, address, data.byteLength)];
  // The page is mapped but the region's bytes stop short of it (a received OOL region's tail).
  if (pieces.reduce((n, p) => n + p.length, 0) !== data.byteLength) return KERN_INVALID_ADDRESS;
  for (const p of pieces) p.bytes.set(data.subarray(p.inRange, p.inRange + p.length), p.inRegion);
  return KERN_SUCCESS;
}

const transferLimit = (task: Task): number => processMemoryOf(task)?.maxTransfer ?? VM_TRANSFER_LIMIT;

/**
 * vm_map_copyin (src_destroy FALSE): the bytes of [address, address + size) of `task`'s map,
 * or the code XNU's copyin gives. Size 0 is success with no data. A copy larger than the server
 * may hold is KERN_RESOURCE_SHORTAGE (vm_map_copyin's answer when it cannot allocate the copy),
 * before anything is read. A short read is a failure, never partial data.
 */
export function vmMapCopyin(task: Task, address: bigint, size: bigint): { kr: number; data?: Uint8Array } {
  if (size === 0n) return { kr: KERN_SUCCESS, data: new Uint8Array(0) };
  if (address + size > 0xffffffffffffffffn) return { kr: KERN_INVALID_ADDRESS };
  const entries = vmEntries(task);
  if (!entries) return { kr: KERN_INVALID_ARGUMENT };
  const kr = checkRange(entries, address, size, VM_PROT_READ);
  if (kr !== KERN_SUCCESS) return { kr };
  if (size > BigInt(transferLimit(task))) return { kr: KERN_RESOURCE_SHORTAGE };
  const pm = processMemoryOf(task);
  if (!pm) return { kr: KERN_SUCCESS, data: readSimulated(task, address, Number(size)) };
  const data = new Uint8Array(Number(size));
  const n = pm.read(address, data);
  if (n < 0) return { kr: errnoToKern(-n) };
  return n === data.byteLength ? { kr: KERN_SUCCESS, data } : { kr: KERN_INVALID_ADDRESS };
}

/** vm_map_copy_overwrite: `data` over [address, address + data.length) of `task`'s map, every page mapped and writable. */
export function vmMapCopyOverwrite(task: Task, address: bigint, data: Uint8Array): number {
  if (data.byteLength === 0) return KERN_SUCCESS;
  const size = BigInt(data.byteLength);
  if (address + size > 0xffffffffffffffffn) return KERN_INVALID_ADDRESS;
  const entries = vmEntries(task);
  if (!entries) return KERN_INVALID_ARGUMENT;
  const kr = checkRange(entries, address, size, VM_PROT_WRITE);
  if (kr !== KERN_SUCCESS) return kr;
  const pm = processMemoryOf(task);
  if (!pm) return writeSimulated(task, address, data);
  const n = pm.write(address, data);
  if (n < 0) return errnoToKern(-n);
  return n === data.byteLength ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
}

/** What vm_region's walk needs of a task with no sub-maps: the entry holding `address`, else the next. */
export function vmMapRegion(task: Task, address: bigint): { kr: number; entry?: VmEntry } {
  const entries = vmEntries(task);
  if (!entries) return { kr: KERN_INVALID_ARGUMENT };
  const entry = entryAtOrAfter(entries, address);
  return entry ? { kr: KERN_SUCCESS, entry } : { kr: KERN_INVALID_ADDRESS };
}

