/**
 * The mach_vm subsystem (4800, osfmk/mach/mach_vm.defs): the 64-bit VM interface a debugger or a
 * memory tool uses on a task port it holds. Served for both kinds of task memory
 * (src/subsystems/vm_common.ts); the routines that change an address space work on an
 * in-process task's simulated memory and answer KERN_NOT_SUPPORTED for a process outside the
 * server (src/kern/vm_advice.ts says what each of the others does there; src/kern/vm_remap.ts
 * what remap does, src/kern/vm_named_entry.ts what memory entries do). Every id of the subsystem
 * is served.
 */
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  integer_t,
  mach_vm_address_t,
  mach_vm_offset_t,
  mach_vm_size_t,
  mem_entry_name_port_t,
  memory_object_name_t,
  memory_object_size_t,
  memory_object_offset_t,
  natural_t,
  pointer_t,
  vm_behavior_t,
  vm_inherit_t,
  vm_map_t,
  vm_prot_t,
  vm_region_flavor_t,
  vm_region_info_t,
  vm_region_recurse_info_t,
  vm_sync_t,
} from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routine, trap } from "./common.js";
import {
  mach_vm_read_entry_t,
  vm_machine_attribute_t,
  vm_machine_attribute_val_t,
  vm_page_info_flavor_t,
  vm_page_info_t,
  vm_purgable_t,
  vmAllocate,
  vmBehaviorSet,
  vmCopy,
  vmDeallocate,
  vmInherit,
  vmMachineAttribute,
  makeEntryRoutine,
  vmMap,
  vmMsync,
  vmPageInfo,
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

export const MACH_VM_BASE = 4800;
export const MACH_VM_END = 4820;

const target = inP("target", vm_map_t);
const targetTask = inP("target_task", vm_map_t);
const targetMap = inP("target_map", vm_map_t);

export const machVmRoutines: Routine<KernelCall>[] = [
  trap(routine(4800, "mach_vm_allocate", [inoutP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("flags", c_int)], vmAllocate, target)),
  trap(routine(4801, "mach_vm_deallocate", [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t)], vmDeallocate, target)),
  trap(
    routine(
      4802,
      "mach_vm_protect",
      [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("set_maximum", boolean_t), inP("new_protection", vm_prot_t)],
      vmProtect,
      targetTask,
    ),
  ),
  routine(4803, "mach_vm_inherit", [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("new_inheritance", vm_inherit_t)], vmInherit, targetTask),
  routine(4804, "mach_vm_read", [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), outP("data", pointer_t)], vmRead, targetTask),
  routine(4805, "mach_vm_read_list", [inoutP("data_list", mach_vm_read_entry_t), inP("count", natural_t)], vmReadList, targetTask),
  routine(4806, "mach_vm_write", [inP("address", mach_vm_address_t), inP("data", pointer_t)], vmWrite, targetTask),
  routine(
    4807,
    "mach_vm_copy",
    [inP("source_address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("dest_address", mach_vm_address_t)],
    vmCopy,
    targetTask,
  ),
  routine(
    4808,
    "mach_vm_read_overwrite",
    [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("data", mach_vm_address_t), outP("outsize", mach_vm_size_t)],
    vmReadOverwrite,
    targetTask,
  ),
  routine(4809, "mach_vm_msync", [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("sync_flags", vm_sync_t)], vmMsync, targetTask),
  routine(4810, "mach_vm_behavior_set", [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("new_behavior", vm_behavior_t)], vmBehaviorSet, targetTask),
  routine(
    4811,
    "mach_vm_map",
    [
      inoutP("address", mach_vm_address_t),
      inP("size", mach_vm_size_t),
      inP("mask", mach_vm_offset_t),
      inP("flags", c_int),
      inP("object", mem_entry_name_port_t, { intran: true }),
      inP("offset", memory_object_offset_t),
      inP("copy", boolean_t),
      inP("cur_protection", vm_prot_t),
      inP("max_protection", vm_prot_t),
      inP("inheritance", vm_inherit_t),
    ],
    vmMap,
    targetTask,
  ),
  routine(
    4812,
    "mach_vm_machine_attribute",
    [inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("attribute", vm_machine_attribute_t), inoutP("value", vm_machine_attribute_val_t)],
    vmMachineAttribute,
    targetTask,
  ),
  routine(
    4813,
    "mach_vm_remap",
    remapParams(mach_vm_address_t, mach_vm_size_t, mach_vm_offset_t),
    vmRemap,
    targetTask,
  ),
  routine(4814, "mach_vm_page_query", [inP("offset", mach_vm_offset_t), outP("disposition", integer_t), outP("ref_count", integer_t)], vmPageQuery, targetMap),
  routine(
    4815,
    "mach_vm_region_recurse",
    [inoutP("address", mach_vm_address_t), outP("size", mach_vm_size_t), inoutP("nesting_depth", natural_t), outP("info", vm_region_recurse_info_t, { countInOut: true })],
    (call, a) => vmRegionRecurse(call, a, { maxAddressCheck: false, thirtyTwo: false }),
    targetTask,
  ),
  routine(
    4816,
    "mach_vm_region",
    [
      inoutP("address", mach_vm_address_t),
      outP("size", mach_vm_size_t),
      inP("flavor", vm_region_flavor_t),
      outP("info", vm_region_info_t, { countInOut: true }),
      outP("object_name", memory_object_name_t),
    ],
    (call, a) => vmRegion(call, a, { basicAs64: true, maxAddressCheck: false }),
    targetTask,
  ),
  makeEntryRoutine(4817, "_mach_make_memory_entry", memory_object_size_t, memory_object_offset_t, mem_entry_name_port_t, "parent_handle", targetTask),
  routine(4818, "mach_vm_purgable_control", [inP("address", mach_vm_address_t), inP("control", vm_purgable_t), inoutP("state", c_int)], vmPurgableControl, targetTask),
  routine(
    4819,
    "mach_vm_page_info",
    [inP("address", mach_vm_address_t), inP("flavor", vm_page_info_flavor_t), outP("info", vm_page_info_t, { countInOut: true })],
    vmPageInfo,
    targetTask,
  ),
];
