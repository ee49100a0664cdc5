/**
 * The named types of xnu-3248's .defs (std_types.defs, mach_types.defs,
 * mach_debug_types.defs, clock_types.defs, exc.defs...) that the served
 * routines use: each is a MIG layout from types.ts with the C type name the
 * SDK's prototypes give it, so one routine description yields the kernel's
 * decoder, the TypeScript client and the C stubs and prototypes.
 *
 * Exported under the .defs names so that a description reads like its .defs line.
 */
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
} from "../abi/message.js";
import { HOST_INFO64_MAX, HOST_INFO_MAX, PROCESSOR_INFO_MAX, PROCESSOR_SET_INFO_MAX } from "../abi/host.js";
import {
  array,
  bytes,
  cstring,
  int32,
  named,
  ool,
  oolFixed,
  oolPorts,
  polyPort,
  portArray,
  receivePort,
  sendOncePort,
  sendPort,
  uint32,
  uint64,
} from "./types.js";

// std_types.defs: the C base types.
export const c_int = named("int", int32);
export const c_unsigned = named("unsigned", uint32);
export const natural_t = named("natural_t", uint32);
export const integer_t = named("integer_t", int32);
export const uint32_t = named("uint32_t", uint32);
export const uint64_t = named("uint64_t", uint64);
export const boolean_t = named("boolean_t", uint32);
export const kern_return_t = named("kern_return_t", int32);
export const vm_address_t = named("vm_address_t", uint64);
export const vm_offset_t = named("vm_offset_t", uint64);
export const vm_size_t = named("vm_size_t", uint64);
export const mach_vm_address_t = named("mach_vm_address_t", uint64);
export const mach_vm_size_t = named("mach_vm_size_t", uint64);
export const memory_object_size_t = named("memory_object_size_t", uint64);
export const vm_prot_t = named("vm_prot_t", int32);

// Ports (std_types.defs): the C type is mach_port_t; the user stub's disposition comes with the .defs type.
export const mach_port_t = named("mach_port_t", sendPort, { user: MACH_MSG_TYPE_COPY_SEND });
export const mach_port_make_send_t = named("mach_port_t", sendPort, { user: MACH_MSG_TYPE_MAKE_SEND });
export const mach_port_move_send_t = named("mach_port_t", sendPort, { user: MACH_MSG_TYPE_MOVE_SEND });
export const mach_port_make_send_once_t = named("mach_port_t", sendOncePort, { user: MACH_MSG_TYPE_MAKE_SEND_ONCE });
/** MACH_MSG_TYPE_PORT_SEND_ONCE: the kernel wants a send-once right, the caller says how it is made. */
export const mach_port_send_once_t = named("mach_port_t", sendOncePort, { user: -1 });
export const mach_port_move_send_once_t = named("mach_port_t", sendOncePort, { user: MACH_MSG_TYPE_MOVE_SEND_ONCE });
export const mach_port_move_receive_t = named("mach_port_t", receivePort);
export const mach_port_poly_t = named("mach_port_t", polyPort, { user: -1 });

// mach_types.defs / port.h: names, rights, counts.
export const mach_port_name_t = named("mach_port_name_t", uint32);
export const mach_port_right_t = named("mach_port_right_t", uint32);
export const mach_port_type_t = named("mach_port_type_t", uint32);
export const mach_port_urefs_t = named("mach_port_urefs_t", uint32);
export const mach_port_delta_t = named("mach_port_delta_t", int32);
export const mach_port_seqno_t = named("mach_port_seqno_t", uint32);
export const mach_port_mscount_t = named("mach_port_mscount_t", uint32);
export const mach_port_rights_t = named("mach_port_rights_t", uint32);
export const mach_port_flavor_t = named("mach_port_flavor_t", int32);
export const mach_port_context_t = named("mach_port_context_t", uint64);
export const mach_port_info_t = named("mach_port_info_t", array(4, 17));
export const mach_port_qos_t = named("mach_port_qos_t", bytes(8));
export const mach_port_options_ptr_t = named("mach_port_options_ptr_t", oolFixed(24));
export const mach_port_name_array_t = named("mach_port_name_array_t", ool(4));
export const mach_port_type_array_t = named("mach_port_type_array_t", ool(4));
export const mach_port_array_t = named("mach_port_array_t", oolPorts());
export const mach_msg_id_t = named("mach_msg_id_t", int32);
export const mach_msg_size_t = named("mach_msg_size_t", uint32);
export const mach_msg_type_name_t = named("mach_msg_type_name_t", uint32);
export const mach_msg_trailer_type_t = named("mach_msg_trailer_type_t", uint32);
export const mach_msg_trailer_info_t = named("mach_msg_trailer_info_t", array(1, 68));

// mach_debug_types.defs: what the debugging routines return.
export const ipc_info_space_t = named("ipc_info_space_t", bytes(24));
export const ipc_info_space_basic_t = named("ipc_info_space_basic_t", bytes(24));
export const ipc_info_name_array_t = named("ipc_info_name_array_t", ool(28));
export const ipc_info_tree_name_array_t = named("ipc_info_tree_name_array_t", ool(36));
export const zone_name_array_t = named("zone_name_array_t", ool(80));
export const zone_info_array_t = named("zone_info_array_t", ool(36));
export const mach_zone_name_array_t = named("mach_zone_name_array_t", ool(80));
export const mach_zone_info_array_t = named("mach_zone_info_array_t", ool(64));
export const task_zone_info_array_t = named("task_zone_info_array_t", ool(88));
export const mach_memory_info_array_t = named("mach_memory_info_array_t", ool(64));
export const hash_info_bucket_array_t = named("hash_info_bucket_array_t", ool(4));
export const lockgroup_info_array_t = named("lockgroup_info_array_t", ool(120));

// Hosts, processors, processor sets (mach_types.defs).
export const host_t = named("host_t", sendPort);
export const host_priv_t = named("host_priv_t", sendPort);
export const host_security_t = named("host_security_t", sendPort);
export const host_flavor_t = named("host_flavor_t", int32);
export const host_info_t = named("host_info_t", array(4, HOST_INFO_MAX));
export const host_info64_t = named("host_info64_t", array(4, HOST_INFO64_MAX));
export const kernel_version_t = named("kernel_version_t", cstring(512));
export const kernel_boot_info_t = named("kernel_boot_info_t", cstring(4096));
export const processor_t = named("processor_t", sendPort);
export const processor_array_t = named("processor_array_t", oolPorts());
export const processor_flavor_t = named("processor_flavor_t", int32);
export const processor_info_t = named("processor_info_t", array(4, PROCESSOR_INFO_MAX));
export const processor_info_array_t = named("processor_info_array_t", ool(4));
export const processor_set_t = named("processor_set_t", sendPort);
export const processor_set_name_t = named("processor_set_name_t", sendPort);
export const processor_set_name_array_t = named("processor_set_name_array_t", oolPorts());
export const processor_set_flavor_t = named("processor_set_flavor_t", int32);
export const processor_set_info_t = named("processor_set_info_t", array(4, PROCESSOR_SET_INFO_MAX));
export const io_master_t = named("io_master_t", sendPort);
export const clock_id_t = named("clock_id_t", int32);
export const clock_serv_t = named("clock_serv_t", sendPort);
export const clock_ctrl_t = named("clock_ctrl_t", sendPort);
export const clock_flavor_t = named("clock_flavor_t", int32);
export const clock_attr_t = named("clock_attr_t", array(4, 1));
export const mach_timespec_t = named("mach_timespec_t", bytes(8));
export const alarm_type_t = named("alarm_type_t", int32);
/** polymorphic, MAKE_SEND_ONCE by default. */
export const clock_reply_t = named("clock_reply_t", polyPort, { user: MACH_MSG_TYPE_MAKE_SEND_ONCE });
export const memory_object_t = named("memory_object_t", sendPort, { user: MACH_MSG_TYPE_COPY_SEND });
export const memory_object_default_t = named("memory_object_default_t", sendPort, { user: MACH_MSG_TYPE_MAKE_SEND });
export const memory_object_cluster_size_t = named("memory_object_cluster_size_t", uint32);
export const kmod_t = named("kmod_t", int32);
export const kmod_control_flavor_t = named("kmod_control_flavor_t", int32);
export const kmod_args_t = named("kmod_args_t", ool(1));
export const pointer_t = named("vm_offset_t", ool(1));
export const UNDServerRef = named("UNDServerRef", sendPort);
export const security_token_t = named("security_token_t", bytes(8));
export const audit_token_t = named("audit_token_t", bytes(32));
export const ledger_array_t = named("ledger_array_t", oolPorts());
export const ipc_voucher_t = named("ipc_voucher_t", sendPort);
export const ipc_voucher_attr_control_t = named("ipc_voucher_attr_control_t", sendPort);
export const mach_voucher_attr_manager_t = named("mach_voucher_attr_manager_t", sendPort);
export const mach_voucher_attr_value_handle_t = named("mach_voucher_attr_value_handle_t", uint64);
export const mach_voucher_attr_key_t = named("mach_voucher_attr_key_t", uint32);
export const mach_voucher_attr_raw_recipe_array_t = named("mach_voucher_attr_raw_recipe_array_t", array(1, 5120));
export const mach_voucher_attr_raw_recipe_t = named("mach_voucher_attr_raw_recipe_t", array(1, 4096));
export const mach_voucher_attr_content_t = named("mach_voucher_attr_content_t", array(1, 4096));
export const mach_voucher_attr_command_t = named("mach_voucher_attr_command_t", uint32);

// Tasks and threads (mach_types.defs).
export const ipc_space_t = named("ipc_space_t", sendPort);
export const task_t = named("task_t", sendPort);
export const task_name_t = named("task_name_t", sendPort);
export const vm_map_t = named("vm_map_t", sendPort);
export const task_array_t = named("task_array_t", oolPorts());
export const task_flavor_t = named("task_flavor_t", int32);
export const task_info_t = named("task_info_t", array(4, 52));
export const thread_act_t = named("thread_act_t", sendPort);
/** thread_terminate's target: the stub moves the caller's send right (mach_port_move_send_t, cusertype thread_act_t). */
export const thread_act_consume_ref_t = named("thread_act_t", sendPort, { user: MACH_MSG_TYPE_MOVE_SEND });
export const thread_act_array_t = named("thread_act_array_t", oolPorts());
export const thread_flavor_t = named("thread_flavor_t", int32);
export const thread_info_t = named("thread_info_t", array(4, 32));
export const thread_state_flavor_t = named("thread_state_flavor_t", int32);
export const thread_state_t = named("thread_state_t", array(4, 224), { elemC: "natural_t" });

// Policies, synchronizers, suspension tokens, emulation (mach_types.defs).
export const task_policy_flavor_t = named("task_policy_flavor_t", uint32);
export const task_policy_t = named("task_policy_t", array(4, 16), { elemC: "integer_t" });
export const thread_policy_flavor_t = named("thread_policy_flavor_t", uint32);
export const thread_policy_t = named("thread_policy_t", array(4, 16), { elemC: "integer_t" });
export const policy_t = named("policy_t", int32);
export const policy_base_t = named("policy_base_t", array(4, 5), { elemC: "integer_t" });
export const policy_limit_t = named("policy_limit_t", array(4, 1), { elemC: "integer_t" });
export const lock_set_t = named("lock_set_t", sendPort);
export const emulation_vector_t = named("emulation_vector_t", ool(8));
export const task_suspension_token_t = named("task_suspension_token_t", sendOncePort, { user: MACH_MSG_TYPE_MOVE_SEND_ONCE });
export const task_purgable_info_t = named("task_purgable_info_t", bytes(272));
export const mach_voucher_selector_t = named("mach_voucher_selector_t", uint32);

// Exceptions (mach_types.defs, exc.defs, mach_exc.defs).
export const exception_type_t = named("exception_type_t", int32);
export const exception_data_t = named("exception_data_t", array(4, 2), { elemC: "integer_t" });
export const mach_exception_data_t = named("mach_exception_data_t", array(8, 2), { elemC: "int64_t" });
export const exception_mask_t = named("exception_mask_t", uint32);
export const exception_behavior_t = named("exception_behavior_t", int32);
export const exception_mask_array_t = named("exception_mask_array_t", array(4, 32));
export const exception_handler_array_t = named("exception_handler_array_t", portArray(32));
export const exception_behavior_array_t = named("exception_behavior_array_t", array(4, 32));
export const exception_flavor_array_t = named("exception_flavor_array_t", array(4, 32));


// The VM interfaces (mach_types.defs, std_types.defs) of mach_vm.defs and vm_map.defs.
export const mach_vm_offset_t = named("mach_vm_offset_t", uint64);
export const memory_object_offset_t = named("memory_object_offset_t", uint64);
export const mem_entry_name_port_t = named("mem_entry_name_port_t", sendPort, { user: MACH_MSG_TYPE_COPY_SEND });
/** mach_vm_region's object_name: `= MACH_MSG_TYPE_MOVE_SEND ctype: mach_port_t`. */
export const memory_object_name_t = named("mach_port_t", sendPort);
export const vm_inherit_t = named("vm_inherit_t", int32);
export const vm_behavior_t = named("vm_behavior_t", int32);
export const vm_sync_t = named("vm_sync_t", int32);
export const vm_region_flavor_t = named("vm_region_flavor_t", int32);
export const vm_region_info_t = named("vm_region_info_t", array(4, 10), { elemC: "int" });
export const vm_region_recurse_info_t = named("vm_region_recurse_info_t", array(4, 19), { elemC: "int" });
