/**
 * osfmk/vm/vm_map.c's vm_map_remap (xnu-3248) under mach_vm_remap and vm_remap: the pages of a
 * range of one task's map entered in another's (or the same) map, either as the same memory
 * (copy FALSE: both mappings see every later write) or as a copy made at the call (copy TRUE).
 * The order is XNU's: the inheritance and size, the size rounded (by the data's pages with
 * VM_FLAGS_RETURN_DATA_ADDR), the source's entries walked (vm_map_remap_extract: every page
 * mapped, the protections ANDed for the caller), then the target's range found or checked
 * (vm_map_remap_range_allocate), then the new entries, one per source entry, each with its source
 * entry's protection, maximum and behavior and the call's inheritance.
 *
 * An in-process task's memory is its VmMap: shared pages are one buffer seen through two regions.
 * A process outside the server can be read but not changed from outside: as a source it can be
 * copied from (copy TRUE), not shared; as a target it answers KERN_NOT_SUPPORTED once the source
 * has been walked. (libmachipc does a C program's remap of its own memory itself, native/src/vm.c.)
 */
import { KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_NOT_SUPPORTED, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS } from "../abi/kern_return.js";
import { VM_FLAGS_ANYWHERE, VM_FLAGS_OVERWRITE, VM_PROT_ALL, VM_PROT_READ } from "../abi/vm.js";
import type { Task } from "./task.js";
import { errnoToKern, processMemoryOf, vmEntries } from "./vm_remote.js";
import { machVmDeallocate, setRegionProtection, VM_USER_LIMIT } from "./vm_user.js";

// osfmk/mach/vm_statistics.h (the C headers have them too).
export const VM_FLAGS_RESILIENT_CODESIGN = 0x20;
export const VM_FLAGS_RETURN_DATA_ADDR = 0x100000;
/** The flags mach_vm_remap / vm_remap let a user pass (fixed, anywhere, overwrite, return-data-address, resilient codesign). */
export const VM_FLAGS_USER_REMAP = (VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE | VM_FLAGS_RETURN_DATA_ADDR | VM_FLAGS_RESILIENT_CODESIGN) >>> 0;

const PAGE = 4096n;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const truncPage = (a: bigint): bigint => a & ~(PAGE - 1n);
const roundPage = (a: bigint): bigint => U64(a + PAGE - 1n) & ~(PAGE - 1n);
/** MACH_VM_MAX_ADDRESS: the end of an in-process task's map. */
const MAX_ADDRESS = 0x00007fffffe00000n;
const VM_INHERIT_LAST_VALID = 2;

export interface RemapResult {
  kr: number;
  /** Where the memory went (with VM_FLAGS_RETURN_DATA_ADDR, where the data's first byte went). */
  address?: bigint;
  /** The protections every source entry allows, current and maximum. */
  cur?: number;
  max?: number;
}

/** One source entry's part of the range: a new entry of the target's, at `offset` into the new range. */
interface Piece {
  /** Where it starts in the source, and its size (vm_map_remap_extract's tmp_size). */
  start: bigint;
  size: bigint;
  offset: bigint;
  protection: number;
  maxProtection: number;
  behavior: number;
  purgable: number | null;
}

/**
 * vm_map_remap_extract's walk of [start, start + size) of the source map: an entry at each
 * next address, else KERN_INVALID_ADDRESS; each piece is cut at its entry's end.
 */
function extract(src: Task, start: bigint, size: bigint): { kr: number; pieces: Piece[]; cur: number; max: number } {
  const pieces: Piece[] = [];
  let cur = VM_PROT_ALL;
  let max = VM_PROT_ALL;
  const end = roundPage(start + size);
  // Memory the source received and has not read yet is ordinary memory from here on (its pages are to be shared or copied).
  if (!processMemoryOf(src)) src.vm.regionsIn(start, start + size);
  const entries = vmEntries(src);
  if (!entries) return { kr: KERN_INVALID_ARGUMENT, pieces, cur, max };
  let at = start;
  let mapped = 0n;
  while (mapped !== size) {
    const e = entries.find((x) => x.start <= at && at < x.end);
    if (!e || (mapped !== 0n && at !== e.start)) return { kr: KERN_INVALID_ADDRESS, pieces, cur, max };
    let piece = size - mapped;
    if (end > e.end) piece -= end - e.end;
    pieces.push({ start: at, size: piece, offset: mapped, protection: e.protection, maxProtection: e.maxProtection, behavior: e.behavior ?? 0, purgable: e.purgable ?? null });
    cur &= e.protection;
    max &= e.maxProtection;
    mapped += piece;
    at = U64(at + piece);
  }
  return { kr: KERN_SUCCESS, pieces, cur, max };
}

/**
 * The bytes each piece's new entry maps: for copy FALSE a view of the source region's own bytes
 * (with the region, to mark it shared), for copy TRUE a copy of them made now.
 */
function capture(src: Task, pieces: Piece[], copy: boolean): { kr: number; bytes: { data: Uint8Array; region?: Uint8Array }[] } {
  const out: { data: Uint8Array; region?: Uint8Array }[] = [];
  const pm = processMemoryOf(src);
  if (pm) {
    // A Linux process's pages cannot be mapped into the server's memory: only copied (process_vm_readv), within the server's bound for one transfer.
    if (!copy) return { kr: KERN_NOT_SUPPORTED, bytes: out };
    if (pieces.reduce((n, p) => n + p.size, 0n) > BigInt(pm.maxTransfer)) return { kr: KERN_RESOURCE_SHORTAGE, bytes: out };
    for (const p of pieces) {
      const data = new Uint8Array(Number(p.size));
      const n = pm.read(p.start, data);
      if (n < 0) return { kr: errnoToKern(-n), bytes: out };
      if (n !== data.byteLength) return { kr: KERN_INVALID_ADDRESS, bytes: out };
      out.push({ data });
    }
    return { kr: KERN_SUCCESS, bytes: out };
  }
  const regions = src.vm.entries();
  for (const p of pieces) {
    const found = regions.find(([base, r]) => base <= p.start && p.start < base + roundPage(BigInt(Math.max(r.byteLength, 1))));
    const [base, region] = found!;
    const from = Number(p.start - base);
    const view = region.subarray(from, Math.min(region.byteLength, from + Number(p.size)));
    if (!copy) out.push({ data: view, region });
    else {
      const data = new Uint8Array(Number(p.size));
      data.set(view);
      out.push({ data });
    }
  }
  return { kr: KERN_SUCCESS, bytes: out };
}

/**
 * vm_map_remap: `address` is the wanted address (trunc'd to a page; ignored with
 * VM_FLAGS_ANYWHERE but for where the search starts), `memoryAddress` and `size` the source
 * range. The caller (vm_user.c's mach_vm_remap) has checked both maps and the flags.
 */
export function vmMapRemap(
  target: Task,
  address: bigint,
  size: bigint,
  mask: bigint,
  flags: number,
  src: Task,
  memoryAddress: bigint,
  copy: boolean,
  inheritance: number,
): RemapResult {
  if (inheritance >>> 0 > VM_INHERIT_LAST_VALID || size === 0n) return { kr: KERN_INVALID_ARGUMENT };
  // With VM_FLAGS_RETURN_DATA_ADDR the range covers every page the data touches, and the answer is where its first byte went.
  let offsetInMapping = 0n;
  let mapSize: bigint;
  if (flags & VM_FLAGS_RETURN_DATA_ADDR) {
    offsetInMapping = memoryAddress - truncPage(memoryAddress);
    mapSize = roundPage(U64(memoryAddress + size - truncPage(memoryAddress)));
  } else {
    mapSize = roundPage(size);
  }
  const x = extract(src, truncPage(memoryAddress), mapSize);
  if (x.kr !== KERN_SUCCESS) return { kr: x.kr };
  if (processMemoryOf(target)) return { kr: KERN_NOT_SUPPORTED };

  // vm_map_remap_range_allocate.
  mask = U64(mask);
  let at = truncPage(U64(address));
  if (flags & VM_FLAGS_ANYWHERE) {
    const found = target.vm.firstFit(at, mapSize, mask, MAX_ADDRESS);
    if (found === null) return { kr: KERN_NO_SPACE };
    at = found;
  } else {
    if (at & mask) return { kr: KERN_NO_SPACE };
    const end = at + mapSize;
    if (at === 0n || end > MAX_ADDRESS || at >= end) return { kr: KERN_INVALID_ADDRESS };
  }
  // machipc's bound on what a task's VM calls make the server hold, before anything changes.
  if (BigInt(target.vm.mappedBytes()) + mapSize > BigInt(VM_USER_LIMIT)) return { kr: KERN_NO_SPACE };
  // The source's pages are held before an overwrite can take them away (a remap over itself).
  const c = capture(src, x.pieces, copy);
  if (c.kr !== KERN_SUCCESS) return { kr: c.kr };
  if (!(flags & VM_FLAGS_ANYWHERE)) {
    if (flags & VM_FLAGS_OVERWRITE) machVmDeallocate(target.vm, at, mapSize);
    if (target.vm.overlaps(at, at + mapSize)) return { kr: KERN_NO_SPACE };
  }

  const resilient = (flags & VM_FLAGS_RESILIENT_CODESIGN) !== 0;
  x.pieces.forEach((p, i) => {
    const { data, region } = c.bytes[i]!;
    const start = at + p.offset;
    target.vm.placeAt(start, data);
    setRegionProtection(target.vm, start, resilient ? { cur: VM_PROT_READ, max: VM_PROT_READ } : { cur: p.protection, max: p.maxProtection });
    // The entry's own attributes come with it (vm_map_entry_copy), the inheritance is the call's; a copy is a new object, not purgeable.
    target.vm.setAttrs(start, start + p.size, { inheritance, behavior: p.behavior, purgable: copy ? null : p.purgable });
    if (region) {
      src.vm.markShared(region);
      target.vm.markShared(data);
    }
  });
  return {
    kr: KERN_SUCCESS,
    address: at + offsetInMapping,
    cur: resilient ? VM_PROT_READ : x.cur,
    max: resilient ? VM_PROT_READ : x.max,
  };
}
