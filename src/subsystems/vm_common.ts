/**
 * The handlers mach_vm (4800) and vm_map (3800) share: osfmk/vm/vm_user.c's routines over
 * src/kern/vm_remote.ts (reads, writes and region walks of either kind of task memory) and
 * src/kern/vm_user.ts (allocate, deallocate, protect, map of an in-process task's simulated
 * memory) and src/kern/vm_remap.ts (remap). The two subsystems differ in their address types and in what the 32-bit forms check.
 */
import {
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_OBJECT,
  KERN_INVALID_TASK,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
} from "../abi/kern_return.js";
import * as R from "../abi/vm_region.js";
import { encodeInfo } from "../abi/info.js";
import { VM_FLAGS_USER_ALLOCATE, VM_PROT_ALL, VM_PROT_COPY } from "../abi/vm.js";
import { ipValid } from "../ipc/port.js";
import type { KernelCall } from "../kern/kernel.js";
import type { Task } from "../kern/task.js";
import { processMemoryOf, vmMapCopyin, vmMapCopyOverwrite, vmMapRegion, type VmEntry } from "../kern/vm_remote.js";
import { vmMapRemap, VM_FLAGS_USER_REMAP } from "../kern/vm_remap.js";
import { convertPortToNamedEntry, makeMemoryEntry, mapNamedEntry } from "../kern/vm_named_entry.js";
import { machVmAllocate, machVmDeallocate, machVmMap, machVmMapChecks, machVmProtect } from "../kern/vm_user.js";
import type { Args, RoutineResult } from "../mig/routine.js";
import { big, num, portArg, routine, taskOf } from "./common.js";
import type { Routine } from "../mig/routine.js";
import { VM_MAP_ENTRY_MAX, VM_PAGE_INFO_BASIC, VM_PAGE_INFO_BASIC_COUNT, VM_PAGE_INFO_BASIC_LAYOUT } from "../abi/vm_advice.js";
import { roundPage, truncPage, vmMapBehaviorSet, vmMapInherit, vmMapMachineAttribute, vmMapMsync, vmMapPageInfo, vmMapPurgableControl } from "../kern/vm_advice.js";
import { array, bytes, inoutP, inP, int32, named, outP, uint32, type MigType, type Param } from "../mig/types.js";
import { boolean_t, c_int, mem_entry_name_port_t, vm_inherit_t, vm_map_t, vm_prot_t } from "../mig/defs_types.js";

/** i386/vm_param.h's VM_MAX_ADDRESS, a 32-bit value even on x86_64: the vm_region* forms of vm_map.defs check the region's end against it. */
export const VM_MAX_ADDRESS = 0xffe00000n;
const U32_MAX = 0xffffffffn;
const U64_MAX = 0xffffffffffffffffn;

/** convert_port_to_map (and convert_port_entry_to_map, which would also take a named entry's sub-map: machipc's entries have none): an active task's map, else VM_MAP_NULL. */
const mapOf = (call: KernelCall): Task | null => taskOf(call.port);

/**
 * A process outside the server: its address space can be read and written (process_vm_readv,
 * writev) but not changed from outside, so the calls that would change it answer this.
 */
const outsideProcess = (task: Task): boolean => processMemoryOf(task) !== null;

/** mach_vm_read / vm_read: the size must fit the reply's 32-bit count; the data comes back out of line. */
export function vmRead(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const size = big(a, "size");
  if (size > U32_MAX) return KERN_INVALID_ARGUMENT;
  const r = vmMapCopyin(task, big(a, "address"), size);
  return r.kr !== KERN_SUCCESS ? r.kr : { data: r.data };
}

/** mach_vm_read_overwrite / vm_read_overwrite: copied in from the target, then over the caller's own memory at `data`. */
export function vmReadOverwrite(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const size = big(a, "size");
  const r = vmMapCopyin(task, big(a, "address"), size);
  if (r.kr !== KERN_SUCCESS) return r.kr;
  if (!call.caller) return KERN_INVALID_ARGUMENT;
  const kr = vmMapCopyOverwrite(call.caller, big(a, "data"), r.data!);
  return kr !== KERN_SUCCESS ? kr : { outsize: size };
}

/** mach_vm_write / vm_write: the message's out-of-line data over the target's memory. */
export function vmWrite(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  return vmMapCopyOverwrite(task, big(a, "address"), (a["data"] as Uint8Array | undefined) ?? new Uint8Array(0));
}

/** mach_vm_copy / vm_copy: within one map. */
export function vmCopy(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const r = vmMapCopyin(task, big(a, "source_address"), big(a, "size"));
  return r.kr !== KERN_SUCCESS ? r.kr : vmMapCopyOverwrite(task, big(a, "dest_address"), r.data!);
}

/*
 * For a process outside the server, allocate, deallocate and protect make the checks vm_user.c
 * makes before it touches the map (a size of 0 is success, changing nothing), then refuse.
 */

export function vmAllocate(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const address = big(a, "address");
  const size = big(a, "size");
  const flags = num(a, "flags");
  if (outsideProcess(task)) {
    if ((flags & ~VM_FLAGS_USER_ALLOCATE) >>> 0) return KERN_INVALID_ARGUMENT;
    return size === 0n ? { address } : KERN_NOT_SUPPORTED;
  }
  const r = machVmAllocate(task.vm, address, size, flags);
  return r.kr !== KERN_SUCCESS ? r.kr : { address: r.addr };
}

export function vmDeallocate(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const address = big(a, "address");
  const size = big(a, "size");
  if (outsideProcess(task)) {
    if (address + size > U64_MAX) return KERN_INVALID_ARGUMENT;
    return size === 0n ? KERN_SUCCESS : KERN_NOT_SUPPORTED;
  }
  return machVmDeallocate(task.vm, address, size);
}

export function vmProtect(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const address = big(a, "address");
  const size = big(a, "size");
  const prot = num(a, "new_protection");
  if (outsideProcess(task)) {
    if (address + size > U64_MAX || (prot & ~(VM_PROT_ALL | VM_PROT_COPY)) >>> 0) return KERN_INVALID_ARGUMENT;
    return size === 0n ? KERN_SUCCESS : KERN_NOT_SUPPORTED;
  }
  return machVmProtect(task.vm, address, size, num(a, "set_maximum") !== 0, prot);
}

/**
 * mach_vm_map / vm_map / vm_map_64: anonymous memory, or a named entry's (src/kern/vm_named_entry.ts);
 * a pager's memory object is not modelled: no other port is one.
 */
export function vmMap(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const flags = num(a, "flags");
  const cur = num(a, "cur_protection");
  const max = num(a, "max_protection");
  const inheritance = num(a, "inheritance");
  const size = big(a, "size");
  const object = portArg(a, "object").port;
  if (ipValid(object)) {
    // vm_map_enter_mem_object: its argument checks, then the named entry (any other port is neither it nor a memory object).
    const kr = machVmMapChecks(flags, size, cur, max, inheritance);
    if (kr !== KERN_SUCCESS) return kr;
    const entry = convertPortToNamedEntry(object);
    if (!entry) return KERN_INVALID_OBJECT;
    const r = mapNamedEntry(task, entry, big(a, "address"), size, big(a, "mask"), flags, big(a, "offset"), num(a, "copy") !== 0, cur, max, inheritance);
    return r.kr !== KERN_SUCCESS ? r.kr : { address: r.address! };
  }
  if (outsideProcess(task)) {
    const kr = machVmMapChecks(flags, size, cur, max, inheritance);
    return kr !== KERN_SUCCESS ? kr : KERN_NOT_SUPPORTED;
  }
  const r = machVmMap(task.vm, big(a, "address"), size, big(a, "mask"), flags, cur, max, inheritance);
  return r.kr !== KERN_SUCCESS ? r.kr : { address: r.addr };
}

/** mach_vm_remap's and vm_remap's parameters, in the subsystem's own address and size types. */
export const remapParams = (address: MigType, size: MigType, mask: MigType): Param[] => [
  inoutP("target_address", address),
  inP("size", size),
  inP("mask", mask),
  inP("flags", c_int),
  inP("src_task", vm_map_t, { intran: true }),
  inP("src_address", address),
  inP("copy", boolean_t),
  outP("cur_protection", vm_prot_t),
  outP("max_protection", vm_prot_t),
  inP("inheritance", vm_inherit_t),
];

/**
 * mach_vm_remap / vm_remap: both maps, then the flags a user may pass (vm_user.c), then
 * vm_map_remap (src/kern/vm_remap.ts). The source is `src_task`, a second task port.
 */
export function vmRemap(call: KernelCall, a: Args): RoutineResult {
  const target = mapOf(call);
  const src = taskOf(portArg(a, "src_task").port);
  if (!target || !src) return KERN_INVALID_ARGUMENT;
  const flags = num(a, "flags");
  if ((flags & ~VM_FLAGS_USER_REMAP) >>> 0) return KERN_INVALID_ARGUMENT;
  const r = vmMapRemap(target, big(a, "target_address"), big(a, "size"), big(a, "mask"), flags, src, big(a, "src_address"), num(a, "copy") !== 0, num(a, "inheritance"));
  return r.kr !== KERN_SUCCESS ? r.kr : { target_address: r.address!, cur_protection: r.cur!, max_protection: r.max! };
}

/**
 * One of the make-memory-entry routines (mach_vm's _mach_make_memory_entry, vm_map's
 * mach_make_memory_entry and mach_make_memory_entry_64), in its own types: the size, the offset,
 * the handle answered, and the parent's parameter name.
 */
export const makeEntryRoutine = (id: number, name: string, size: MigType, offset: MigType, handle: MigType, parent: string, target: Param): Routine<KernelCall> =>
  routine(
    id,
    name,
    [inoutP("size", size), inP("offset", offset), inP("permission", vm_prot_t), outP("object_handle", handle), inP(parent, mem_entry_name_port_t, { intran: true })],
    (call, a) => vmMakeMemoryEntry(call, a, parent),
    target,
  );

/**
 * _mach_make_memory_entry / mach_make_memory_entry / mach_make_memory_entry_64: a named entry's
 * send right for the range (src/kern/vm_named_entry.ts); the parent is `parent`'s port. No map
 * is not refused here: a new object (MAP_MEM_NAMED_CREATE) needs none.
 */
export function vmMakeMemoryEntry(call: KernelCall, a: Args, parent: string): RoutineResult {
  const r = makeMemoryEntry(call.kernel, mapOf(call), big(a, "size"), big(a, "offset"), num(a, "permission"), portArg(a, parent).port, call.caller);
  return r.kr !== KERN_SUCCESS ? r.kr : { size: r.size!, object_handle: r.handle ?? null };
}

/** How each routine of the vm_region family differs from mach_vm_region. */
export interface RegionForm {
  /** mach_vm_region and vm_region_64 read VM_REGION_BASIC_INFO as VM_REGION_BASIC_INFO_64 ("legacy conversion"). */
  basicAs64: boolean;
  /** vm_region, vm_region_64 and the recurse forms of vm_map.defs: a region ending above VM_MAX_ADDRESS is KERN_INVALID_ADDRESS. */
  maxAddressCheck: boolean;
}

const basic = (e: VmEntry) => ({
  protection: e.protection,
  maxProtection: e.maxProtection,
  inheritance: e.inheritance,
  shared: e.shared ? 1 : 0,
  reserved: 0,
  behavior: e.behavior ?? R.VM_BEHAVIOR_DEFAULT,
  userWiredCount: 0,
});

/** vm_map_region_walk's view of an entry: what Linux tells of it (resident pages from the mapping). */
const extended = (e: VmEntry) => ({
  protection: e.protection,
  userTag: e.userTag,
  pagesResident: e.pagesResident,
  refCount: e.refCount,
  externalPager: e.externalPager ? 1 : 0,
  shareMode: e.shareMode,
});

/** vm_map_region's info for `flavor`, in the caller's room of `count` words; null is KERN_INVALID_ARGUMENT. */
function regionInfo(e: VmEntry, flavor: number, count: number): number[] | null {
  switch (flavor) {
    case R.VM_REGION_BASIC_INFO:
      if (count < R.VM_REGION_BASIC_INFO_COUNT) return null;
      return encodeInfo(R.VM_REGION_BASIC_INFO_LAYOUT, { ...basic(e), offset: Number(e.offset & U32_MAX) });
    case R.VM_REGION_BASIC_INFO_64:
      if (count < R.VM_REGION_BASIC_INFO_COUNT_64) return null;
      return encodeInfo(R.VM_REGION_BASIC_INFO_64_LAYOUT, { ...basic(e), offset: e.offset });
    case R.VM_REGION_EXTENDED_INFO:
    case R.VM_REGION_EXTENDED_INFO__legacy: {
      // The newer flavor's count is checked first, then (falling through) the legacy one's.
      if (flavor === R.VM_REGION_EXTENDED_INFO && count < R.VM_REGION_EXTENDED_INFO_COUNT) return null;
      if (count < R.VM_REGION_EXTENDED_INFO_COUNT__legacy) return null;
      const words = encodeInfo(R.VM_REGION_EXTENDED_INFO_LAYOUT, { ...extended(e), pagesReusable: 0 });
      return flavor === R.VM_REGION_EXTENDED_INFO ? words : words.slice(0, R.VM_REGION_EXTENDED_INFO_COUNT__legacy);
    }
    case R.VM_REGION_TOP_INFO: {
      if (count < R.VM_REGION_TOP_INFO_COUNT) return null;
      const priv = e.shareMode === R.SM_PRIVATE || e.shareMode === R.SM_COW;
      return encodeInfo(R.VM_REGION_TOP_INFO_LAYOUT, {
        objId: e.objectId,
        refCount: e.refCount,
        privatePagesResident: priv ? e.pagesResident : 0,
        sharedPagesResident: priv ? 0 : e.pagesResident,
        shareMode: e.shareMode,
      });
    }
    default:
      return null;
  }
}

/** mach_vm_region, vm_region_64, vm_region. */
export function vmRegion(call: KernelCall, a: Args, form: RegionForm): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  let flavor = num(a, "flavor");
  if (form.basicAs64 && flavor === R.VM_REGION_BASIC_INFO) flavor = R.VM_REGION_BASIC_INFO_64;
  const count = num(a, "infoCnt");
  // vm_map_region checks the flavor and the room before it looks the address up.
  if (!regionInfo(ZERO_ENTRY, flavor, count)) return KERN_INVALID_ARGUMENT;
  const r = vmMapRegion(task, big(a, "address"));
  if (r.kr !== KERN_SUCCESS) return r.kr;
  const e = r.entry!;
  if (form.maxAddressCheck && e.end > VM_MAX_ADDRESS) return KERN_INVALID_ADDRESS;
  return { address: e.start, size: e.end - e.start, info: regionInfo(e, flavor, count), object_name: null };
}

const ZERO_ENTRY: VmEntry = {
  start: 0n,
  end: 0n,
  protection: 0,
  maxProtection: 0,
  inheritance: 0,
  shared: false,
  shareMode: 0,
  offset: 0n,
  userTag: 0,
  objectId: 0,
  refCount: 0,
  externalPager: false,
  pagesResident: 0,
};

/** The submap info of an entry (no sub-maps: depth 0), as vm_map_region_recurse_64 fills it for `count` words. */
function submapInfo(e: VmEntry, count: number): number[] {
  const common = {
    protection: e.protection,
    maxProtection: e.maxProtection,
    inheritance: e.inheritance,
    offset: e.offset,
    userTag: e.userTag,
    refCount: e.refCount,
    shadowDepth: 0,
    externalPager: e.externalPager ? 1 : 0,
    shareMode: e.shareMode,
    isSubmap: 0,
    behavior: e.behavior ?? R.VM_BEHAVIOR_DEFAULT,
    objectId: e.objectId,
    userWiredCount: 0,
  };
  if (count < R.VM_REGION_SUBMAP_INFO_V0_COUNT_64) return encodeInfo(R.VM_REGION_SUBMAP_SHORT_INFO_64_LAYOUT, common);
  const words = encodeInfo(R.VM_REGION_SUBMAP_INFO_64_LAYOUT, { ...common, pagesResident: e.pagesResident, pagesReusable: 0 });
  return count >= R.VM_REGION_SUBMAP_INFO_V1_COUNT_64 ? words : words.slice(0, R.VM_REGION_SUBMAP_INFO_V0_COUNT_64);
}

/** mach_vm_region_recurse, vm_region_recurse_64 (`maxAddressCheck`), and vm_region_recurse (`thirtyTwo`: the 32-bit submap info). */
export function vmRegionRecurse(call: KernelCall, a: Args, form: { maxAddressCheck: boolean; thirtyTwo: boolean }): RoutineResult {
  const task = mapOf(call);
  const count = num(a, "infoCnt");
  if (form.thirtyTwo) {
    if (!task || count < R.VM_REGION_SUBMAP_INFO_COUNT) return KERN_INVALID_ARGUMENT;
  } else {
    if (!task) return KERN_INVALID_ARGUMENT;
    if (count < R.VM_REGION_SUBMAP_SHORT_INFO_COUNT_64) return KERN_INVALID_ARGUMENT;
  }
  const r = vmMapRegion(task, big(a, "address"));
  if (r.kr !== KERN_SUCCESS) return r.kr;
  const e = r.entry!;
  if (form.maxAddressCheck && e.end > VM_MAX_ADDRESS) return KERN_INVALID_ADDRESS;
  let info: number[];
  if (form.thirtyTwo) {
    const w = submapInfo(e, R.VM_REGION_SUBMAP_INFO_V1_COUNT_64);
    const v = R.VM_REGION_SUBMAP_INFO_64_LAYOUT.read(wordsView(w), 0);
    info = encodeInfo(R.VM_REGION_SUBMAP_INFO_LAYOUT, { ...v, offset: Number(v.offset & U32_MAX) });
  } else {
    info = submapInfo(e, count);
  }
  return { address: e.start, size: e.end - e.start, nesting_depth: 0, info };
}

function wordsView(words: number[]): DataView {
  const v = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => v.setUint32(4 * i, w >>> 0, true));
  return v;
}

/*
 * The routines over src/kern/vm_advice.ts: vm_user.c's checks here (the map, a range that
 * wraps, a size of 0), vm_map.c's there.
 */

/** mach_types.defs' types of these routines (not in std or mach_types' shared list: only the VM subsystems use them). */
export const vm_machine_attribute_t = named("vm_machine_attribute_t", uint32);
export const vm_machine_attribute_val_t = named("vm_machine_attribute_val_t", int32);
export const vm_purgable_t = named("vm_purgable_t", int32);
export const vm_page_info_flavor_t = named("vm_page_info_flavor_t", int32);
export const vm_page_info_t = named("vm_page_info_t", array(4, 32), { elemC: "int" });
/** array[512] of mach_vm_offset_t: VM_MAP_ENTRY_MAX {address, size} pairs, inline both ways. */
export const mach_vm_read_entry_t = named("mach_vm_read_entry_t", { ...bytes(VM_MAP_ENTRY_MAX * 16), cArray: true });
export const vm_read_entry_t = named("vm_read_entry_t", { ...bytes(VM_MAP_ENTRY_MAX * 16), cArray: true });

const VM_INHERIT_LAST_VALID = 2;
const wraps = (start: bigint, size: bigint): boolean => start + size > U64_MAX;

/** mach_vm_inherit / vm_inherit. */
export function vmInherit(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  const start = big(a, "address");
  const size = big(a, "size");
  if (!task || wraps(start, size) || num(a, "new_inheritance") >>> 0 > VM_INHERIT_LAST_VALID) return KERN_INVALID_ARGUMENT;
  if (size === 0n) return KERN_SUCCESS;
  return vmMapInherit(task, truncPage(start), roundPage(start + size), num(a, "new_inheritance"));
}

/** mach_vm_behavior_set / vm_behavior_set. */
export function vmBehaviorSet(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  const start = big(a, "address");
  const size = big(a, "size");
  if (!task || wraps(start, size)) return KERN_INVALID_ARGUMENT;
  if (size === 0n) return KERN_SUCCESS;
  return vmMapBehaviorSet(task, truncPage(start), roundPage(start + size), num(a, "new_behavior"));
}

/** mach_vm_msync / vm_msync: no map is KERN_INVALID_TASK here; vm_map_msync rounds the range itself. */
export function vmMsync(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_TASK;
  return vmMapMsync(task, big(a, "address"), big(a, "size"), num(a, "sync_flags"));
}

/** mach_vm_machine_attribute / vm_machine_attribute: the value comes back as it went (x86's pmap keeps no attributes). */
export function vmMachineAttribute(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  const start = big(a, "address");
  const size = big(a, "size");
  const value = num(a, "value");
  if (!task || wraps(start, size)) return KERN_INVALID_ARGUMENT;
  if (size === 0n) return { value };
  const kr = vmMapMachineAttribute(task, truncPage(start), roundPage(start + size), num(a, "attribute"));
  return kr !== KERN_SUCCESS ? kr : { value };
}

/** mach_vm_page_query / vm_map_page_query: vm_map_page_query_internal, VM_PAGE_INFO_BASIC's disposition and ref_count. */
export function vmPageQuery(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const r = vmMapPageInfo(task, truncPage(big(a, "offset")));
  return r.kr !== KERN_SUCCESS ? r.kr : { disposition: r.info!.disposition, ref_count: r.info!.refCount };
}

/** mach_vm_page_info: VM_PAGE_INFO_BASIC in exactly its count of words, or one fewer (the structure's padding came late). */
export function vmPageInfo(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const count = num(a, "infoCnt");
  if (num(a, "flavor") !== VM_PAGE_INFO_BASIC || (count !== VM_PAGE_INFO_BASIC_COUNT && count !== VM_PAGE_INFO_BASIC_COUNT - 1)) return KERN_INVALID_ARGUMENT;
  const r = vmMapPageInfo(task, big(a, "address"));
  if (r.kr !== KERN_SUCCESS) return r.kr;
  return { info: encodeInfo(VM_PAGE_INFO_BASIC_LAYOUT, r.info!).slice(0, count) };
}

/** mach_vm_purgable_control / vm_purgable_control: the address page-truncated; `state` comes back (the old state for SET_STATE). */
export function vmPurgableControl(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  if (!task) return KERN_INVALID_ARGUMENT;
  const r = vmMapPurgableControl(task, truncPage(big(a, "address")), num(a, "control"), num(a, "state"));
  return r.kr !== KERN_SUCCESS ? r.kr : { state: r.state! };
}

/**
 * mach_vm_read_list / vm_read_list: each entry of non-zero size copied in from the target and
 * out into the caller's map, its address replaced by where it went; a failed entry reads {0, 0}
 * and the call answers the last entry's code (so a later success hides an earlier failure, and
 * what was copied out stays mapped even when the reply is an error, as in vm_user.c). A caller
 * that is a process outside the server cannot be given new memory from here: libmachipc's own
 * mach_vm_read_list reads each entry with mach_vm_read instead (native/src/vm.c).
 */
export function vmReadList(call: KernelCall, a: Args): RoutineResult {
  const task = mapOf(call);
  const count = num(a, "count");
  if (!task || count >>> 0 > VM_MAP_ENTRY_MAX) return KERN_INVALID_ARGUMENT;
  const list = new Uint8Array(a["data_list"] as Uint8Array);
  const v = new DataView(list.buffer, list.byteOffset, list.byteLength);
  let error: number = KERN_SUCCESS;
  for (let i = 0; i < count; i++) {
    const size = v.getBigUint64(16 * i + 8, true);
    if (size !== 0n) {
      const r = vmMapCopyin(task, v.getBigUint64(16 * i, true), size);
      error = r.kr;
      if (r.kr === KERN_SUCCESS) {
        const caller = call.caller;
        error = !caller ? KERN_INVALID_ARGUMENT : outsideProcess(caller) ? KERN_NOT_SUPPORTED : KERN_SUCCESS;
        if (error === KERN_SUCCESS) {
          v.setBigUint64(16 * i, caller!.vm.adopt(r.data!), true);
          continue;
        }
      }
    }
    v.setBigUint64(16 * i, 0n, true);
    v.setBigUint64(16 * i + 8, 0n, true);
  }
  return error !== KERN_SUCCESS ? error : { data_list: list };
}
