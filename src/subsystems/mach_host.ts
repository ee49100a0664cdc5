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
} from "../abi/kern_return.js";
import { viewOf } from "../abi/layout.js";
import { ipValid } from "../ipc/port.js";
import { portCopySend } from "../ipc/right.js";
import type { Routine } from "../mig/routine.js";
import { array, cstring, inP, int32, ool, outP, sendOncePort, sendPort, uint32, uint64 } from "../mig/types.js";
import { hostInfo, hostStatistics, hostStatistics64, processorInfo, processorInfoCount } from "../kern/host_info.js";
import { convertPortToHost, convertPortToHostPriv, convertPsetNameToPort, makeSendOrDead } from "../kern/ipc_host.js";
import type { KernelCall } from "../kern/kernel.js";
import { num, portArg, routine } from "./common.js";

export const MACH_HOST_BASE = 200;
export const MACH_HOST_END = 231;

const host = (call: KernelCall) => convertPortToHost(call.port);
const hostPriv = (call: KernelCall) => convertPortToHostPriv(call.port);
const infoOut = (name: string, max: number) => outP(name, array(4, max), { countInOut: true });

const words = (xs: number[]): Uint8Array => {
  const out = new Uint8Array(xs.length * 4);
  const v = viewOf(out);
  xs.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  return out;
};

export const machHostRoutines: Routine<KernelCall>[] = [
  routine(200, "host_info", [inP("flavor", int32), infoOut("host_info_out", HOST_INFO_MAX)], (call, a) => {
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const r = hostInfo(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info_outCnt"), HOST_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info_out: r.info };
  }),
  routine(201, "host_kernel_version", [outP("kernel_version", cstring(512))], (call) =>
    host(call) ? { kernel_version: call.kernel.options.kernelVersion } : KERN_INVALID_ARGUMENT,
  ),
  routine(202, "_host_page_size", [outP("out_page_size", uint64)], (call) =>
    host(call) ? { out_page_size: BigInt(call.kernel.machine.pageSize) } : KERN_INVALID_ARGUMENT,
  ),
  routine(
    203,
    "mach_memory_object_memory_entry",
    [inP("internal", uint32), inP("size", uint64), inP("permission", int32), inP("pager", sendPort), outP("entry_handle", sendPort)],
    (call) => (host(call) ? KERN_INVALID_ARGUMENT : KERN_INVALID_HOST),
  ),
  routine(
    204,
    "host_processor_info",
    [inP("flavor", int32), outP("out_processor_count", uint32), outP("out_processor_info", ool(4))],
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
  routine(205, "host_get_io_master", [outP("io_master", sendPort)], (call) => {
    const h = host(call);
    return h ? { io_master: portCopySend(h.special[HOST_IO_MASTER_PORT] ?? null) } : KERN_INVALID_ARGUMENT;
  }),
  routine(206, "host_get_clock_service", [inP("clock_id", int32), outP("clock_serv", sendPort)], (call, a) => {
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const clock = call.kernel.clocks[num(a, "clock_id")];
    return clock ? { clock_serv: makeSendOrDead(clock.servPort) } : KERN_INVALID_ARGUMENT;
  }),
  routine(207, "kmod_get_info", [outP("modules", ool(1))], () => KERN_NOT_SUPPORTED),
  routine(208, "host_zone_info", [outP("names", ool(80)), outP("info", ool(36))], (call) => (hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST)),
  routine(209, "host_virtual_physical_table_info", [outP("info", ool(4))], (call) =>
    // Compiled only with MACH_VM_DEBUG.
    host(call) ? KERN_FAILURE : KERN_INVALID_HOST,
  ),
  routine(213, "processor_set_default", [outP("default_set", sendPort)], (call) =>
    host(call) ? { default_set: convertPsetNameToPort(call.kernel.pset0) } : KERN_INVALID_ARGUMENT,
  ),
  routine(214, "processor_set_create", [outP("new_set", sendPort), outP("new_name", sendPort)], () => KERN_FAILURE),
  routine(
    215,
    "mach_memory_object_memory_entry_64",
    [inP("internal", uint32), inP("size", uint64), inP("permission", int32), inP("pager", sendPort), outP("entry_handle", sendPort)],
    (call) => (host(call) ? KERN_INVALID_ARGUMENT : KERN_INVALID_HOST),
  ),
  routine(216, "host_statistics", [inP("flavor", int32), infoOut("host_info_out", HOST_INFO_MAX)], (call, a) => {
    if (!host(call)) return KERN_INVALID_HOST;
    const r = hostStatistics(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info_outCnt"), HOST_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info_out: r.info };
  }),
  routine(217, "host_request_notification", [inP("notify_type", int32), inP("notify_port", sendOncePort)], (call, a) => {
    // host_notify.c's order: the host, the port, the type, then the port's state.
    if (!host(call)) return KERN_INVALID_ARGUMENT;
    const so = portArg(a, "notify_port").port;
    if (!ipValid(so)) return KERN_INVALID_CAPABILITY;
    return call.kernel.hostNotify.request(num(a, "notify_type"), so);
  }),
  routine(218, "host_lockgroup_info", [outP("lockgroup_info", ool(120))], (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST)),
  routine(219, "host_statistics64", [inP("flavor", int32), infoOut("host_info64_out", HOST_INFO64_MAX)], (call, a) => {
    if (!host(call)) return KERN_INVALID_HOST;
    const r = hostStatistics64(call.kernel, num(a, "flavor"), Math.min(num(a, "host_info64_outCnt"), HOST_INFO64_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info64_out: r.info };
  }),
  routine(220, "mach_zone_info", [outP("names", ool(80)), outP("info", ool(64))], (call) => (hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST)),
  routine(221, "mach_zone_force_gc", [], (call) => (host(call) ? KERN_SUCCESS : KERN_INVALID_HOST)),
  routine(222, "host_create_mach_voucher", [inP("recipes", array(1, 5120)), outP("voucher", sendPort)], (call) =>
    host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_ARGUMENT,
  ),
  routine(
    223,
    "host_register_mach_voucher_attr_manager",
    [inP("attr_manager", sendPort), inP("default_value", uint64), outP("new_key", uint32), outP("new_attr_control", sendPort)],
    (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST),
  ),
  routine(
    224,
    "host_register_well_known_mach_voucher_attr_manager",
    [inP("attr_manager", sendPort), inP("default_value", uint64), inP("key", uint32), outP("new_attr_control", sendPort)],
    (call) => (host(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST),
  ),
  routine(225, "host_set_atm_diagnostic_flag", [inP("diagnostic_flag", uint32)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    call.kernel.atmDiagnosticFlag = num(a, "diagnostic_flag");
    return KERN_SUCCESS;
  }),
  routine(227, "mach_memory_info", [outP("names", ool(80)), outP("info", ool(64)), outP("memory_info", ool(64))], (call) =>
    hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST,
  ),
  routine(228, "host_set_multiuser_config_flags", [inP("multiuser_flags", uint32)], () => KERN_NOT_SUPPORTED),
  // 210-212, 226, 229, 230 are skips in the kernel: MIG_BAD_ID.
];
