/**
 * osfmk/vm/vm_map.c's routines under mach_vm_inherit, behavior_set, msync, machine_attribute,
 * page_query / page_info, purgable_control and read_list (xnu-3248), over either kind of task
 * memory (src/kern/vm_remote.ts). An in-process task's simulated memory records what they set
 * (VmMap's entry attributes); a process outside the server is read from /proc (its maps and
 * pagemap) and answers KERN_NOT_SUPPORTED where the call would change what Linux cannot be
 * asked to change from outside. Each function starts where vm_user.c hands over to vm_map.c: the
 * map is not VM_MAP_NULL and the range is already page-rounded where vm_user.c rounds it.
 */
import { KERN_FAILURE, KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_NOT_SUPPORTED, KERN_PROTECTION_FAILURE, KERN_SUCCESS } from "../abi/kern_return.js";
import * as A from "../abi/vm_advice.js";
import { VM_PROT_WRITE } from "../abi/vm.js";
import type { Task } from "./task.js";
import { processMemoryOf, vmEntries, type VmEntry } from "./vm_remote.js";

const PAGE = 4096n;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
export const truncPage = (a: bigint): bigint => a & ~(PAGE - 1n);
/** vm_map_round_page in 64-bit arithmetic: a range ending in the last page rounds to 0, as in C. */
export const roundPage = (a: bigint): bigint => U64(a + PAGE - 1n) & ~(PAGE - 1n);

/** An in-process task's map ends at MACH_VM_MAX_ADDRESS; a Linux process's user space at 2^47. */
const SIMULATED_MAX = 0x00007fffffe00000n;
const PROCESS_MAX = 0x0000800000000000n;
const mapMax = (task: Task): bigint => (processMemoryOf(task) ? PROCESS_MAX : SIMULATED_MAX);

const lookup = (entries: VmEntry[], address: bigint): VmEntry | null => entries.find((e) => e.start <= address && address < e.end) ?? null;

/** vm_map_range_check: [start, end) within the map, starting in an entry, with no hole up to `end`. */
function rangeCheck(task: Task, entries: VmEntry[], start: bigint, end: bigint): boolean {
  if (end > mapMax(task) || start > end) return false;
  let e = lookup(entries, start);
  if (!e) return false;
  while (end > e.end) {
    const next = entries.find((x) => x.start === e!.end);
    if (!next) return false;
    e = next;
  }
  return true;
}

/** Whether some page of [address, address + size) is unmapped, walked as vm_map_msync walks it (size in 64-bit arithmetic). */
function hasHole(entries: VmEntry[], address: bigint, size: bigint): boolean {
  let left = size;
  let at = address;
  while (left > 0n) {
    const e = lookup(entries, at);
    // A hole: vm_map_msync notes it and skips to the next entry, or stops when there is none.
    if (!e) return true;
    const flush = e.end - at < left ? e.end - at : left;
    left -= flush;
    at = U64(at + flush);
    if (at === 0n) break;
  }
  return false;
}

/** The pieces of [start, end) the task's simulated regions map: where attributes change. */
function* simulatedSpans(task: Task, start: bigint, end: bigint): Generator<[bigint, bigint]> {
  for (const [base, bytes] of task.vm.entries()) {
    const rEnd = roundPage(base + BigInt(Math.max(bytes.byteLength, 1)));
    const from = base > start ? base : start;
    const to = rEnd < end ? rEnd : end;
    if (from < to) yield [from, to];
  }
}

const overlaps = (entries: VmEntry[], start: bigint, end: bigint): boolean => entries.some((e) => e.start < end && start < e.end);

/** vm_map_inherit over [start, end): every entry there (clipped to it) takes the inheritance; holes are passed over. */
export function vmMapInherit(task: Task, start: bigint, end: bigint, inheritance: number): number {
  const entries = vmEntries(task);
  if (!entries) return KERN_INVALID_ARGUMENT;
  // VM_MAP_RANGE_CHECK clamps the range to the map.
  const max = mapMax(task);
  const to = end > max ? max : end;
  if (processMemoryOf(task)) return overlaps(entries, start, to) ? KERN_NOT_SUPPORTED : KERN_SUCCESS;
  for (const [from, upTo] of [...simulatedSpans(task, start, to)]) task.vm.setAttrs(from, upTo, { inheritance });
  return KERN_SUCCESS;
}

/** vm_map_msync: `sync_flags` checked, the range page-rounded (64-bit), then a hole is KERN_INVALID_ADDRESS only with VM_SYNC_CONTIGUOUS. */
export function vmMapMsync(task: Task, address: bigint, size: bigint, flags: number): number {
  if (flags & A.VM_SYNC_ASYNCHRONOUS && flags & A.VM_SYNC_SYNCHRONOUS) return KERN_INVALID_ARGUMENT;
  const length = U64(roundPage(U64(address + size)) - truncPage(address));
  const start = truncPage(address);
  if (length === 0n) return KERN_SUCCESS;
  const entries = vmEntries(task);
  if (!entries) return KERN_INVALID_ARGUMENT;
  // Anonymous memory (every simulated entry) has no pager to clean to: vm_map_msync passes it over.
  // A file mapped shared in a process outside the server would need its pages written back
  // synchronously, which the server cannot do for that process.
  if (flags & A.VM_SYNC_SYNCHRONOUS && processMemoryOf(task)) {
    const end = U64(start + length);
    if (entries.some((e) => e.shared && e.externalPager && e.start < (end === 0n ? PROCESS_MAX : end) && start < e.end)) return KERN_NOT_SUPPORTED;
  }
  return hasHole(entries, start, length) && flags & A.VM_SYNC_CONTIGUOUS ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
}

/**
 * vm_map_behavior_set over [start, end): the range within the map (else KERN_NO_SPACE), then by
 * behavior. The persistent ones need the whole range mapped and set each entry's behavior (zero
 * wired pages a flag no reply shows); the immediate ones are advice (anonymous memory has nothing
 * to read ahead, and its pages are free to be kept) with their own hole rules.
 */
export function vmMapBehaviorSet(task: Task, start: bigint, end: bigint, behavior: number): number {
  if (start > end || end > mapMax(task)) return KERN_NO_SPACE;
  const entries = vmEntries(task);
  if (!entries) return KERN_INVALID_ARGUMENT;
  switch (behavior) {
    case A.VM_BEHAVIOR_DEFAULT:
    case A.VM_BEHAVIOR_RANDOM:
    case A.VM_BEHAVIOR_SEQUENTIAL:
    case A.VM_BEHAVIOR_RSEQNTL:
    case A.VM_BEHAVIOR_ZERO_WIRED_PAGES:
      if (!rangeCheck(task, entries, start, end)) return KERN_INVALID_ADDRESS;
      if (processMemoryOf(task)) return KERN_NOT_SUPPORTED;
      if (behavior !== A.VM_BEHAVIOR_ZERO_WIRED_PAGES) for (const [from, to] of [...simulatedSpans(task, start, end)]) task.vm.setAttrs(from, to, { behavior });
      return KERN_SUCCESS;
    case A.VM_BEHAVIOR_WILLNEED:
    case A.VM_BEHAVIOR_REUSABLE:
    case A.VM_BEHAVIOR_REUSE:
    case A.VM_BEHAVIOR_CAN_REUSE:
      // vm_map_entry_is_reusable refuses only malloc-tagged entries that were changed; none is tagged here but a process's heap.
      if (!rangeCheck(task, entries, start, end)) return KERN_INVALID_ADDRESS;
      if (behavior !== A.VM_BEHAVIOR_WILLNEED && entries.some((e) => e.start < end && start < e.end && !reusable(e))) return KERN_INVALID_ADDRESS;
      return KERN_SUCCESS;
    case A.VM_BEHAVIOR_DONTNEED:
      return vmMapMsync(task, start, end - start, A.VM_SYNC_DEACTIVATE | A.VM_SYNC_CONTIGUOUS);
    case A.VM_BEHAVIOR_FREE:
      return vmMapMsync(task, start, end - start, A.VM_SYNC_KILLPAGES | A.VM_SYNC_CONTIGUOUS);
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

/** vm_map_entry_is_reusable for what an entry here can be: a malloc-tagged one must still be as vm_allocate made it. */
function reusable(e: VmEntry): boolean {
  const MALLOC_TAGS = new Set([1, 2, 3, 6, 7, 8, 9]);
  if (!MALLOC_TAGS.has(e.userTag)) return true;
  return !e.shared && e.protection === 3 && e.maxProtection === 7 && e.inheritance === 1;
}

/** Pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
const PM_PRESENT = 1n << 63n;
const PM_SWAPPED = 1n << 62n;
const PM_FILE = 1n << 61n;

/** Whether any page of [start, end) is resident in the process (pagemap), read in chunks and stopping at the first; null if pagemap cannot be read. */
function processResident(task: Task, start: bigint, end: bigint): boolean | null {
  const pm = processMemoryOf(task)!;
  if (!pm.pagemap) return null;
  for (let at = start; at < end; ) {
    const pages = Number((end - at) / PAGE > 4096n ? 4096n : (end - at) / PAGE);
    const words = pm.pagemap(at, pages);
    if (!words) return null;
    if (words.some((w) => (w & PM_PRESENT) !== 0n)) return true;
    at += BigInt(pages) * PAGE;
  }
  return false;
}

/**
 * vm_map_machine_attribute on x86_64: the range within the map, then pmap_attribute (which
 * answers KERN_INVALID_ADDRESS) for all but MATTR_CACHE; MATTR_CACHE walks the entries (a hole
 * is KERN_FAILURE) and syncs each resident page with pmap_attribute_cache_sync, which also
 * answers KERN_INVALID_ADDRESS: only a range with no resident page succeeds.
 */
export function vmMapMachineAttribute(task: Task, start: bigint, end: bigint, attribute: number): number {
  if (end > mapMax(task)) return KERN_INVALID_ADDRESS;
  if (attribute >>> 0 !== A.MATTR_CACHE) return KERN_INVALID_ADDRESS;
  const entries = vmEntries(task);
  if (!entries) return KERN_INVALID_ARGUMENT;
  const size = U64(end - start);
  if (hasHole(entries, start, size)) return KERN_FAILURE;
  if (size === 0n) return KERN_SUCCESS;
  // Every page of simulated memory is resident.
  if (!processMemoryOf(task)) return KERN_INVALID_ADDRESS;
  const resident = processResident(task, start, end);
  if (resident === null) return KERN_FAILURE;
  return resident ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
}

export interface PageInfoBasic {
  disposition: number;
  refCount: number;
  objectId: bigint;
  offset: bigint;
  depth: number;
}

/**
 * vm_map_page_info's VM_PAGE_INFO_BASIC for the page holding `offset` (the flavor and count
 * checked by the caller): KERN_INVALID_ADDRESS where nothing is mapped. A simulated page is
 * resident in its region's object. A process's page is what its pagemap says: resident,
 * swapped (paged out), or in the file's object (a private file mapping's page not yet copied
 * is its shadow's, one object down; a copied one is the entry's own, which has that shadow).
 */
export function vmMapPageInfo(task: Task, offset: bigint): { kr: number; info?: PageInfoBasic } {
  const inPage = offset & (PAGE - 1n);
  const page = truncPage(offset);
  const entries = vmEntries(task);
  if (!entries) return { kr: KERN_INVALID_ARGUMENT };
  const e = lookup(entries, page);
  if (!e) return { kr: KERN_INVALID_ADDRESS };
  const objectOffset = page - e.start + e.offset;
  const pm = processMemoryOf(task);
  if (!pm) return { kr: KERN_SUCCESS, info: { disposition: A.VM_PAGE_QUERY_PAGE_PRESENT, refCount: e.refCount, objectId: BigInt(e.objectId), offset: objectOffset + inPage, depth: 0 } };
  const word = pm.pagemap?.(page, 1)?.[0];
  if (word === undefined) return { kr: KERN_FAILURE };
  const present = (word & PM_PRESENT) !== 0n;
  const swapped = (word & PM_SWAPPED) !== 0n;
  const filePage = (word & PM_FILE) !== 0n;
  let disposition = present ? A.VM_PAGE_QUERY_PAGE_PRESENT : swapped ? A.VM_PAGE_QUERY_PAGE_PAGED_OUT : 0;
  if (!e.externalPager) {
    // Anonymous memory no one touched has no object yet: no page, no references.
    if (!present && !swapped) return { kr: KERN_SUCCESS, info: { disposition: 0, refCount: 0, objectId: 0n, offset: objectOffset + inPage, depth: 0 } };
    return { kr: KERN_SUCCESS, info: { disposition, refCount: e.refCount, objectId: BigInt(e.objectId), offset: objectOffset + inPage, depth: 0 } };
  }
  if (e.shared || filePage || !(present || swapped)) {
    // The file's own page (a private mapping's is found one object down its shadow chain).
    disposition |= A.VM_PAGE_QUERY_PAGE_EXTERNAL;
    return { kr: KERN_SUCCESS, info: { disposition, refCount: e.refCount, objectId: BigInt(e.objectId), offset: objectOffset + inPage, depth: e.shared ? 0 : 1 } };
  }
  // A private file mapping's page copied on write: in the entry's own object, which shadows the file's.
  return { kr: KERN_SUCCESS, info: { disposition: disposition | A.VM_PAGE_QUERY_PAGE_COPIED, refCount: e.refCount, objectId: BigInt(e.objectId), offset: objectOffset + inPage, depth: 0 } };
}

/**
 * vm_map_purgable_control at `address` (page-truncated): the control and a SET_STATE's state
 * checked, then the entry (KERN_INVALID_ADDRESS), write access (KERN_PROTECTION_FAILURE) and a
 * purgeable object (KERN_INVALID_ARGUMENT). Linux memory is never a purgeable object.
 */
export function vmMapPurgableControl(task: Task, address: bigint, control: number, state: number): { kr: number; state?: number } {
  if (control !== A.VM_PURGABLE_SET_STATE && control !== A.VM_PURGABLE_GET_STATE && control !== A.VM_PURGABLE_PURGE_ALL) return { kr: KERN_INVALID_ARGUMENT };
  if (control === A.VM_PURGABLE_PURGE_ALL) return { kr: KERN_SUCCESS, state };
  if (control === A.VM_PURGABLE_SET_STATE && (state & ~A.VM_PURGABLE_ALL_MASKS) !== 0) return { kr: KERN_INVALID_ARGUMENT };
  const entries = vmEntries(task);
  if (!entries) return { kr: KERN_INVALID_ARGUMENT };
  const e = lookup(entries, address);
  if (!e) return { kr: KERN_INVALID_ADDRESS };
  if ((e.protection & VM_PROT_WRITE) === 0) return { kr: KERN_PROTECTION_FAILURE };
  if (e.purgable === undefined || e.purgable === null || e.purgable === A.VM_PURGABLE_DENY) return { kr: KERN_INVALID_ARGUMENT };
  return vmObjectPurgableControl(task, e, control, state);
}

/**
 * vm_object_purgable_control on a simulated purgeable object (the whole region vm_allocate or
 * vm_map made with VM_FLAGS_PURGABLE): GET_STATE gives its state; SET_STATE gives the state it
 * had and makes it non-volatile, volatile, empty (its pages purged: zero-filled when next
 * touched) or not purgeable at all (DENY). VM_PURGABLE_DEBUG_EMPTY marks the object so that
 * volatile means empty from then on; an empty object no one touched since stays empty when made
 * volatile (it has no pages to keep).
 */
function vmObjectPurgableControl(task: Task, e: VmEntry, control: number, state: number): { kr: number; state?: number } {
  const old = e.purgable!;
  if (control === A.VM_PURGABLE_GET_STATE) return { kr: KERN_SUCCESS, state: old };
  const region = task.vm.regionAt(e.start);
  if (!region) return { kr: KERN_INVALID_ADDRESS };
  const start = region.base;
  const end = roundPage(region.base + BigInt(Math.max(region.size, 1)));
  const attrs = task.vm.attrsAt(e.start);
  const volatileEmpty = attrs.volatileEmpty === true || (state & A.VM_PURGABLE_DEBUG_EMPTY) !== 0;
  let next = state & A.VM_PURGABLE_STATE_MASK;
  if (next === A.VM_PURGABLE_VOLATILE && volatileEmpty) next = A.VM_PURGABLE_EMPTY;
  if (next === A.VM_PURGABLE_VOLATILE && old === A.VM_PURGABLE_EMPTY) next = A.VM_PURGABLE_EMPTY;
  if (next === A.VM_PURGABLE_EMPTY && old !== A.VM_PURGABLE_EMPTY) task.vm.read(start, region.size)?.fill(0);
  task.vm.setAttrs(start, end, { purgable: next, volatileEmpty });
  return { kr: KERN_SUCCESS, state: old };
}
