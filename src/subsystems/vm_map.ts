/**
 * The vm_map subsystem (3800, osfmk/mach/vm_map.defs): the VM interface in vm_address_t terms.
 * The same handlers as mach_vm (src/subsystems/vm_common.ts), with the 32-bit forms' own checks:
 * vm_region, vm_region_64 and the recurse routines refuse a region ending above VM_MAX_ADDRESS
 * (0xFFE00000, a 32-bit bound even for a 64-bit task; docs/xnu-bugs.md), vm_region reads
 * VM_REGION_BASIC_INFO as the 32-bit structure, vm_region_recurse fills vm_region_submap_info.
 * Memory entries are src/kern/vm_named_entry.ts's. Routines left out (task_wire, region_info,
 * mapped_pages_info, region_object_create, the UPL calls) answer MIG_BAD_ID.
 */
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  integer_t,
  mach_port_move_send_t,
  mem_entry_name_port_t,
  memory_object_name_t,
  memory_object_size_t,
  memory_object_offset_t,
  natural_t,
  pointer_t,
  vm_address_t,
  vm_behavior_t,
  vm_inherit_t,
  vm_map_t,
  vm_offset_t,
  vm_prot_t,
  vm_region_flavor_t,
  vm_region_info_t,
  vm_region_recurse_info_t,
  vm_size_t,
  vm_sync_t,
} from "../mig/defs_types.js";
import type { Param } from "../mig/types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routine } from "./common.js";
import {
  vm_machine_attribute_t,
  vm_machine_attribute_val_t,
  vm_purgable_t,
  vm_read_entry_t,
  vmAllocate,
  vmBehaviorSet,
  vmCopy,
  vmDeallocate,
  vmInherit,
  vmMachineAttribute,
  makeEntryRoutine,
  vmMap,
  vmMsync,
  vmPageQuery,
  vmProtect,
  vmPurgableControl,
  vmRead,
  vmReadList,
  vmReadOverwrite,
  vmRegion,
  remapParams,
  vmRegionRecurse,
  vmRemap,
  vmWrite,
} from "./vm_common.js";

export const VM_MAP_BASE = 3800;
export const VM_MAP_END = 3831;

const targetTask = inP("target_task", vm_map_t);

const regionParams: Param[] = [
  inoutP("address", vm_address_t),
  outP("size", vm_size_t),
  inP("flavor", vm_region_flavor_t),
  outP("info", vm_region_info_t, { countInOut: true }),
  outP("object_name", memory_object_name_t),
];
const recurseParams: Param[] = [
  inoutP("address", vm_address_t),
  outP("size", vm_size_t),
  inoutP("nesting_depth", natural_t),
  outP("info", vm_region_recurse_info_t, { countInOut: true }),
];
const mapParams = (offset: Param): Param[] => [
  inoutP("address", vm_address_t),
  inP("size", vm_size_t),
  inP("mask", vm_address_t),
  inP("flags", c_int),
  inP("object", mem_entry_name_port_t, { intran: true }),
  offset,
  inP("copy", boolean_t),
  inP("cur_protection", vm_prot_t),
  inP("max_protection", vm_prot_t),
  inP("inheritance", vm_inherit_t),
];

export const vmMapRoutines: Routine<KernelCall>[] = [
  routine(3800, "vm_region", regionParams, (call, a) => vmRegion(call, a, { basicAs64: false, maxAddressCheck: true }), targetTask),
  routine(3801, "vm_allocate", [inoutP("address", vm_address_t), inP("size", vm_size_t), inP("flags", c_int)], vmAllocate, targetTask),
  routine(3802, "vm_deallocate", [inP("address", vm_address_t), inP("size", vm_size_t)], vmDeallocate, targetTask),
  routine(
    3803,
    "vm_protect",
    [inP("address", vm_address_t), inP("size", vm_size_t), inP("set_maximum", boolean_t), inP("new_protection", vm_prot_t)],
    vmProtect,
    targetTask,
  ),
  routine(3804, "vm_inherit", [inP("address", vm_address_t), inP("size", vm_size_t), inP("new_inheritance", vm_inherit_t)], vmInherit, targetTask),
  routine(3805, "vm_read", [inP("address", vm_address_t), inP("size", vm_size_t), outP("data", pointer_t)], vmRead, targetTask),
  routine(3806, "vm_read_list", [inoutP("data_list", vm_read_entry_t), inP("count", natural_t)], vmReadList, targetTask),
  routine(3807, "vm_write", [inP("address", vm_address_t), inP("data", pointer_t)], vmWrite, targetTask),
  routine(3808, "vm_copy", [inP("source_address", vm_address_t), inP("size", vm_size_t), inP("dest_address", vm_address_t)], vmCopy, targetTask),
  routine(
    3809,
    "vm_read_overwrite",
    [inP("address", vm_address_t), inP("size", vm_size_t), inP("data", vm_address_t), outP("outsize", vm_size_t)],
    vmReadOverwrite,
    targetTask,
  ),
  routine(3810, "vm_msync", [inP("address", vm_address_t), inP("size", vm_size_t), inP("sync_flags", vm_sync_t)], vmMsync, targetTask),
  routine(3811, "vm_behavior_set", [inP("address", vm_address_t), inP("size", vm_size_t), inP("new_behavior", vm_behavior_t)], vmBehaviorSet, targetTask),
  routine(3812, "vm_map", mapParams(inP("offset", vm_offset_t)), vmMap, targetTask),
  routine(
    3813,
    "vm_machine_attribute",
    [inP("address", vm_address_t), inP("size", vm_size_t), inP("attribute", vm_machine_attribute_t), inoutP("value", vm_machine_attribute_val_t)],
    vmMachineAttribute,
    targetTask,
  ),
  routine(
    3814,
    "vm_remap",
    remapParams(vm_address_t, vm_size_t, vm_address_t),
    vmRemap,
    targetTask,
  ),
  makeEntryRoutine(3816, "mach_make_memory_entry", vm_size_t, vm_offset_t, mem_entry_name_port_t, "parent_entry", targetTask),
  routine(3817, "vm_map_page_query", [inP("offset", vm_offset_t), outP("disposition", integer_t), outP("ref_count", integer_t)], vmPageQuery, inP("target_map", vm_map_t)),
  routine(3821, "vm_region_recurse", recurseParams, (call, a) => vmRegionRecurse(call, a, { maxAddressCheck: true, thirtyTwo: true }), targetTask),
  routine(3822, "vm_region_recurse_64", recurseParams, (call, a) => vmRegionRecurse(call, a, { maxAddressCheck: true, thirtyTwo: false }), targetTask),
  routine(3824, "vm_region_64", regionParams, (call, a) => vmRegion(call, a, { basicAs64: true, maxAddressCheck: true }), targetTask),
  makeEntryRoutine(3825, "mach_make_memory_entry_64", memory_object_size_t, memory_object_offset_t, mach_port_move_send_t, "parent_entry", targetTask),
  routine(3826, "vm_map_64", mapParams(inP("offset", memory_object_offset_t)), vmMap, targetTask),
  routine(3830, "vm_purgable_control", [inP("address", vm_address_t), inP("control", vm_purgable_t), inoutP("state", c_int)], vmPurgableControl, targetTask),
];
