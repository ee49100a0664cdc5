/**
 * task_suspend2 / task_resume2 and their suspension tokens (osfmk/kern/task.c,
 * ipc_tt.c): each task_suspend2 places one hold and hands back a send-once
 * right to the task's resume port (itk_resume, IKOT_TASK_RESUME); using it for
 * task_resume2 releases the hold, and so does destroying it unused, through the
 * MACH_NOTIFY_SEND_ONCE the resume port then gets (task_suspension_notify).
 */
import { IKOT_NONE, IKOT_TASK_RESUME } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_NOTIFY_SEND_ONCE } from "../abi/port.js";
import { ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import { portDestroy, portMakeSendOnce } from "../ipc/right.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { Task } from "./task.js";

/** place_task_hold(TASK_HOLD_NORMAL), as task_suspend_internal calls it. */
function placeHold(task: Task | null): KernReturn {
  if (!task || task === task.kernel.kernelTask) return KERN_INVALID_ARGUMENT;
  if (!task.active) return KERN_FAILURE;
  task.suspendCount++;
  return KERN_SUCCESS;
}

/** task_resume_internal: release_task_hold(TASK_HOLD_NORMAL). */
export function taskResumeInternal(task: Task | null): KernReturn {
  if (!task || task === task.kernel.kernelTask) return KERN_INVALID_ARGUMENT;
  if (!task.active || task.suspendCount === 0) return KERN_FAILURE;
  task.suspendCount--;
  return KERN_SUCCESS;
}

/** task_suspend2: a hold, and convert_task_suspension_token_to_port's send-once right. */
export function taskSuspend2(task: Task | null): { kr: KernReturn; token: IpcPort | null } {
  const kr = placeHold(task);
  if (kr !== KERN_SUCCESS) return { kr, token: null };
  const t = task!;
  if (!t.resumePort) {
    t.resumePort = kobjectAlloc(t.kernel.kernelSpace, IKOT_TASK_RESUME, t);
    t.kernel.addKernelPort(t.resumePort);
  }
  return { kr: KERN_SUCCESS, token: portMakeSendOnce(t.resumePort) };
}

/** convert_port_to_task_suspension_token. */
export function convertPortToSuspensionToken(port: PortRef): Task | null {
  return ipValid(port) && port.active && port.kotype === IKOT_TASK_RESUME ? (port.kobject as Task) : null;
}

/** task_suspension_notify: an abandoned token (its send-once notification) releases its hold. */
export function taskSuspensionNotify(port: IpcPort, id: number): void {
  const task = convertPortToSuspensionToken(port);
  if (!task || task === task.kernel.kernelTask) return;
  if (id === MACH_NOTIFY_SEND_ONCE && task.active && task.suspendCount > 0) task.suspendCount--;
}

/** ipc_task_terminate: the resume port dies with the task. */
export function taskResumePortTerminate(task: Task): void {
  const p = task.resumePort;
  if (!p) return;
  task.resumePort = null;
  task.kernel.removeKernelPort(p);
  kobjectSet(p, IKOT_NONE, null);
  portDestroy(p);
}
