/**
 * The task subsystem (3400) on task ports: the routines machipc serves, at
 * xnu-3248's ids. The exception-port routines join them from task_exc.ts.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { array, inP, int32, oolPorts, outP, sendPort } from "../mig/types.js";
import { convertPortToTaskName } from "../kern/ipc_tt.js";
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

export const taskRoutines: Routine<KernelCall>[] = [
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
  routine(3405, "task_info", [inP("flavor", int32), outP("task_info_out", array(4, TASK_INFO_MAX), { countInOut: true })], (call, a) => {
    // task_name_t: a task or task-name port.
    const task = convertPortToTaskName<Task>(call.port);
    if (!task || !task.active) return KERN_INVALID_ARGUMENT;
    const r = taskInfo(task, num(a, "flavor"), Math.min(num(a, "task_info_outCnt"), TASK_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { task_info_out: r.info };
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
  ...taskExceptionRoutines,
];
