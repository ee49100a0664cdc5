/** The processor_set subsystem (4000), served on pset0's control and name ports. */
import { PROCESSOR_SET_INFO_MAX } from "../abi/host.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_PROCESSOR_SET, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../abi/kern_return.js";
import { IP_DEAD, type PortRef } from "../ipc/port.js";
import { portMakeSend } from "../ipc/right.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  c_unsigned,
  host_t,
  processor_set_flavor_t,
  processor_set_info_t,
  processor_set_name_t,
  processor_set_t,
  task_array_t,
  thread_act_array_t,
  vm_offset_t,
  vm_size_t,
} from "../mig/defs_types.js";
import { processorSetInfo, processorSetStatistics } from "../kern/host_info.js";
import { convertHostToPort, convertPortToPset, convertPortToPsetName } from "../kern/ipc_host.js";
import type { KernelCall } from "../kern/kernel.js";
import { num, routinesOn } from "./common.js";
import { macCheckExposeTask } from "../kern/mac.js";
import type { Task } from "../kern/task.js";

export const PROCESSOR_SET_BASE = 4000;
export const PROCESSOR_SET_END = 4010;

const routine = routinesOn(inP("processor_set", processor_set_t));
const infoOut = outP("info_out", processor_set_info_t, { countInOut: true });
/** processor_set_things under CONFIG_MACF: every task (kernel_task too), less those mac_task_check_expose_task refuses. */
function exposedTasks(call: KernelCall): Task[] {
  const caller = call.caller as Task | null;
  return [...call.kernel.tasks.values()].filter((t) => t.active && macCheckExposeTask(call.kernel.mac, caller, t) === 0);
}

const madeSend = (port: import("../ipc/port.js").IpcPort): PortRef => (port.active ? portMakeSend(port) : IP_DEAD);

export const processorSetRoutines: Routine<KernelCall>[] = [
  routine(4000, "processor_set_statistics", [inP("flavor", processor_set_flavor_t), infoOut], (call, a) => {
    const pset = convertPortToPsetName(call.port);
    if (!pset || pset !== call.kernel.pset0) return KERN_INVALID_PROCESSOR_SET;
    const r = processorSetStatistics(call.kernel, num(a, "flavor"), Math.min(num(a, "info_outCnt"), PROCESSOR_SET_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { info_out: r.info };
  }, inP("pset", processor_set_name_t)),
  routine(4001, "processor_set_destroy", [], () => KERN_FAILURE, inP("set", processor_set_t)),
  routine(4002, "processor_set_max_priority", [inP("max_priority", c_int), inP("change_threads", boolean_t)], () => KERN_INVALID_ARGUMENT),
  routine(4003, "processor_set_policy_enable", [inP("policy", c_int)], () => KERN_INVALID_ARGUMENT),
  routine(4004, "processor_set_policy_disable", [inP("policy", c_int), inP("change_threads", boolean_t)], () => KERN_INVALID_ARGUMENT),
  routine(4005, "processor_set_tasks", [outP("task_list", task_array_t)], (call) => {
    const pset = convertPortToPset(call.port);
    if (!pset || pset !== call.kernel.pset0) return KERN_INVALID_ARGUMENT;
    // convert_task_to_port: a made send right to each task's own port the MAC policy lets the caller see.
    return { task_list: exposedTasks(call).map((t) => madeSend(t.ports.itkSelf)) };
  }),
  routine(4006, "processor_set_threads", [outP("thread_list", thread_act_array_t)], (call) => {
    const pset = convertPortToPset(call.port);
    if (!pset || pset !== call.kernel.pset0) return KERN_INVALID_ARGUMENT;
    // The global thread list (creation order), keeping the threads of exposed tasks.
    const threads = exposedTasks(call).flatMap((t) => t.threads.filter((th) => th.active));
    threads.sort((x, y) => x.serial - y.serial);
    return { thread_list: threads.map((th) => madeSend(th.ports.ithSelf)) };
  }),
  routine(
    4007,
    "processor_set_policy_control",
    [inP("flavor", processor_set_flavor_t), inP("policy_info", processor_set_info_t), inP("change", boolean_t)],
    () => KERN_INVALID_ARGUMENT,
    inP("pset", processor_set_t),
  ),
  routine(
    4008,
    "processor_set_stack_usage",
    [outP("ltotal", c_unsigned), outP("space", vm_size_t), outP("resident", vm_size_t), outP("maxusage", vm_size_t), outP("maxstack", vm_offset_t)],
    () => KERN_NOT_SUPPORTED,
    inP("pset", processor_set_t),
  ),
  routine(4009, "processor_set_info", [inP("flavor", c_int), outP("host", host_t), infoOut], (call, a) => {
    const pset = convertPortToPsetName(call.port);
    if (!pset) return KERN_INVALID_ARGUMENT;
    const r = processorSetInfo(call.kernel, num(a, "flavor"), Math.min(num(a, "info_outCnt"), PROCESSOR_SET_INFO_MAX));
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { host: convertHostToPort(call.kernel.host), info_out: r.info };
  }, inP("set_name", processor_set_name_t)),
];
