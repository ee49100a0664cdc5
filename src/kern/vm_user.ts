/**
 * osfmk/vm/vm_user.c's mach_vm_allocate / deallocate / protect on a task's
 * address space, with their argument checks in XNU's order. The address space
 * is machipc's VmMap (the memory messages touch); its size is bounded, so a
 * client cannot make the server hold more than VM_USER_LIMIT bytes per task.
 */
import { KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_PROTECTION_FAILURE, KERN_SUCCESS } from "../abi/kern_return.js";
import type { VmMap } from "./vm_map.js";
import {
  VM_FLAGS_ANYWHERE,
  VM_FLAGS_OVERWRITE,
  VM_FLAGS_PURGABLE,
  VM_FLAGS_SUPERPAGE_MASK,
  VM_FLAGS_USER_ALLOCATE,
  VM_PROT_ALL,
  VM_PROT_COPY,
  VM_PROT_DEFAULT,
  VM_PROT_IS_MASK,
} from "../abi/vm.js";

// osfmk/mach/vm_statistics.h, vm_inherit.h and vm_map.c's names for what mach_vm_map checks (the C headers have them).
const VM_FLAGS_RETURN_DATA_ADDR = 0x100000;
const VM_FLAGS_RETURN_4K_DATA_ADDR = 0x800000;
const VM_FLAGS_USER_MAP = (VM_FLAGS_USER_ALLOCATE | VM_FLAGS_RETURN_4K_DATA_ADDR | VM_FLAGS_RETURN_DATA_ADDR) >>> 0;
const VM_FLAGS_SUPERPAGE_SHIFT = 16;
const SUPERPAGE_SIZE_ANY = 1;
const SUPERPAGE_SIZE_2MB = 2;
const SUPERPAGE_SIZE = 2n * 1024n * 1024n;
const VM_INHERIT_LAST_VALID = 2;
const VM_INHERIT_DEFAULT = 1;
/** vm_map_enter's limit for purgable anonymous memory. */
const ANON_MAX_SIZE = 0xfffff000n;

/** Bytes of memory a task's VM calls may hold in the server. */
export const VM_USER_LIMIT = 64 * 1024 * 1024;

const PAGE = 4096n;
const MAX_ADDRESS = 0x00007fffffe00000n;
/** `start + size < start` in vm_user.c: a range that wraps is KERN_INVALID_ARGUMENT. */
const MAX_U64 = 0xffffffffffffffffn;
const truncPage = (a: bigint): bigint => a & ~(PAGE - 1n);
const roundPage = (a: bigint): bigint => (a + PAGE - 1n) & ~(PAGE - 1n);

/** The current and maximum protection of each region, as vm_map entries carry them. */
const protections = new WeakMap<VmMap, Map<bigint, { cur: number; max: number }>>();
const protOf = (map: VmMap) => {
  let m = protections.get(map);
  if (!m) protections.set(map, (m = new Map()));
  return m;
};

/** The current and maximum protection of the region at `base` (what vm_allocate gives, for regions no VM call made). */
export function regionProtection(map: VmMap, base: bigint): { cur: number; max: number } {
  return protOf(map).get(base) ?? { cur: VM_PROT_DEFAULT, max: VM_PROT_ALL };
}

/** Set the protections of the region at `base` (vm_map_remap's new entries keep their source entries'). */
export function setRegionProtection(map: VmMap, base: bigint, p: { cur: number; max: number }): void {
  protOf(map).set(base, { cur: p.cur, max: p.max });
}

/** mach_vm_allocate: `addr` is the wanted address (ignored with VM_FLAGS_ANYWHERE); the result's `addr` is where it went. */
export function machVmAllocate(map: VmMap, addr: bigint, size: bigint, flags: number): { kr: number; addr: bigint } {
  if ((flags & ~VM_FLAGS_USER_ALLOCATE) >>> 0) return { kr: KERN_INVALID_ARGUMENT, addr };
  // A size of 0 succeeds and leaves the caller's address as it was.
  if (size === 0n) return { kr: KERN_SUCCESS, addr };
  const mapSize = roundPage(size);
  if (mapSize === 0n || mapSize > MAX_ADDRESS) return { kr: KERN_INVALID_ARGUMENT, addr };
  // vm_map_enter: a purgeable object is at most ANON_MAX_SIZE.
  if (flags & VM_FLAGS_PURGABLE && mapSize > ANON_MAX_SIZE) return { kr: KERN_INVALID_ARGUMENT, addr };
  if (BigInt(map.mappedBytes()) + mapSize > BigInt(VM_USER_LIMIT)) return { kr: KERN_NO_SPACE, addr };
  if (flags & VM_FLAGS_ANYWHERE) {
    const at = map.vmAllocate(Number(mapSize));
    protOf(map).set(at, { cur: VM_PROT_DEFAULT, max: VM_PROT_ALL });
    markPurgable(map, at, mapSize, flags);
    return { kr: KERN_SUCCESS, addr: at };
  }
  const at = truncPage(addr);
  const end = at + mapSize;
  if (at === 0n || end > MAX_ADDRESS) return { kr: KERN_INVALID_ADDRESS, addr: at };
  if (map.overlaps(at, end)) return { kr: KERN_NO_SPACE, addr: at };
  map.allocateAt(at, Number(mapSize));
  protOf(map).set(at, { cur: VM_PROT_DEFAULT, max: VM_PROT_ALL });
  markPurgable(map, at, mapSize, flags);
  return { kr: KERN_SUCCESS, addr: at };
}

/** VM_FLAGS_PURGABLE: vm_map_enter gives the new memory an object of its own that starts non-volatile. */
function markPurgable(map: VmMap, at: bigint, size: bigint, flags: number): void {
  if (flags & VM_FLAGS_PURGABLE) map.setAttrs(at, at + size, { purgable: 0 });
}

/** mach_vm_deallocate: everything mapped in the pages of [address, address + size) goes; nothing mapped is not an error. */
export function machVmDeallocate(map: VmMap, address: bigint, size: bigint): number {
  if (address + size > MAX_U64) return KERN_INVALID_ARGUMENT;
  if (size === 0n) return KERN_SUCCESS;
  const start = truncPage(address);
  const end = roundPage(address + size);
  map.removeRange(start, end);
  for (const base of [...protOf(map).keys()]) if (base >= start && base < end) protOf(map).delete(base);
  return KERN_SUCCESS;
}

/** mach_vm_protect: the whole range must be mapped; a protection above a region's maximum is refused. */
export function machVmProtect(map: VmMap, address: bigint, size: bigint, setMaximum: boolean, prot: number): number {
  if (address + size > MAX_U64 || (prot & ~(VM_PROT_ALL | VM_PROT_COPY)) >>> 0) return KERN_INVALID_ARGUMENT;
  if (size === 0n) return KERN_SUCCESS;
  const start = truncPage(address);
  const end = roundPage(address + size);
  const touched: bigint[] = [];
  for (let a = start; a < end; ) {
    const r = map.regionAt(a);
    if (!r) return KERN_INVALID_ADDRESS;
    touched.push(r.base);
    a = roundPage(r.base + BigInt(Math.max(r.size, 1)));
  }
  const table = protOf(map);
  const entries = touched.map((b) => table.get(b) ?? { cur: VM_PROT_DEFAULT, max: VM_PROT_ALL });
  const want = prot & VM_PROT_ALL;
  if (entries.some((e) => (want & ~e.max) !== 0)) return KERN_PROTECTION_FAILURE;
  touched.forEach((b, i) => {
    const e = entries[i]!;
    table.set(b, setMaximum ? { max: want, cur: e.cur & want } : { max: e.max, cur: want });
  });
  return KERN_SUCCESS;
}

/** mach_vm_map's flag filter and vm_map_enter_mem_object's argument checks, whatever the object. */
export function machVmMapChecks(flags: number, size: bigint, curProtection: number, maxProtection: number, inheritance: number): number {
  if ((flags & ~VM_FLAGS_USER_MAP) >>> 0) return KERN_INVALID_ARGUMENT;
  // VM_PROT_IS_MASK only matters for a named entry.
  const cur = curProtection & ~VM_PROT_IS_MASK;
  const max = maxProtection & ~VM_PROT_IS_MASK;
  if (cur & ~VM_PROT_ALL || max & ~VM_PROT_ALL || inheritance >>> 0 > VM_INHERIT_LAST_VALID || size === 0n) return KERN_INVALID_ARGUMENT;
  return KERN_SUCCESS;
}

/**
 * mach_vm_map with no memory object (IPC_PORT_NULL, as _kernelrpc_mach_vm_map_trap calls it):
 * mach_vm_map's flag filter, vm_map_enter_mem_object's argument checks, then vm_map_enter's, in
 * xnu-3248's order (superpages as x86_64 has them). The memory is anonymous and zero-filled; a
 * named entry or memory object is not modelled (the trap never passes one). `addr` is where the
 * mapping went (with VM_FLAGS_ANYWHERE, the lowest free `mask`-aligned address at or above the
 * hint).
 */
export function machVmMap(
  map: VmMap,
  addr: bigint,
  size: bigint,
  mask: bigint,
  flags: number,
  curProtection: number,
  maxProtection: number,
  inheritance: number,
): { kr: number; addr: bigint } {
  const checked = machVmMapChecks(flags, size, curProtection, maxProtection, inheritance);
  if (checked !== KERN_SUCCESS) return { kr: checked, addr };
  return machVmMapPlace(map, addr, size, mask, flags, curProtection & ~VM_PROT_IS_MASK, maxProtection & ~VM_PROT_IS_MASK, inheritance, null);
}

/**
 * vm_map_enter's part of mach_vm_map, after the argument checks: superpages, a purgeable size,
 * the address found (anywhere) or checked (fixed, overwrite first), then the memory entered with
 * `cur` / `max`: `bytes` (a memory object's pages, or a copy of them) or, for null, zero-filled
 * anonymous memory.
 */
export function machVmMapPlace(
  map: VmMap,
  addr: bigint,
  size: bigint,
  mask: bigint,
  flags: number,
  cur: number,
  max: number,
  inheritance: number,
  bytes: Uint8Array | null,
): { kr: number; addr: bigint } {
  const fail = (kr: number) => ({ kr, addr });
  let at = truncPage(addr);
  let mapSize = BigInt.asUintN(64, roundPage(size));
  let align = BigInt.asUintN(64, mask);
  // vm_map_enter.
  const superpage = (flags & VM_FLAGS_SUPERPAGE_MASK) >>> VM_FLAGS_SUPERPAGE_SHIFT;
  if (superpage) {
    if (superpage === SUPERPAGE_SIZE_ANY) mapSize = BigInt.asUintN(64, (mapSize + SUPERPAGE_SIZE - 1n) & ~(SUPERPAGE_SIZE - 1n));
    else if (superpage !== SUPERPAGE_SIZE_2MB) return fail(KERN_INVALID_ARGUMENT);
    align = SUPERPAGE_SIZE - 1n;
    if (mapSize & (SUPERPAGE_SIZE - 1n)) return fail(KERN_INVALID_ARGUMENT);
  }
  if (flags & VM_FLAGS_PURGABLE && mapSize > ANON_MAX_SIZE) return fail(KERN_INVALID_ARGUMENT);
  if (mapSize === 0n) return fail(KERN_INVALID_ARGUMENT);
  // machipc's bound on what a task's VM calls make the server hold, before anything changes.
  if (BigInt(map.mappedBytes()) + mapSize > BigInt(VM_USER_LIMIT)) return fail(KERN_NO_SPACE);
  if (flags & VM_FLAGS_ANYWHERE) {
    const found = map.firstFit(at, mapSize, align, MAX_ADDRESS);
    if (found === null) return fail(KERN_NO_SPACE);
    at = found;
  } else {
    if (at & align) return fail(KERN_NO_SPACE);
    const end = at + mapSize;
    if (at === 0n || end > MAX_ADDRESS) return fail(KERN_INVALID_ADDRESS);
    if (flags & VM_FLAGS_OVERWRITE) machVmDeallocate(map, at, mapSize);
    if (map.overlaps(at, end)) return fail(KERN_NO_SPACE);
  }
  if (bytes) map.placeAt(at, bytes);
  else {
    map.allocateAt(at, Number(mapSize));
    markPurgable(map, at, mapSize, flags);
  }
  protOf(map).set(at, { cur, max });
  if (inheritance !== VM_INHERIT_DEFAULT) map.setAttrs(at, at + mapSize, { inheritance });
  return { kr: KERN_SUCCESS, addr: at };
}
