/**
 * The mach_host subsystem (200), served on host and host priv ports (host_t).
 * Routines for features machipc does not have answer what xnu-3248 answers
 * when the feature is absent or refused (docs/mach_host.md).
 */
import { HOST_INFO64_MAX, HOST_INFO_MAX, HOST_IO_MASTER_PORT } from "../abi/host.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_HOST,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
  MIG_BAD_ID,
} from "../abi/kern_return.js";
import { viewOf } from "../abi/layout.js";
import { ipValid } from "../ipc/port.js";
import { portCopySend } from "../ipc/right.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import {
  boolean_t,
  clock_id_t,
  clock_serv_t,
  hash_info_bucket_array_t,
  host_flavor_t,
  host_info64_t,
  host_info_t,
  host_priv_t,
  host_t,
  io_master_t,
  ipc_voucher_attr_control_t,
  ipc_voucher_t,
  kernel_version_t,
  kmod_args_t,
  lockgroup_info_array_t,
  mach_memory_info_array_t,
  mach_port_make_send_once_t,
  mach_port_move_send_t,
  mach_voucher_attr_key_t,
  mach_voucher_attr_manager_t,
  mach_voucher_attr_raw_recipe_array_t,
  mach_voucher_attr_value_handle_t,
  mach_zone_info_array_t,
  mach_zone_name_array_t,
  memory_object_size_t,
  memory_object_t,
  natural_t,
  processor_flavor_t,
  processor_info_array_t,
  processor_set_name_t,
  processor_set_t,
  uint32_t,
  vm_prot_t,
  vm_size_t,
  zone_info_array_t,
  zone_name_array_t,
} from "../mig/defs_types.js";
import { hostInfo, hostStatistics, hostStatistics64, processorInfo, processorInfoCount } from "../kern/host_info.js";
import { convertPortToHost, convertPortToHostPriv, convertPsetNameToPort, makeSendOrDead } from "../kern/ipc_host.js";
import type { KernelCall } from "../kern/kernel.js";
import { num, portArg, routinesOn } from "./common.js";

export const MACH_HOST_BASE = 200;
export const MACH_HOST_END = 231;

const host = (call: KernelCall) => convertPortToHost(call.port);
const hostPriv = (call: KernelCall) => convertPortToHostPriv(call.port);
const routine = routinesOn(inP("host", host_t));
const onHostPriv = inP("host", host_priv_t);

const words = (xs: number[]): Uint8Array => {
  const out = new Uint8Array(xs.length * 4);
  const v = viewOf(out);
  xs.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  return out;
};

export const machHostRoutines: Routine<KernelCall>[] = [
  routine(200, "host_info", [inP("flavor", host_flavor_t), outP("host_info_out", host_info_t, { countInOut: true })], (call, a) => {
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const r = hostInfo(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info_outCnt"), HOST_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info_out: r.info };
  }),
  routine(201, "host_kernel_version", [outP("kernel_version", kernel_version_t)], (call) =>
    host(call) ? { kernel_version: call.kernel.options.kernelVersion } : KERN_INVALID_ARGUMENT,
  ),
  routine(202, "_host_page_size", [outP("out_page_size", vm_size_t)], (call) =>
    host(call) ? { out_page_size: BigInt(call.kernel.machine.pageSize) } : KERN_INVALID_ARGUMENT,
  ),
  routine(
    203,
    "mach_memory_object_memory_entry",
    [inP("internal", boolean_t), inP("size", vm_size_t), inP("permission", vm_prot_t), inP("pager", memory_object_t), outP("entry_handle", mach_port_move_send_t)],
    (call) => (host(call) ? KERN_INVALID_ARGUMENT : KERN_INVALID_HOST),
  ),
  routine(
    204,
    "host_processor_info",
    [inP("flavor", processor_flavor_t), outP("out_processor_count", natural_t), outP("out_processor_info", processor_info_array_t)],
    (call, a) => {
      if (!host(call)) return KERN_INVALID_ARGUMENT;
      const flavor = num(a, "flavor");
      const c = processorInfoCount(flavor);
      if (c.kr !== KERN_SUCCESS) return c.kr;
      const all: number[] = [];
      for (const p of call.kernel.processors) {
        const r = processorInfo(call.kernel, p, flavor, c.count);
        if (r.kr !== KERN_SUCCESS) return r.kr;
        all.push(...r.info);
      }
      return { out_processor_count: call.kernel.processors.length, out_processor_info: words(all) };
    },
  ),
  routine(205, "host_get_io_master", [outP("io_master", io_master_t)], (call) => {
    const h = host(call);
    return h ? { io_master: portCopySend(h.special[HOST_IO_MASTER_PORT] ?? null) } : KERN_INVALID_ARGUMENT;
  }),
  routine(206, "host_get_clock_service", [inP("clock_id", clock_id_t), outP("clock_serv", clock_serv_t)], (call, a) => {
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const clock = call.kernel.clocks[num(a, "clock_id")];
    return clock ? { clock_serv: makeSendOrDead(clock.servPort) } : KERN_INVALID_ARGUMENT;
  }),
  routine(207, "kmod_get_info", [outP("modules", kmod_args_t)], () => KERN_NOT_SUPPORTED),
  routine(208, "host_zone_info", [outP("names", zone_name_array_t), outP("info", zone_info_array_t)], (call) => (hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST), onHostPriv),
  routine(209, "host_virtual_physical_table_info", [outP("info", hash_info_bucket_array_t)], (call) =>
    // Compiled only with MACH_VM_DEBUG.
    host(call) ? KERN_FAILURE : KERN_INVALID_HOST,
  ),
  routine(213, "processor_set_default", [outP("default_set", processor_set_name_t)], (call) =>
    host(call) ? { default_set: convertPsetNameToPort(call.kernel.pset0) } : KERN_INVALID_ARGUMENT,
  ),
  routine(214, "processor_set_create", [outP("new_set", processor_set_t), outP("new_name", processor_set_name_t)], () => KERN_FAILURE),
  routine(
    215,
    "mach_memory_object_memory_entry_64",
    [inP("internal", boolean_t), inP("size", memory_object_size_t), inP("permission", vm_prot_t), inP("pager", memory_object_t), outP("entry_handle", mach_port_move_send_t)],
    (call) => (host(call) ? KERN_INVALID_ARGUMENT : KERN_INVALID_HOST),
  ),
  routine(216, "host_statistics", [inP("flavor", host_flavor_t), outP("host_info_out", host_info_t, { countInOut: true })], (call, a) => {
    if (!host(call)) return KERN_INVALID_HOST;
    const r = hostStatistics(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info_outCnt"), HOST_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info_out: r.info };
  }, inP("host_priv", host_t)),
  routine(217, "host_request_notification", [inP("notify_type", host_flavor_t), inP("notify_port", mach_port_make_send_once_t)], (call, a) => {
    // host_notify.c's order: the host, the port, the type, then the port's state.
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const so = portArg(a, "notify_port").port;
    if (!ipValid(so)) return KERN_INVALID_CAPABILITY;
    return call.kernel.hostNotify.request(num(a, "notify_type"), so);
  }),
  routine(218, "host_lockgroup_info", [outP("lockgroup_info", lockgroup_info_array_t)], (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST)),
  routine(219, "host_statistics64", [inP("flavor", host_flavor_t), outP("host_info64_out", host_info64_t, { countInOut: true })], (call, a) => {
    if (!host(call)) return KERN_INVALID_HOST;
    const r = hostStatistics64(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info64_outCnt"), HOST_INFO64_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info64_out: r.info };
  }, inP("host_priv", host_t)),
  routine(220, "mach_zone_info", [outP("names", mach_zone_name_array_t), outP("info", mach_zone_info_array_t)], (call) => (hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST), onHostPriv),
  routine(221, "mach_zone_force_gc", [], (call) => (host(call) ? KERN_SUCCESS : KERN_INVALID_HOST)),
  routine(222, "host_create_mach_voucher", [inP("recipes", mach_voucher_attr_raw_recipe_array_t), outP("voucher", ipc_voucher_t)], (call) =>
    host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_ARGUMENT,
  ),
  routine(
    223,
    "host_register_mach_voucher_attr_manager",
    [inP("attr_manager", mach_voucher_attr_manager_t), inP("default_value", mach_voucher_attr_value_handle_t), outP("new_key", mach_voucher_attr_key_t), outP("new_attr_control", ipc_voucher_attr_control_t)],
    (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST),
  ),
  routine(
    224,
    "host_register_well_known_mach_voucher_attr_manager",
    [inP("attr_manager", mach_voucher_attr_manager_t), inP("default_value", mach_voucher_attr_value_handle_t), inP("key", mach_voucher_attr_key_t), outP("new_attr_control", ipc_voucher_attr_control_t)],
    (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST),
  ),
  routine(225, "host_set_atm_diagnostic_flag", [inP("diagnostic_flag", uint32_t)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    call.kernel.atmDiagnosticFlag = num(a, "diagnostic_flag");
    return KERN_SUCCESS;
  }, inP("host_priv", host_priv_t)),
  routine(227, "mach_memory_info", [outP("names", mach_zone_name_array_t), outP("info", mach_zone_info_array_t), outP("memory_info", mach_memory_info_array_t)], (call) =>
    hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST,
  onHostPriv),
  routine(228, "host_set_multiuser_config_flags", [inP("multiuser_flags", uint32_t)], () => KERN_NOT_SUPPORTED, inP("host_priv", host_priv_t)),
  // 210-212, 226, 229, 230 are skips in the kernel: MIG_BAD_ID.
];

/**
 * The routines mach_host.defs declares only for libsyscall (`#if !KERNEL && LIBSYSCALL_INTERFACE`):
 * the SDK's <mach/mach_host.h> has them, the kernel skips their ids, and libsystem answers them
 * itself (libsyscall/mach/host.c): the ATM diagnostic flag from the commpage, KERN_NOT_SUPPORTED
 * for the multiuser calls on OS X. libmachipc's are in native/src/host_libsyscall.c; these
 * descriptions give their prototypes and names. A message with one of their ids that reaches the
 * kernel all the same gets the kernel's answer, which the handler gives.
 */
export const machHostLibsyscallRoutines: Routine<KernelCall>[] = [
  routine(226, "host_get_atm_diagnostic_flag", [outP("diagnostic_flag", uint32_t)], () => MIG_BAD_ID),
  routine(229, "host_get_multiuser_config_flags", [outP("multiuser_flags", uint32_t)], () => MIG_BAD_ID),
  routine(230, "host_check_multiuser_mode", [outP("multiuser_mode", uint32_t)], () => MIG_BAD_ID),
];
