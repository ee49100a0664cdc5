/**
 * The two ways to suspend a task (osfmk/kern/task.c, ipc_tt.c).
 *
 * task_suspend2 / task_resume2: each task_suspend2 places one hold and hands
 * back a send-once right to the task's resume port (itk_resume,
 * IKOT_TASK_RESUME); using it for task_resume2 releases the hold, and so does
 * destroying it unused, through the MACH_NOTIFY_SEND_ONCE the resume port then
 * gets (task_suspension_notify).
 *
 * The legacy task_suspend / task_resume: the caller is not expected to manage a
 * token, so the kernel leaves a naked send right to the resume port in the
 * caller's space (a name it never learns), one user reference per hold. A
 * legacy task_resume finds that name by reverse lookup and drops a reference;
 * when the caller's last reference goes (the caller dies, or deallocates the
 * name), the resume port's no-senders request releases every legacy hold left.
 */
import { IKOT_NONE, IKOT_TASK_RESUME } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND } from "../abi/message.js";
import { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED, MACH_NOTIFY_PORT_DESTROYED, MACH_NOTIFY_SEND_ONCE } from "../abi/port.js";
import type { IpcKmsg } from "../ipc/kmsg.js";
import { ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import { COPYOUT_FAILED, copyoutObject, destroyEntry, portDestroy, portMakeSend, portMakeSendOnce, portReleaseSend, rightDealloc, rightReverse } from "../ipc/right.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { Task } from "./task.js";

/** place_task_hold / release_task_hold's modes (TASK_HOLD_PIDSUSPEND is BSD's, not modelled). */
const enum Hold {
  Normal,
  Legacy,
  LegacyAll,
}

/** place_task_hold. */
function placeHold(task: Task, mode: Hold): KernReturn {
  if (!task.active) return KERN_FAILURE;
  if (mode === Hold.Legacy) task.legacyStopCount++;
  task.suspendCount++;
  return KERN_SUCCESS;
}

/** release_task_hold: LegacyAll drops every legacy hold at once, and no more than there are holds. */
function releaseHold(task: Task, mode: Hold): KernReturn {
  if (!task.active || task.suspendCount === 0) return KERN_FAILURE;
  if (mode === Hold.LegacyAll) {
    task.suspendCount = task.legacyStopCount >= task.suspendCount ? 0 : task.suspendCount - task.legacyStopCount;
    task.legacyStopCount = 0;
  } else {
    if (mode === Hold.Legacy && task.legacyStopCount > 0) task.legacyStopCount--;
    task.suspendCount--;
  }
  return KERN_SUCCESS;
}

const isUserTask = (task: Task | null): task is Task => task !== null && task !== task.kernel.kernelTask;

/** itk_resume, made on first use. */
function resumePortOf(task: Task): IpcPort {
  if (!task.resumePort) {
    task.resumePort = kobjectAlloc(task.kernel.kernelSpace, IKOT_TASK_RESUME, task);
    task.kernel.addKernelPort(task.resumePort);
  }
  return task.resumePort;
}

/** task_resume_internal: release_task_hold(TASK_HOLD_NORMAL). */
export function taskResumeInternal(task: Task | null): KernReturn {
  if (!isUserTask(task)) return KERN_INVALID_ARGUMENT;
  return releaseHold(task, Hold.Normal);
}

/** task_suspend2: a hold, and convert_task_suspension_token_to_port's send-once right. */
export function taskSuspend2(task: Task | null): { kr: KernReturn; token: IpcPort | null } {
  if (!isUserTask(task)) return { kr: KERN_INVALID_ARGUMENT, token: null };
  const kr = placeHold(task, Hold.Normal);
  if (kr !== KERN_SUCCESS) return { kr, token: null };
  return { kr: KERN_SUCCESS, token: portMakeSendOnce(resumePortOf(task)) };
}

/**
 * The legacy task_suspend: a send right to the resume port (with a no-senders
 * request armed if none is), a legacy hold, then the right copied out into the
 * caller's space, in xnu-3248's order.
 */
export function taskSuspendLegacy(caller: Task | null, task: Task | null): KernReturn {
  if (!isUserTask(task)) return KERN_INVALID_ARGUMENT;
  const port = resumePortOf(task);
  const send = portMakeSend(port);
  const x = port.x();
  if (!x.nsrequest) x.nsrequest = portMakeSendOnce(port);
  const kr = placeHold(task, Hold.Legacy);
  if (kr !== KERN_SUCCESS) {
    portReleaseSend(send);
    return kr;
  }
  if (!caller) {
    // No calling task to hold the token (a call from outside any task): the hold stays, unreleasable by no-senders.
    portReleaseSend(send);
    return KERN_SUCCESS;
  }
  // A copyout that fails destroys the right (which may release the hold at once, as in XNU).
  return copyoutObject(caller.space, send, MACH_MSG_TYPE_PORT_SEND) === COPYOUT_FAILED ? KERN_FAILURE : KERN_SUCCESS;
}

/**
 * The legacy task_resume: release a legacy hold, then drop one reference of the
 * caller's token (all of it when there was no hold to release).
 */
export function taskResumeLegacy(caller: Task | null, task: Task | null): KernReturn {
  if (!isUserTask(task)) return KERN_INVALID_ARGUMENT;
  const kr = releaseHold(task, Hold.Legacy);
  const port = task.resumePort;
  const space = caller?.space;
  if (space && space.active && port && port.active) {
    const index = rightReverse(space, port);
    if (index >= 0) {
      const name = space.nameOf(index);
      if (kr === KERN_SUCCESS) rightDealloc(space, name);
      else destroyEntry(space, index, name);
    }
  }
  return kr;
}

/** convert_port_to_task_suspension_token. */
export function convertPortToSuspensionToken(port: PortRef): Task | null {
  return ipValid(port) && port.active && port.kotype === IKOT_TASK_RESUME ? (port.kobject as Task) : null;
}

/**
 * task_suspension_notify: an abandoned task_suspend2 token (its send-once
 * notification) releases its hold; the last legacy token going (no-senders)
 * releases every legacy hold, unless send rights were made since, when the
 * request is armed again.
 */
export function taskSuspensionNotify(port: IpcPort, kmsg: IpcKmsg): boolean {
  // ipc_kobject_notify takes these five for a resume port (even with nothing to do), no other.
  const id = kmsg.id;
  const taken =
    port.kotype === IKOT_TASK_RESUME &&
    (id === MACH_NOTIFY_NO_SENDERS || id === MACH_NOTIFY_SEND_ONCE || id === MACH_NOTIFY_PORT_DELETED || id === MACH_NOTIFY_PORT_DESTROYED || id === MACH_NOTIFY_DEAD_NAME);
  const task = convertPortToSuspensionToken(port);
  if (!isUserTask(task)) return taken;
  if (kmsg.id === MACH_NOTIFY_SEND_ONCE) releaseHold(task, Hold.Normal);
  else if (kmsg.id === MACH_NOTIFY_NO_SENDERS) {
    const notCount = new DataView(kmsg.data.buffer, kmsg.data.byteOffset, kmsg.data.byteLength).getUint32(NOT_COUNT_AT, true);
    if (port.mscount === notCount) releaseHold(task, Hold.LegacyAll);
    else if (!port.x().nsrequest) port.x().nsrequest = portMakeSendOnce(port);
  }
  return taken;
}
/** mach_no_senders_notification_t's not_count: after the header and the NDR record. */
const NOT_COUNT_AT = 32;

/** ipc_task_terminate: the resume port dies with the task. */
export function taskResumePortTerminate(task: Task): void {
  const p = task.resumePort;
  if (!p) return;
  task.resumePort = null;
  task.kernel.removeKernelPort(p);
  kobjectSet(p, IKOT_NONE, null);
  portDestroy(p);
}
