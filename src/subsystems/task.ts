/**
 * The task subsystem (3400) on task ports: the routines machipc serves, at
 * xnu-3248's ids. The exception-port routines join them from task_exc.ts.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP, type PortArg } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  ledger_array_t,
  mach_port_array_t,
  mach_port_t,
  task_flavor_t,
  task_info_t,
  task_name_t,
  task_t,
  thread_act_array_t,
  thread_act_t,
  thread_state_flavor_t,
  thread_state_t,
} from "../mig/defs_types.js";
import { TASK_PORT_REGISTER_MAX, convertPortToTaskName, machPortsLookup, machPortsRegister } from "../kern/ipc_tt.js";
import { TASK_INFO_MAX, taskInfo } from "../kern/task_info.js";
import type { Task } from "../kern/task.js";
import { portMakeSend } from "../ipc/right.js";
import type { KernelCall } from "../kern/kernel.js";
import { taskGetSpecialPort, taskSetSpecialPort } from "../kern/task_special.js";
import { taskResumeLegacy, taskSuspendLegacy } from "../kern/task_suspend.js";
import { num, portArg, routinesOn, taskOf } from "./common.js";
import { taskExceptionRoutines } from "./exc_ports_tt.js";
import { taskMoreRoutines } from "./task_more.js";
import { taskSyncRoutines } from "./task_sync.js";

export const TASK_BASE = 3400;
export const TASK_END = 3442;

const routine = routinesOn(inP("target_task", task_t));
const onTask = inP("task", task_t);
const onParent = inP("parent_task", task_t);
const target = (call: KernelCall) => taskOf(call.port);

/** task_set_info's one settable flavor (CONFIG_ATM) and its count. */
const TASK_TRACE_MEMORY_INFO = 24;
const TASK_TRACE_MEMORY_INFO_COUNT = 4;

export const taskRoutines: Routine<KernelCall>[] = [
  routine(
    3400,
    "task_create",
    [inP("ledgers", ledger_array_t), inP("inherit_memory", boolean_t), outP("child_task", task_t)],
    // xnu-3248 checks the parent, then refuses: tasks come only with processes.
    (call) => (target(call) ? KERN_FAILURE : KERN_INVALID_ARGUMENT),
  ),
  routine(3401, "task_terminate", [], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    task.terminate();
    return KERN_SUCCESS;
  }),
  routine(3402, "task_threads", [outP("act_list", thread_act_array_t)], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    // convert_thread_to_port: a made send right to each thread's own port.
    return { act_list: task.threads.filter((t) => t.active).map((t) => portMakeSend(t.ports.ithSelf)) };
  }),
  routine(3403, "mach_ports_register", [inP("init_port_set", mach_port_array_t)], (call, a) => {
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
  routine(3404, "mach_ports_lookup", [outP("init_port_set", mach_port_array_t)], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    return { init_port_set: machPortsLookup(task.ports) };
  }),
  routine(3405, "task_info", [inP("flavor", task_flavor_t), outP("task_info_out", task_info_t, { countInOut: true })], (call, a) => {
    // task_name_t: a task or task-name port.
    const task = convertPortToTaskName<Task>(call.port);
    if (!task || !task.active) return KERN_INVALID_ARGUMENT;
    const r = taskInfo(task, num(a, "flavor"), Math.min(num(a, "task_info_outCnt"), TASK_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { task_info_out: r.info };
  }, inP("target_task", task_name_t)),
  routine(3406, "task_set_info", [inP("flavor", task_flavor_t), inP("task_info_in", task_info_t)], (call, a) => {
    if (!target(call)) return KERN_INVALID_ARGUMENT;
    const words = a["task_info_in"] as number[];
    // Only TASK_TRACE_MEMORY_INFO is settable, and only with ATM's trace buffers, which machipc does not model.
    if (num(a, "flavor") === TASK_TRACE_MEMORY_INFO && words.length === TASK_TRACE_MEMORY_INFO_COUNT) return KERN_NOT_SUPPORTED;
    return KERN_INVALID_ARGUMENT;
  }),
  routine(3407, "task_suspend", [], (call) => taskSuspendLegacy(call.caller, target(call))),
  routine(3408, "task_resume", [], (call) => taskResumeLegacy(call.caller, target(call))),
  routine(3409, "task_get_special_port", [inP("which_port", c_int), outP("special_port", mach_port_t)], (call, a) => {
    const r = taskGetSpecialPort(target(call), num(a, "which_port"));
    return r.kr !== KERN_SUCCESS ? r.kr : { special_port: r.port };
  }, onTask),
  routine(3410, "task_set_special_port", [inP("which_port", c_int), inP("special_port", mach_port_t)], (call, a) =>
    taskSetSpecialPort(target(call), num(a, "which_port"), portArg(a, "special_port").port),
  onTask),
  routine(3411, "thread_create", [outP("child_act", thread_act_t)], (call) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    // A new thread starts suspended once (thread_create_internal's user stop).
    const thread = task.createThread();
    thread.suspendCount = 1;
    return { child_act: portMakeSend(thread.ports.ithSelf) };
  }, onParent),
  routine(
    3412,
    "thread_create_running",
    [inP("flavor", thread_state_flavor_t), inP("new_state", thread_state_t), outP("child_act", thread_act_t)],
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
    onParent,
  ),
  ...taskExceptionRoutines,
  ...taskSyncRoutines,
  ...taskMoreRoutines,
];
