/**
 * osfmk/kern/ipc_tt.c: task and thread ports, their special ports, and the
 * conversions from ports back to tasks, spaces and threads.
 */
import { IKOT_TASK, IKOT_TASK_NAME, IKOT_THREAD, IKOT_NONE } from "../abi/ikot.js";
import { ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import { portCopySend, portDestroy, portMakeSend, portReleaseSend } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { ExceptionAction } from "./exc_action.js";

/** The task special port numbers (osfmk/mach/task_special_ports.h). */
export const TASK_KERNEL_PORT = 1;
export const TASK_HOST_PORT = 2;
export const TASK_NAME_PORT = 3;
export const TASK_BOOTSTRAP_PORT = 4;
export const TASK_SEATBELT_PORT = 7;
export const TASK_ACCESS_PORT = 9;
export const TASK_DEBUG_CONTROL_PORT = 10;
export const TASK_RESOURCE_NOTIFY_PORT = 11;
export const THREAD_KERNEL_PORT = 1;
/** How many send rights mach_ports_register stashes (osfmk/mach/mach_param.h). */
export const TASK_PORT_REGISTER_MAX = 3;

/** The IPC half of a task, as struct task's itk_* fields. */
export interface TaskPorts {
  itkSelf: IpcPort;
  itkNself: IpcPort;
  itkSself: PortRef;
  itkHost: PortRef;
  itkBootstrap: PortRef;
  itkSeatbelt: PortRef;
  itkGssd: PortRef;
  itkTaskAccess: PortRef;
  itkDebugControl: PortRef;
  itkResourceNotify: PortRef;
  /** mach_ports_register's stash, inherited by child tasks. */
  itkRegistered: PortRef[];
}

export function ipcTaskInit(kernelSpace: IpcSpace, task: unknown, parent: TaskPorts | null, hostPort: PortRef): TaskPorts {
  const itkSelf = kobjectAlloc(kernelSpace, IKOT_NONE, null);
  const itkNself = kobjectAlloc(kernelSpace, IKOT_NONE, null);
  const ports: TaskPorts = {
    itkSelf,
    itkNself,
    itkSself: portMakeSend(itkSelf),
    itkHost: parent ? portCopySend(parent.itkHost) : portCopySend(hostPort),
    itkBootstrap: parent ? portCopySend(parent.itkBootstrap) : null,
    itkSeatbelt: parent ? portCopySend(parent.itkSeatbelt) : null,
    itkGssd: parent ? portCopySend(parent.itkGssd) : null,
    itkTaskAccess: parent ? portCopySend(parent.itkTaskAccess) : null,
    itkDebugControl: null,
    itkResourceNotify: null,
    itkRegistered: Array.from({ length: TASK_PORT_REGISTER_MAX }, (_, i) => (parent ? portCopySend(parent.itkRegistered[i] ?? null) : null)),
  };
  // ipc_task_enable
  kobjectSet(itkSelf, IKOT_TASK, task);
  kobjectSet(itkNself, IKOT_TASK_NAME, task);
  return ports;
}

/** Every send right a task's port table holds (for termination and the invariant checker). */
export function* taskHeldRights(p: TaskPorts): IterableIterator<PortRef> {
  yield p.itkSself;
  yield p.itkHost;
  yield p.itkBootstrap;
  yield p.itkSeatbelt;
  yield p.itkGssd;
  yield p.itkTaskAccess;
  yield p.itkDebugControl;
  yield p.itkResourceNotify;
  yield* p.itkRegistered;
}

/** ipc_task_terminate: release the held rights and destroy the kernel ports. */
export function ipcTaskTerminate(p: TaskPorts): void {
  for (const r of taskHeldRights(p)) if (ipValid(r)) portReleaseSend(r);
  p.itkSself = p.itkHost = p.itkBootstrap = p.itkSeatbelt = p.itkGssd = p.itkTaskAccess = null;
  p.itkDebugControl = p.itkResourceNotify = null;
  p.itkRegistered.fill(null);
  kobjectSet(p.itkSelf, IKOT_NONE, null);
  kobjectSet(p.itkNself, IKOT_NONE, null);
  portDestroy(p.itkSelf);
  portDestroy(p.itkNself);
}

/** Release every send right in an exception action table and empty it. */
export function releaseExceptionActions(actions: ExceptionAction[] | null): void {
  if (!actions) return;
  for (const a of actions) {
    if (ipValid(a.port)) portReleaseSend(a.port);
    a.port = null;
    a.behavior = 0;
    a.flavor = 0;
    a.privileged = false;
  }
}

export interface ThreadPorts {
  ithSelf: IpcPort;
  ithSself: PortRef;
}

export function ipcThreadInit(kernelSpace: IpcSpace, thread: unknown): ThreadPorts {
  const ithSelf = kobjectAlloc(kernelSpace, IKOT_THREAD, thread);
  return { ithSelf, ithSself: portMakeSend(ithSelf) };
}

export function ipcThreadTerminate(p: ThreadPorts): void {
  if (ipValid(p.ithSself)) portReleaseSend(p.ithSself);
  p.ithSself = null;
  kobjectSet(p.ithSelf, IKOT_NONE, null);
  portDestroy(p.ithSelf);
}

const kobjectOf = <T>(port: PortRef, kotype: number): T | null =>
  ipValid(port) && port.active && port.kotype === kotype ? (port.kobject as T) : null;

/** convert_port_to_task. */
export const convertPortToTask = <T>(port: PortRef): T | null => kobjectOf<T>(port, IKOT_TASK);
/** convert_port_to_task_name: a task or task-name port. */
export const convertPortToTaskName = <T>(port: PortRef): T | null =>
  kobjectOf<T>(port, IKOT_TASK) ?? kobjectOf<T>(port, IKOT_TASK_NAME);
/** convert_port_to_thread. */
export const convertPortToThread = <T>(port: PortRef): T | null => kobjectOf<T>(port, IKOT_THREAD);

/** mach_ports_register: stash up to TASK_PORT_REGISTER_MAX send rights (consumed), releasing the old ones. */
export function machPortsRegister(p: TaskPorts, ports: PortRef[]): void {
  const old = p.itkRegistered;
  p.itkRegistered = Array.from({ length: TASK_PORT_REGISTER_MAX }, (_, i) => ports[i] ?? null);
  for (const r of old) if (ipValid(r)) portReleaseSend(r);
}

/** mach_ports_lookup: a copy of each stashed send right (null where none). */
export function machPortsLookup(p: TaskPorts): PortRef[] {
  return p.itkRegistered.map((r) => portCopySend(r));
}
