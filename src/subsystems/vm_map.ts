/**
 * The vm_map subsystem (3800, osfmk/mach/vm_map.defs): the VM interface in vm_address_t terms.
 * The same handlers as mach_vm (src/subsystems/vm_common.ts), with the 32-bit forms' own checks:
 * vm_region, vm_region_64 and the recurse routines refuse a region ending above VM_MAX_ADDRESS
 * (0xFFE00000, a 32-bit bound even for a 64-bit task; docs/xnu-bugs.md), vm_region reads
 * VM_REGION_BASIC_INFO as the 32-bit structure, vm_region_recurse fills vm_region_submap_info.
 * Routines left out (inherit, read_list, msync, behavior_set, machine_attribute, remap,
 * task_wire, memory entries, page queries, region_info, purgable_control) answer MIG_BAD_ID.
 */
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  mem_entry_name_port_t,
  memory_object_name_t,
  memory_object_offset_t,
  natural_t,
  pointer_t,
  vm_address_t,
  vm_inherit_t,
  vm_map_t,
  vm_offset_t,
  vm_prot_t,
  vm_region_flavor_t,
  vm_region_info_t,
  vm_region_recurse_info_t,
  vm_size_t,
} from "../mig/defs_types.js";
import type { Param } from "../mig/types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routine } from "./common.js";
import { vmAllocate, vmCopy, vmDeallocate, vmMap, vmProtect, vmRead, vmReadOverwrite, vmRegion, vmRegionRecurse, vmWrite } from "./vm_common.js";

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
  inP("object", mem_entry_name_port_t),
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
  routine(3805, "vm_read", [inP("address", vm_address_t), inP("size", vm_size_t), outP("data", pointer_t)], vmRead, targetTask),
  routine(3807, "vm_write", [inP("address", vm_address_t), inP("data", pointer_t)], vmWrite, targetTask),
  routine(3808, "vm_copy", [inP("source_address", vm_address_t), inP("size", vm_size_t), inP("dest_address", vm_address_t)], vmCopy, targetTask),
  routine(
    3809,
    "vm_read_overwrite",
    [inP("address", vm_address_t), inP("size", vm_size_t), inP("data", vm_address_t), outP("outsize", vm_size_t)],
    vmReadOverwrite,
    targetTask,
  ),
  routine(3812, "vm_map", mapParams(inP("offset", vm_offset_t)), vmMap, targetTask),
  routine(3821, "vm_region_recurse", recurseParams, (call, a) => vmRegionRecurse(call, a, { maxAddressCheck: true, thirtyTwo: true }), targetTask),
  routine(3822, "vm_region_recurse_64", recurseParams, (call, a) => vmRegionRecurse(call, a, { maxAddressCheck: true, thirtyTwo: false }), targetTask),
  routine(3824, "vm_region_64", regionParams, (call, a) => vmRegion(call, a, { basicAs64: true, maxAddressCheck: true }), targetTask),
  routine(3826, "vm_map_64", mapParams(inP("offset", memory_object_offset_t)), vmMap, targetTask),
];
