/**
 * The host_priv subsystem (400), served on the host priv port: the special
 * ports and exception ports of ipc_host.c / host.c, the processor lists, and
 * what xnu-3248 answers for the routines of features machipc does not have
 * (see docs/host_priv.md).
 */
import { HOST_LOCAL_NODE, HOST_USER_NOTIFICATION_PORT } from "../abi/host.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_INVALID_TASK,
  KERN_NO_ACCESS,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
} from "../abi/kern_return.js";
import { ipValid } from "../ipc/port.js";
import { portCopySend, portReleaseSend } from "../ipc/right.js";
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP, type PortArg } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  clock_ctrl_t,
  clock_id_t,
  host_flavor_t,
  host_info_t,
  host_priv_t,
  kern_return_t,
  kernel_boot_info_t,
  kmod_args_t,
  kmod_control_flavor_t,
  kmod_t,
  mach_port_t,
  mach_vm_address_t,
  mach_vm_size_t,
  memory_object_cluster_size_t,
  memory_object_default_t,
  pointer_t,
  processor_array_t,
  processor_set_name_array_t,
  processor_set_name_t,
  processor_set_t,
  thread_act_t,
  uint32_t,
  UNDServerRef,
  vm_address_t,
  vm_map_t,
  vm_prot_t,
  vm_size_t,
} from "../mig/defs_types.js";
import { getExceptionPorts, installExceptionPorts, swapExceptionPorts, validateSet } from "../kern/exc_ports.js";
import { hostGetSpecialPort, hostSetSpecialPort } from "../kern/host_special.js";
import { hostStatistics } from "../kern/host_info.js";
import {
  convertPortToHostPriv,
  convertPortToPsetName,
  convertProcessorToPort,
  convertPsetNameToPort,
  convertPsetToPort,
  makeSendOrDead,
} from "../kern/ipc_host.js";
import { convertPortToThread } from "../kern/ipc_tt.js";
import type { KernelCall } from "../kern/kernel.js";
import { macCheckSetHostExceptionPort, macCheckSetHostSpecialPort } from "../kern/mac.js";
import type { Thread } from "../kern/thread.js";
import { EXC_ARRAY_MAX, exceptionOuts, setArgs, getExceptionParams, setExceptionParams, swapExceptionParams } from "./exc_args.js";
import { routinesOn, taskOf } from "./common.js";

export const HOST_PRIV_BASE = 400;
export const HOST_PRIV_END = 426;

const hostPriv = (call: KernelCall) => convertPortToHostPriv(call.port);
const routine = routinesOn(inP("host_priv", host_priv_t));
const onHost = inP("host", host_priv_t);

export const hostPrivRoutines: Routine<KernelCall>[] = [
  routine(400, "host_get_boot_info", [outP("boot_info", kernel_boot_info_t)], (call) =>
    hostPriv(call) ? { boot_info: call.kernel.bootInfo } : KERN_INVALID_HOST,
  ),
  routine(401, "host_reboot", [inP("options", c_int)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_HOST;
    // machipc does not halt the machine it runs on; it records the request for its embedder.
    call.kernel.rebootRequests.push(a.options as number);
    return KERN_SUCCESS;
  }),
  routine(402, "host_priv_statistics", [inP("flavor", host_flavor_t), outP("host_info_out", host_info_t, { countInOut: true })], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_HOST;
    const r = hostStatistics(call.kernel, a.flavor as number, Math.min(a.host_info_outCnt as number, 68));
    return r.kr !== KERN_SUCCESS ? r.kr : { host_info_out: r.info };
  }),
  routine(403, "host_default_memory_manager", [inoutP("default_manager", memory_object_default_t), inP("cluster_size", memory_object_cluster_size_t)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_HOST;
    // Only the kernel task may install a default pager; asking (a null manager) reads the current one: none.
    if (ipValid((a.default_manager as PortArg).port)) return KERN_NO_ACCESS;
    return { default_manager: null };
  }),
  routine(404, "vm_wire", [inP("task", vm_map_t, { intran: true }), inP("address", vm_address_t), inP("size", vm_size_t), inP("desired_access", vm_prot_t)], (call, a) =>
    vmWire(call, a),
  ),
  routine(405, "thread_wire", [inP("thread", thread_act_t, { intran: true }), inP("wired", boolean_t)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    if (!convertPortToThread<Thread>((a.thread as PortArg).port)) return KERN_INVALID_ARGUMENT;
    return KERN_SUCCESS;
  }),
  routine(406, "vm_allocate_cpm", [inP("task", vm_map_t, { intran: true }), inoutP("address", vm_address_t), inP("size", vm_size_t), inP("flags", c_int)], (call) =>
    // Contiguous physical memory allocation is compiled out of release kernels.
    hostPriv(call) ? KERN_FAILURE : KERN_INVALID_HOST,
  ),
  routine(407, "host_processors", [outP("out_processor_list", processor_array_t)], (call) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    return { out_processor_list: call.kernel.processors.map((p) => convertProcessorToPort(p)) };
  }),
  routine(408, "host_get_clock_control", [inP("clock_id", clock_id_t), outP("clock_ctrl", clock_ctrl_t)], (call, a) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    const clock = call.kernel.clocks[a.clock_id as number];
    return clock ? { clock_ctrl: makeSendOrDead(clock.ctrlPort) } : KERN_INVALID_ARGUMENT;
  }),
  routine(409, "kmod_create", [inP("info", vm_address_t), outP("module", kmod_t)], () => KERN_NOT_SUPPORTED),
  routine(410, "kmod_destroy", [inP("module", kmod_t)], () => KERN_NOT_SUPPORTED),
  routine(411, "kmod_control", [inP("module", kmod_t), inP("flavor", kmod_control_flavor_t), inoutP("data", kmod_args_t)], () => KERN_NOT_SUPPORTED),
  routine(412, "host_get_special_port", [inP("node", c_int), inP("which", c_int), outP("port", mach_port_t)], (call, a) => {
    // A success is its own result object ({ kr, port }): the reply's out-parameter is `port`.
    const r = hostGetSpecialPort(hostPriv(call), a.node as number, a.which as number);
    return r.kr !== KERN_SUCCESS ? r.kr : r;
  }),
  routine(413, "host_set_special_port", [inP("which", c_int), inP("port", mach_port_t)], (call, a) => {
    const which = a.which as number;
    const port = (a.port as PortArg).port;
    return hostSetSpecialPort(hostPriv(call), which, port, () => macCheckSetHostSpecialPort(call.kernel.mac, call.caller, which, port));
  }),
  routine(414, "host_set_exception_ports", setExceptionParams, (call, a) => {
    const host = hostPriv(call);
    if (!host) return KERN_INVALID_ARGUMENT;
    const { mask, port, behavior, flavor } = setArgs(a);
    const kr = validateSet(mask, port, behavior, flavor, {
      arch: call.kernel.options.arch,
      maskBehavior: true,
      macCheck: macCheckSetHostExceptionPort(call.kernel.mac, call.caller),
    });
    if (kr !== KERN_SUCCESS) return kr;
    installExceptionPorts(host.excActions, mask, port, behavior, flavor, false);
    return KERN_SUCCESS;
  }),
  routine(415, "host_get_exception_ports", getExceptionParams, (call, a) => {
    const host = hostPriv(call);
    if (!host) return KERN_INVALID_ARGUMENT;
    const r = getExceptionPorts(host.excActions, a.exception_mask as number, EXC_ARRAY_MAX, call.kernel.options.fixes.getExceptionPortsCount);
    return r.kr !== KERN_SUCCESS ? r.kr : exceptionOuts(r.info);
  }),
  routine(416, "host_swap_exception_ports", swapExceptionParams("old_handlerss"), (call, a) => {
    const host = hostPriv(call);
    if (!host) return KERN_INVALID_ARGUMENT;
    const { mask, port, behavior, flavor } = setArgs(a);
    // xnu-3248 checks the behavior here without masking MACH_EXCEPTION_CODES (docs/xnu-bugs.md).
    const kr = validateSet(mask, port, behavior, flavor, {
      arch: call.kernel.options.arch,
      maskBehavior: call.kernel.options.fixes.swapExceptionBehavior,
      macCheck: macCheckSetHostExceptionPort(call.kernel.mac, call.caller),
    });
    if (kr !== KERN_SUCCESS) return kr;
    return exceptionOuts(swapExceptionPorts(host.excActions, mask, port, behavior, flavor, false, EXC_ARRAY_MAX), "old_handlerss");
  }),
  routine(
    418,
    "mach_vm_wire",
    [inP("task", vm_map_t, { intran: true }), inP("address", mach_vm_address_t), inP("size", mach_vm_size_t), inP("desired_access", vm_prot_t)],
    (call, a) => vmWire(call, a),
  ),
  routine(419, "host_processor_sets", [outP("processor_sets", processor_set_name_array_t)], (call) => {
    if (!hostPriv(call)) return KERN_INVALID_ARGUMENT;
    return { processor_sets: [convertPsetNameToPort(call.kernel.pset0)] };
  }),
  routine(420, "host_processor_set_priv", [inP("set_name", processor_set_name_t, { intran: true }), outP("set", processor_set_t)], (call, a) => {
    const host = hostPriv(call);
    const pset = convertPortToPsetName((a.set_name as PortArg).port);
    if (!host || !pset) return KERN_INVALID_ARGUMENT;
    return { set: convertPsetToPort(pset) };
  }),
  // vm/memory_object.c keeps the dynamic pager's control port in a variable of its own, not a special port slot.
  routine(421, "set_dp_control_port", [inP("control_port", mach_port_t)], (call, a) => {
    const host = hostPriv(call);
    if (!host) return KERN_INVALID_HOST;
    const old = host.dpControlPort;
    host.dpControlPort = (a.control_port as PortArg).port;
    if (ipValid(old)) portReleaseSend(old);
    return KERN_SUCCESS;
  }, onHost),
  routine(422, "get_dp_control_port", [outP("contorl_port", mach_port_t)], (call) => {
    const host = hostPriv(call);
    if (!host) return KERN_INVALID_HOST;
    return { contorl_port: portCopySend(host.dpControlPort) };
  }, onHost),
  // host_set/get_user_notification_port: host_set/get_special_port on HOST_USER_NOTIFICATION_PORT, MAC check included.
  routine(423, "host_set_UNDServer", [inP("server", UNDServerRef)], (call, a) => {
    const port = (a.server as PortArg).port;
    return hostSetSpecialPort(hostPriv(call), HOST_USER_NOTIFICATION_PORT, port, () =>
      macCheckSetHostSpecialPort(call.kernel.mac, call.caller, HOST_USER_NOTIFICATION_PORT, port),
    );
  }, onHost),
  routine(424, "host_get_UNDServer", [outP("server", UNDServerRef)], (call) => {
    const r = hostGetSpecialPort(hostPriv(call), HOST_LOCAL_NODE, HOST_USER_NOTIFICATION_PORT);
    return r.kr !== KERN_SUCCESS ? r.kr : { server: r.port };
  }, onHost),
  routine(
    425,
    "kext_request",
    [inP("user_log_flags", uint32_t), inP("request_data", pointer_t), outP("response_data", pointer_t), outP("log_data", pointer_t), outP("op_result", kern_return_t)],
    (call) => (hostPriv(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_HOST),
  ),
];

function vmWire(call: KernelCall, a: Record<string, unknown>) {
  if (!hostPriv(call)) return KERN_INVALID_HOST;
  const task = taskOf((a.task as PortArg).port);
  if (!task) return KERN_INVALID_TASK;
  const access = a.desired_access as number;
  if (access & ~7) return KERN_INVALID_ARGUMENT;
  // Wiring is a no-op here, but only for memory the task has.
  const size = Number(a.size as bigint);
  return size === 0 || task.vm.read(a.address as bigint, size) ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
}
