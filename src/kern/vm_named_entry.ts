/**
 * Named entries (IKOT_NAMED_ENTRY): osfmk/vm/vm_user.c's mach_make_memory_entry_64 (xnu-3248)
 * under _mach_make_memory_entry, mach_make_memory_entry and mach_make_memory_entry_64, and
 * vm_map_enter_mem_object's named-entry case under mach_vm_map / vm_map / vm_map_64. An entry is
 * a port standing for memory: a range of an object (a task's mapped range, a new object with
 * MAP_MEM_NAMED_CREATE, or part of a parent entry's), or a copy map (MAP_MEM_VM_COPY: the range
 * copied at the call; MAP_MEM_VM_SHARE: the range's pages themselves). Mapping it shares the
 * object's pages (or a copy of them, with `copy`); the entry lives as long as a send right to its
 * port does (the port's no-senders notification destroys it, as ipc_kobject_notify does).
 *
 * An in-process task's object is one of its simulated map's regions (its bytes); an entry holds
 * them, so the memory outlives the mapping it was made from. A process outside the server can be
 * copied from (MAP_MEM_VM_COPY reads it); its pages cannot be named or mapped into from here.
 */
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_RIGHT,
  KERN_INVALID_TASK,
  KERN_INVALID_VALUE,
  KERN_NOT_SUPPORTED,
  KERN_PROTECTION_FAILURE,
  KERN_RESOURCE_SHORTAGE,
  KERN_SUCCESS,
} from "../abi/kern_return.js";
import { IKOT_NAMED_ENTRY, IKOT_NONE } from "../abi/ikot.js";
import { VM_FLAGS_ANYWHERE, VM_FLAGS_OVERWRITE, VM_FLAGS_PURGABLE, VM_FLAGS_SUPERPAGE_MASK, VM_PROT_ALL, VM_PROT_IS_MASK, VM_PROT_READ, VM_PROT_WRITE } from "../abi/vm.js";
import type { IpcPort, PortRef } from "../ipc/port.js";
import { ipValid } from "../ipc/port.js";
import { portCopySend, portDestroy, portMakeSend, portMakeSendOnce } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import { kobjectAlloc } from "./ipc_kobject.js";
import type { Task } from "./task.js";
import { errnoToKern, processMemoryOf, vmEntries, type VmEntry } from "./vm_remote.js";
import { VM_FLAGS_RETURN_DATA_ADDR } from "./vm_remap.js";
import { machVmDeallocate, machVmMapPlace, VM_USER_LIMIT } from "./vm_user.js";

// osfmk/mach/memory_object_types.h: the permission word's high bits.
export const MAP_MEM_NOOP = 0;
export const MAP_MEM_COPYBACK = 1;
export const MAP_MEM_IO = 2;
export const MAP_MEM_WTHRU = 3;
export const MAP_MEM_WCOMB = 4;
export const MAP_MEM_INNERWBACK = 5;
export const MAP_MEM_ONLY = 0x010000;
export const MAP_MEM_NAMED_CREATE = 0x020000;
export const MAP_MEM_PURGABLE = 0x040000;
export const MAP_MEM_NAMED_REUSE = 0x080000;
export const MAP_MEM_USE_DATA_ADDR = 0x100000;
export const MAP_MEM_VM_COPY = 0x200000;
export const MAP_MEM_VM_SHARE = 0x400000;
export const MAP_MEM_4K_DATA_ADDR = 0x800000;
const MAP_MEM_FLAGS = MAP_MEM_ONLY | MAP_MEM_NAMED_CREATE | MAP_MEM_PURGABLE | MAP_MEM_NAMED_REUSE | MAP_MEM_USE_DATA_ADDR | MAP_MEM_VM_COPY | MAP_MEM_4K_DATA_ADDR | MAP_MEM_VM_SHARE;
/** GET_MAP_MEM / SET_MAP_MEM: the caching mode in the protection word's top byte. */
export const getMapMem = (flags: number): number => (flags >>> 24) & 0xff;
const setMapMem = (caching: number, flags: number): number => (((caching << 24) & 0xff000000) | (flags & 0xffffff)) >>> 0;
const CACHING_MODES = new Set([MAP_MEM_IO, MAP_MEM_COPYBACK, MAP_MEM_INNERWBACK, MAP_MEM_WTHRU, MAP_MEM_WCOMB]);
const VM_FLAGS_RETURN_4K_DATA_ADDR = 0x800000;
const DATA_ADDR_FLAGS = VM_FLAGS_RETURN_DATA_ADDR | VM_FLAGS_RETURN_4K_DATA_ADDR;
/** vm_map.c's limit for an internal object. */
const ANON_MAX_SIZE = 0xfffff000n;

const PAGE = 4096n;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const truncPage = (a: bigint): bigint => a & ~(PAGE - 1n);
const roundPage = (a: bigint): bigint => U64(a + PAGE - 1n) & ~(PAGE - 1n);

/** One entry of a copy map: its pages (a copy, or a view of the source's own) and the span they cover. */
export interface CopyPiece {
  bytes: Uint8Array;
  size: bigint;
}

/** vm_named_entry: what the port stands for. */
export class NamedEntry {
  port: IpcPort | null = null;
  /** The object's memory from its offset 0 (an object-backed entry). */
  object: Uint8Array | null = null;
  /** The object's purgeable state (MAP_MEM_PURGABLE: non-volatile), null when it is not purgeable. */
  purgable: number | null = null;
  /** A copy map's entries (is_copy). */
  copy: CopyPiece[] | null = null;
  offset = 0n;
  size = 0n;
  dataOffset = 0n;
  protection = 0;
  internal = false;
  /** The task whose bound the entry's memory counts against, and how many bytes (entryBytes). */
  payer: Task | null = null;
  charged = 0;
  get isCopy(): boolean {
    return this.copy !== null;
  }
}

/** What the kernel lends the entries' ports (kernel.ts). */
export interface EntryPorts {
  kernelSpace: IpcSpace;
  addKernelPort(port: IpcPort): void;
  removeKernelPort(port: IpcPort): void;
}

/** The entry behind a port, or null (ip_kotype(port) != IKOT_NAMED_ENTRY). */
export function convertPortToNamedEntry(port: PortRef): NamedEntry | null {
  return ipValid(port) && port.kotype === IKOT_NAMED_ENTRY ? (port.kobject as NamedEntry) : null;
}

/**
 * What the entries a task made hold for it, bounded as its other VM calls are (VM_USER_LIMIT): an
 * entry keeps its memory alive as long as any send right to it does, wherever that right went,
 * so without a bound a client could make the server hold any amount by making entries and
 * keeping (or passing on) their rights.
 */
const entryBytesByTask = new WeakMap<Task, number>();

/** The bytes an entry holds: its object, or its copy map's pieces. */
function entryBytes(entry: NamedEntry): number {
  if (entry.object) return entry.object.byteLength;
  return (entry.copy ?? []).reduce((n, p) => n + p.bytes.byteLength, 0);
}

/** Whether `payer` may have `bytes` more held by its entries. */
function entryRoom(payer: Task | null, bytes: number): boolean {
  return payer === null || (entryBytesByTask.get(payer) ?? 0) + bytes <= VM_USER_LIMIT;
}

/** The entry made: charged to its payer (KERN_RESOURCE_SHORTAGE past the bound), its port and send right the answer. */
function madeEntry(k: EntryPorts, payer: Task | null, entry: NamedEntry, size: bigint): MakeEntryResult {
  const bytes = entryBytes(entry);
  if (!entryRoom(payer, bytes)) return { kr: KERN_RESOURCE_SHORTAGE };
  if (payer) {
    entryBytesByTask.set(payer, (entryBytesByTask.get(payer) ?? 0) + bytes);
    entry.payer = payer;
    entry.charged = bytes;
  }
  return { kr: KERN_SUCCESS, size, handle: entryPort(k, entry) };
}

/** mach_memory_entry_allocate: the entry's port and its one send right, a no-senders request armed on the port itself. */
function entryPort(k: EntryPorts, entry: NamedEntry): IpcPort {
  const port = kobjectAlloc(k.kernelSpace, IKOT_NAMED_ENTRY, entry);
  k.addKernelPort(port);
  entry.port = port;
  const send = portMakeSend(port);
  port.x().nsrequest = portMakeSendOnce(port);
  return send;
}

/** ipc_kobject_notify for IKOT_NAMED_ENTRY: the last send right gone, the port is destroyed and the entry with it (mach_destroy_memory_entry). */
export function namedEntryNoSenders(k: EntryPorts, port: IpcPort): void {
  const entry = convertPortToNamedEntry(port);
  if (!entry) return;
  if (port.srights > 0) {
    port.x().nsrequest = portMakeSendOnce(port);
    return;
  }
  if (entry.payer) entryBytesByTask.set(entry.payer, (entryBytesByTask.get(entry.payer) ?? 0) - entry.charged);
  entry.payer = null;
  entry.object = null;
  entry.copy = null;
  entry.port = null;
  port.kotype = IKOT_NONE;
  port.kobject = null;
  k.removeKernelPort(port);
  portDestroy(port);
}

export interface MakeEntryResult {
  kr: number;
  size?: bigint;
  /** The send right to answer (null with MAP_MEM_ONLY). */
  handle?: PortRef;
}

const lookup = (entries: VmEntry[], address: bigint): VmEntry | null => entries.find((e) => e.start <= address && address < e.end) ?? null;

/** The simulated region holding `address`: its base and bytes. */
function regionOf(task: Task, address: bigint): [bigint, Uint8Array] | null {
  for (const [base, bytes] of task.vm.regionsIn(address, address + 1n)) if (base <= address && address < base + roundPage(BigInt(Math.max(bytes.byteLength, 1)))) return [base, bytes];
  return null;
}

/** The entries covering [start, start + size) with no hole, else null (vm_map_copyin's and vm_map_remap_extract's walk). */
function walk(entries: VmEntry[], start: bigint, size: bigint): VmEntry[] | null {
  const out: VmEntry[] = [];
  const end = start + size;
  for (let at = start; at < end; ) {
    const e = lookup(entries, at);
    if (!e) return null;
    out.push(e);
    at = e.end;
  }
  return out;
}

/** The bytes of [from, to) of the simulated region that holds them (a view: the same memory). */
function viewOf(task: Task, from: bigint, to: bigint): { bytes: Uint8Array; region: Uint8Array } {
  const [base, region] = regionOf(task, from)!;
  return { bytes: region.subarray(Number(from - base), Math.min(region.byteLength, Number(to - base))), region };
}

/**
 * mach_make_memory_entry_64: `size` and `offset` name the range (in the target's map, in the
 * parent entry, or of a new object), `permission` the protection and the MAP_MEM_* flags.
 */
export function makeMemoryEntry(k: EntryPorts, target: Task | null, size: bigint, offset: bigint, permission: number, parentPort: PortRef, payer: Task | null = null): MakeEntryResult {
  permission = permission >>> 0;
  if (permission & 0x00ff0000 & ~MAP_MEM_FLAGS) return { kr: KERN_INVALID_VALUE };
  const parent = convertPortToNamedEntry(parentPort);
  if (parent?.isCopy) return { kr: KERN_INVALID_ARGUMENT };
  const original = permission & VM_PROT_ALL;
  let protections = original;
  const maskProtections = (permission & VM_PROT_IS_MASK) !== 0;
  const access = getMapMem(permission);
  const useDataAddr = (permission & MAP_MEM_USE_DATA_ADDR) !== 0;
  const use4K = (permission & MAP_MEM_4K_DATA_ADDR) !== 0;
  let mapStart = truncPage(offset);
  // The range's rounded size and where the data starts in its first page (a 4K page: the 4K form keeps nothing of it).
  const rounded = (): bigint => U64(roundPage(offset + size) - mapStart);
  const inPage = (): bigint => (useDataAddr && !use4K ? offset - mapStart : 0n);

  if (permission & MAP_MEM_ONLY) {
    // Only the caching mode of the parent's object changes.
    if (useDataAddr || use4K || !parent) return { kr: KERN_INVALID_ARGUMENT };
    if (access !== getMapMem(parent.protection) && !(parent.protection & VM_PROT_WRITE)) return { kr: KERN_INVALID_RIGHT };
    if (CACHING_MODES.has(access)) parent.protection = setMapMem(access, parent.protection);
    return { kr: KERN_SUCCESS, size, handle: null };
  }

  if (permission & MAP_MEM_NAMED_CREATE) {
    const mapSize = rounded();
    if (useDataAddr || use4K) return { kr: KERN_INVALID_ARGUMENT };
    // XNU's bound for an internal object, then machipc's on what one task's VM calls make the server hold.
    if (mapSize > ANON_MAX_SIZE || mapSize > BigInt(VM_USER_LIMIT)) return { kr: KERN_FAILURE };
    if (!entryRoom(payer, Number(mapSize))) return { kr: KERN_RESOURCE_SHORTAGE };
    if (permission & MAP_MEM_PURGABLE && !(permission & VM_PROT_WRITE)) return { kr: KERN_INVALID_ARGUMENT };
    const entry = new NamedEntry();
    entry.object = new Uint8Array(Number(mapSize));
    entry.purgable = permission & MAP_MEM_PURGABLE ? 0 : null;
    entry.internal = true;
    entry.protection = setMapMem(access, protections);
    entry.size = mapSize;
    return madeEntry(k, payer, entry, mapSize);
  }

  if (permission & (MAP_MEM_VM_COPY | MAP_MEM_VM_SHARE)) {
    if (!target) return { kr: KERN_INVALID_TASK };
    const mapSize = rounded();
    const dataOffset = inPage();
    const share = (permission & MAP_MEM_VM_COPY) === 0;
    const pieces: CopyPiece[] = [];
    let cur = VM_PROT_ALL;
    if (mapSize !== 0n) {
      if (mapStart + mapSize > 0xffffffffffffffffn) return { kr: KERN_INVALID_ADDRESS };
      if (!processMemoryOf(target)) target.vm.regionsIn(mapStart, mapStart + mapSize);
      const entries = vmEntries(target);
      if (!entries) return { kr: KERN_INVALID_ARGUMENT };
      const found = walk(entries, mapStart, mapSize);
      if (!found) return { kr: KERN_INVALID_ADDRESS };
      // vm_map_copyin (an entry list) needs read access to every entry; vm_map_copy_extract takes the pages as they are.
      if (!share && found.some((e) => !(e.protection & VM_PROT_READ))) return { kr: KERN_PROTECTION_FAILURE };
      for (const e of found) cur &= e.protection;
      const end = mapStart + mapSize;
      const pm = processMemoryOf(target);
      if (pm && share) return { kr: KERN_NOT_SUPPORTED };
      if (pm && mapSize > BigInt(pm.maxTransfer)) return { kr: KERN_RESOURCE_SHORTAGE };
      for (const e of found) {
        const from = e.start > mapStart ? e.start : mapStart;
        const to = e.end < end ? e.end : end;
        if (pm) {
          const data = new Uint8Array(Number(to - from));
          const n = pm.read(from, data);
          if (n < 0) return { kr: errnoToKern(-n) };
          if (n !== data.byteLength) return { kr: KERN_INVALID_ADDRESS };
          pieces.push({ bytes: data, size: to - from });
          continue;
        }
        const v = viewOf(target, from, to);
        if (share) {
          target.vm.markShared(v.region);
          pieces.push({ bytes: v.bytes, size: to - from });
        } else {
          const data = new Uint8Array(Number(to - from));
          data.set(v.bytes);
          pieces.push({ bytes: data, size: to - from });
        }
      }
    }
    if (share) {
      // As much of the asked protection as the pages allow (IS_MASK), else all of it.
      if (maskProtections) {
        protections &= cur;
        if (protections === 0) return { kr: KERN_PROTECTION_FAILURE };
      } else if ((cur & protections) !== protections) return { kr: KERN_PROTECTION_FAILURE };
    }
    const entry = new NamedEntry();
    entry.copy = pieces;
    entry.protection = protections;
    entry.size = mapSize;
    entry.dataOffset = dataOffset;
    return madeEntry(k, payer, entry, mapSize - dataOffset);
  }

  if (!parent || permission & MAP_MEM_NAMED_REUSE) {
    // A range of the target's map: the object of the entry at its start.
    let mapSize = rounded();
    const dataOffset = inPage();
    if (!target) return { kr: KERN_INVALID_TASK };
    if (!processMemoryOf(target)) target.vm.regionsIn(mapStart, mapStart + 1n);
    const entries = vmEntries(target);
    if (!entries) return { kr: KERN_INVALID_ARGUMENT };
    const e = lookup(entries, mapStart);
    // vm_map_lookup_locked: the entry must allow what is asked (IS_MASK: something of it).
    if (!e) return { kr: KERN_INVALID_ADDRESS };
    let want = protections;
    if (maskProtections) {
      want &= e.protection;
      if (want === 0) return { kr: KERN_PROTECTION_FAILURE };
    }
    if ((want & e.protection) !== want) return { kr: KERN_PROTECTION_FAILURE };
    if (processMemoryOf(target)) return { kr: KERN_NOT_SUPPORTED };
    if (maskProtections) protections &= e.protection;
    if (maskProtections) protections &= e.maxProtection;
    if ((e.maxProtection & protections) !== protections) return { kr: KERN_INVALID_RIGHT };
    const [base, region] = regionOf(target, mapStart)!;
    // The entry reaches as far as the object is mapped contiguously from here (the region's end).
    const mappable = base + roundPage(BigInt(Math.max(region.byteLength, 1))) - mapStart;
    if (mapSize > mappable) mapSize = mappable;
    target.vm.markTrueShared(region);
    const objOffset = mapStart - base;
    if (
      permission & MAP_MEM_NAMED_REUSE &&
      parent &&
      parent.object === region &&
      parent.offset === objOffset &&
      parent.protection === protections &&
      parent.size === mapSize &&
      parent.dataOffset === dataOffset
    ) {
      // The same entry: the parent again, with a send right of its own.
      return { kr: KERN_SUCCESS, size: parent.size - parent.dataOffset, handle: portCopySend(parentPort as IpcPort) };
    }
    const entry = new NamedEntry();
    entry.object = region;
    entry.purgable = target.vm.attrsAt(mapStart).purgable;
    entry.internal = true;
    entry.offset = objOffset;
    entry.dataOffset = dataOffset;
    entry.protection = setMapMem(access, protections);
    entry.size = mapSize;
    return madeEntry(k, payer, entry, mapSize - dataOffset);
  }

  // A range of the parent entry's object.
  let mapSize: bigint;
  let dataOffset = 0n;
  if (useDataAddr || use4K) {
    if (offset + size + parent.dataOffset > parent.size) return { kr: KERN_INVALID_ARGUMENT };
    mapStart = truncPage(offset + parent.dataOffset);
    dataOffset = use4K ? 0n : offset + parent.dataOffset - mapStart;
    mapSize = U64(roundPage(offset + parent.dataOffset + size) - mapStart);
  } else {
    mapSize = rounded();
    if (offset + mapSize > parent.size) return { kr: KERN_INVALID_ARGUMENT };
  }
  if (maskProtections) protections &= parent.protection;
  if ((protections & parent.protection) !== protections) return { kr: KERN_PROTECTION_FAILURE };
  const entry = new NamedEntry();
  entry.size = mapSize;
  entry.offset = parent.offset + mapStart;
  entry.dataOffset = dataOffset;
  entry.internal = parent.internal;
  entry.object = parent.object;
  entry.purgable = parent.purgable;
  entry.protection = access !== MAP_MEM_NOOP ? setMapMem(access, protections) : protections;
  return madeEntry(k, payer, entry, mapSize - dataOffset);
}

/**
 * vm_map_enter_mem_object with a named entry, after mach_vm_map's flag filter and its argument
 * checks (machVmMapChecks): the entry's size and protection against the call's, then the object's
 * pages (or a copy of them) entered where vm_map_enter puts them, or a copy map's entries over a
 * range reserved for the whole of it and trimmed to what was asked. `address` is where the
 * mapping went.
 */
export function mapNamedEntry(
  task: Task,
  entry: NamedEntry,
  address: bigint,
  initialSize: bigint,
  mask: bigint,
  flags: number,
  offset: bigint,
  copy: boolean,
  curProtection: number,
  maxProtection: number,
  inheritance: number,
): { kr: number; address?: bigint } {
  const maskCur = (curProtection & VM_PROT_IS_MASK) !== 0;
  const maskMax = (maxProtection & VM_PROT_IS_MASK) !== 0;
  let cur = curProtection & ~VM_PROT_IS_MASK;
  let max = maxProtection & ~VM_PROT_IS_MASK;
  let mapSize = roundPage(initialSize);
  let size = roundPage(initialSize);
  offset = U64(offset);
  if (flags & DATA_ADDR_FLAGS) offset = U64(offset + entry.dataOffset);
  if (size === 0n) {
    if (offset >= entry.size) return { kr: KERN_INVALID_RIGHT };
    size = entry.size - offset;
  }
  if (maskMax) max &= entry.protection;
  if (maskCur) cur &= entry.protection;
  if ((entry.protection & max) !== max || (entry.protection & cur) !== cur) return { kr: KERN_INVALID_RIGHT };
  if (offset + size > 0xffffffffffffffffn) return { kr: KERN_INVALID_ARGUMENT };
  if (entry.size < offset + initialSize) return { kr: KERN_INVALID_ARGUMENT };
  if (entry.isCopy) {
    // A copy map is mapped whole at a fixed address.
    if (!(flags & VM_FLAGS_ANYWHERE) && (offset !== 0n || size !== entry.size)) return { kr: KERN_INVALID_ARGUMENT };
  }
  offset += entry.offset;
  // A process's map cannot be changed from here.
  if (processMemoryOf(task)) return { kr: KERN_NOT_SUPPORTED };

  if (entry.isCopy) {
    if (flags & ~(VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE | DATA_ADDR_FLAGS)) return { kr: KERN_INVALID_ARGUMENT };
    let inMapping = 0n;
    if (flags & DATA_ADDR_FLAGS) {
      inMapping = flags & VM_FLAGS_RETURN_4K_DATA_ADDR ? 0n : offset - truncPage(offset);
      offset = truncPage(offset);
      mapSize = roundPage(offset + inMapping + initialSize) - offset;
    }
    // The whole entry's range reserved (vm_map_enter of no object), then its pieces over it, then trimmed.
    const pieces = entry.copy!;
    const r = machVmMapPlace(task.vm, address, entry.size, mask, flags & (VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE), cur, max, inheritance, null);
    if (r.kr !== KERN_SUCCESS) return { kr: r.kr };
    const at = r.addr;
    machVmDeallocate(task.vm, at, entry.size);
    const keepFrom = at + offset;
    const keepTo = at + offset + mapSize < at + entry.size ? at + offset + mapSize : at + entry.size;
    let pieceAt = at;
    for (const p of pieces) {
      const from = pieceAt > keepFrom ? pieceAt : keepFrom;
      const to = pieceAt + p.size < keepTo ? pieceAt + p.size : keepTo;
      if (from < to) {
        const view = p.bytes.subarray(Number(from - pieceAt), Math.min(p.bytes.byteLength, Number(to - pieceAt)));
        const bytes = copy ? new Uint8Array(Number(to - from)) : view;
        if (copy) bytes.set(view);
        machVmMapPlace(task.vm, from, to - from, 0n, VM_FLAGS_OVERWRITE, cur, max, inheritance, bytes);
        if (!copy) task.vm.markShared(bytes);
      }
      pieceAt += p.size;
    }
    return { kr: KERN_SUCCESS, address: at + inMapping + offset };
  }

  let inMapping = 0n;
  if (flags & DATA_ADDR_FLAGS) {
    inMapping = flags & VM_FLAGS_RETURN_4K_DATA_ADDR ? 0n : offset - truncPage(offset);
    offset = truncPage(offset);
    mapSize = roundPage(offset + inMapping + initialSize) - offset;
  }
  // vm_map_enter: an object's offset page-aligned; a purgeable mapping only of a whole purgeable object.
  if (offset & (PAGE - 1n)) return { kr: KERN_INVALID_ARGUMENT };
  if (flags & VM_FLAGS_PURGABLE && (offset !== 0n || entry.purgable === null || BigInt(entry.object!.byteLength) !== mapSize)) return { kr: KERN_INVALID_ARGUMENT };
  let bytes: Uint8Array | null = null;
  // Superpages are fresh pages whatever the object (vm_map_enter allocates their own).
  if (!(flags & VM_FLAGS_SUPERPAGE_MASK)) {
    const obj = entry.object!;
    const view = obj.subarray(Math.min(obj.byteLength, Number(offset)), Math.min(obj.byteLength, Number(offset + mapSize)));
    bytes = copy ? new Uint8Array(Number(mapSize)) : view;
    if (copy) bytes.set(view);
  }
  const r = machVmMapPlace(task.vm, address, mapSize, mask, flags, cur, max, inheritance, bytes);
  if (r.kr !== KERN_SUCCESS) return { kr: r.kr };
  if (bytes && !copy) {
    task.vm.markTrueShared(bytes);
    if (entry.purgable !== null) task.vm.setAttrs(r.addr, r.addr + mapSize, { purgable: entry.purgable });
  }
  return { kr: KERN_SUCCESS, address: r.addr + inMapping };
}
