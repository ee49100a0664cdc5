/**
 * task_get/set_special_port and thread_get/set_special_port (osfmk/kern/ipc_tt.c, xnu-3248).
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NO_ACCESS, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { ipValid, type PortRef } from "../ipc/port.js";
import { portCopySend, portMakeSend, portReleaseSend } from "../ipc/right.js";
import {
  TASK_ACCESS_PORT,
  TASK_BOOTSTRAP_PORT,
  TASK_DEBUG_CONTROL_PORT,
  TASK_HOST_PORT,
  TASK_KERNEL_PORT,
  TASK_NAME_PORT,
  TASK_SEATBELT_PORT,
  THREAD_KERNEL_PORT,
  type TaskPorts,
} from "./ipc_tt.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

type Slot = "itkSself" | "itkHost" | "itkBootstrap" | "itkSeatbelt" | "itkTaskAccess" | "itkDebugControl";

const SLOTS: Record<number, Slot> = {
  [TASK_KERNEL_PORT]: "itkSself",
  [TASK_HOST_PORT]: "itkHost",
  [TASK_BOOTSTRAP_PORT]: "itkBootstrap",
  [TASK_SEATBELT_PORT]: "itkSeatbelt",
  [TASK_ACCESS_PORT]: "itkTaskAccess",
  [TASK_DEBUG_CONTROL_PORT]: "itkDebugControl",
};

/** task_get_special_port: a copied send right (a made one for the name port). */
export function taskGetSpecialPort(task: Task | null, which: number): { kr: KernReturn; port: PortRef } {
  if (!task) return { kr: KERN_INVALID_ARGUMENT, port: null };
  if (!task.active) return { kr: KERN_FAILURE, port: null };
  const p: TaskPorts = task.ports;
  if (which === TASK_NAME_PORT) return { kr: KERN_SUCCESS, port: portMakeSend(p.itkNself) };
  const slot = SLOTS[which];
  if (!slot) return { kr: KERN_INVALID_ARGUMENT, port: null };
  return { kr: KERN_SUCCESS, port: portCopySend(p[slot]) };
}

/**
 * task_set_special_port: the slot takes the right (consumed on success), the
 * previous right is released. The seatbelt and task-access ports cannot be replaced once set.
 */
export function taskSetSpecialPort(task: Task | null, which: number, port: PortRef): KernReturn {
  if (!task) return KERN_INVALID_ARGUMENT;
  const slot = SLOTS[which];
  if (!slot) return KERN_INVALID_ARGUMENT;
  if (!task.active) return KERN_FAILURE;
  const p = task.ports;
  if ((which === TASK_SEATBELT_PORT || which === TASK_ACCESS_PORT) && ipValid(p[slot])) return KERN_NO_ACCESS;
  const old = p[slot];
  p[slot] = port;
  if (ipValid(old)) portReleaseSend(old);
  return KERN_SUCCESS;
}

/** thread_get_special_port: only THREAD_KERNEL_PORT exists. */
export function threadGetSpecialPort(thread: Thread | null, which: number): { kr: KernReturn; port: PortRef } {
  if (!thread) return { kr: KERN_INVALID_ARGUMENT, port: null };
  if (!thread.active) return { kr: KERN_FAILURE, port: null };
  if (which !== THREAD_KERNEL_PORT) return { kr: KERN_INVALID_ARGUMENT, port: null };
  return { kr: KERN_SUCCESS, port: portCopySend(thread.ports.ithSself) };
}

export function threadSetSpecialPort(thread: Thread | null, which: number, port: PortRef): KernReturn {
  if (!thread) return KERN_INVALID_ARGUMENT;
  if (which !== THREAD_KERNEL_PORT) return KERN_INVALID_ARGUMENT;
  if (!thread.active) return KERN_FAILURE;
  const old = thread.ports.ithSself;
  thread.ports.ithSself = port;
  if (ipValid(old)) portReleaseSend(old);
  return KERN_SUCCESS;
}
