/**
 * The task subsystem (3400) on task ports: the routines machipc serves, at
 * xnu-3248's ids. The exception-port routines join them from task_exc.ts.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { array, inP, int32, oolPorts, outP, sendPort, uint32, type PortArg } from "../mig/types.js";
import { TASK_PORT_REGISTER_MAX, convertPortToTaskName, machPortsLookup, machPortsRegister } from "../kern/ipc_tt.js";
import { TASK_INFO_MAX, taskInfo } from "../kern/task_info.js";
import type { Task } from "../kern/task.js";
import { portMakeSend } from "../ipc/right.js";
import type { KernelCall } from "../kern/kernel.js";
import { taskGetSpecialPort, taskSetSpecialPort } from "../kern/task_special.js";
import { num, portArg, routine, taskOf } from "./common.js";
import { taskExceptionRoutines } from "./exc_ports_tt.js";

export const TASK_BASE = 3400;
export const TASK_END = 3442;

const target = (call: KernelCall) => taskOf(call.port);

/** task_set_info's one settable flavor (CONFIG_ATM) and its count. */
const TASK_TRACE_MEMORY_INFO = 24;
const TASK_TRACE_MEMORY_INFO_COUNT = 4;
/** thread_state_t is array[*:THREAD_STATE_MAX] of natural_t. */
const THREAD_STATE_MAX = 224;

export const taskRoutines: Routine<KernelCall>[] = [
  routine(
    3400,
    "task_create",
    [inP("ledgers", oolPorts()), inP("inherit_memory", uint32), outP("child_task", sendPort)],
    // xnu-3248 checks the parent, then refuses: tasks come only with processes.
    (call) => (target(call) ? KERN_FAILURE : KERN_INVALID_ARGUMENT),
  ),
  routine(3401, "task_terminate", [], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    task.terminate();
    return KERN_SUCCESS;
  }),
  routine(3402, "task_threads", [outP("act_list", oolPorts())], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    // convert_thread_to_port: a made send right to each thread's own port.
    return { act_list: task.threads.filter((t) => t.active).map((t) => portMakeSend(t.ports.ithSelf)) };
  }),
  routine(3403, "mach_ports_register", [inP("init_port_set", oolPorts())], (call, a) => {
    const ports = a["init_port_set"] as PortArg[];
    const task = target(call);
    if (!task || ports.length > TASK_PORT_REGISTER_MAX) return KERN_INVALID_ARGUMENT;
    // The rights are consumed on success (on failure the request is destroyed with them).
    machPortsRegister(
      task.ports,
      ports.map((p) => p.port),
    );
    return KERN_SUCCESS;
  }),
  routine(3404, "mach_ports_lookup", [outP("init_port_set", oolPorts())], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    return { init_port_set: machPortsLookup(task.ports) };
  }),
  routine(3405, "task_info", [inP("flavor", int32), outP("task_info_out", array(4, TASK_INFO_MAX), { countInOut: true })], (call, a) => {
    // task_name_t: a task or task-name port.
    const task = convertPortToTaskName<Task>(call.port);
    if (!task || !task.active) return KERN_INVALID_ARGUMENT;
    const r = taskInfo(task, num(a, "flavor"), Math.min(num(a, "task_info_outCnt"), TASK_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { task_info_out: r.info };
  }),
  routine(3406, "task_set_info", [inP("flavor", int32), inP("task_info_in", array(4, TASK_INFO_MAX))], (call, a) => {
    if (!target(call)) return KERN_INVALID_ARGUMENT;
    const words = a["task_info_in"] as number[];
    // Only TASK_TRACE_MEMORY_INFO is settable, and only with ATM's trace buffers, which machipc does not model.
    if (num(a, "flavor") === TASK_TRACE_MEMORY_INFO && words.length === TASK_TRACE_MEMORY_INFO_COUNT) return KERN_NOT_SUPPORTED;
    return KERN_INVALID_ARGUMENT;
  }),
  routine(3407, "task_suspend", [], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    task.suspendCount++;
    return KERN_SUCCESS;
  }),
  routine(3408, "task_resume", [], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    if (task.suspendCount === 0) return KERN_FAILURE;
    task.suspendCount--;
    return KERN_SUCCESS;
  }),
  routine(3409, "task_get_special_port", [inP("which_port", int32), outP("special_port", sendPort)], (call, a) => {
    const r = taskGetSpecialPort(target(call), num(a, "which_port"));
    return r.kr !== KERN_SUCCESS ? r.kr : { special_port: r.port };
  }),
  routine(3410, "task_set_special_port", [inP("which_port", int32), inP("special_port", sendPort)], (call, a) =>
    taskSetSpecialPort(target(call), num(a, "which_port"), portArg(a, "special_port").port),
  ),
  routine(3411, "thread_create", [outP("child_act", sendPort)], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    // A new thread starts suspended once (thread_create_internal's user stop).
    const thread = task.createThread();
    thread.suspendCount = 1;
    return { child_act: portMakeSend(thread.ports.ithSelf) };
  }),
  routine(
    3412,
    "thread_create_running",
    [inP("flavor", int32), inP("new_state", array(4, THREAD_STATE_MAX)), outP("child_act", sendPort)],
    (call, a) => {
      const task = target(call);
      if (!task) return KERN_INVALID_ARGUMENT;
      const thread = task.createThread();
      const kr = thread.state.set(
        num(a, "flavor"),
        Uint32Array.from(a["new_state"] as number[], (w) => w >>> 0),
      );
      if (kr !== KERN_SUCCESS) {
        // A state the thread cannot take ends it before anyone sees it.
        thread.terminate();
        return kr;
      }
      return { child_act: portMakeSend(thread.ports.ithSelf) };
    },
  ),
  ...taskExceptionRoutines,
];
