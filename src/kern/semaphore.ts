/**
 * Semaphores as task.defs creates and destroys them (osfmk/kern/sync_sema.c):
 * each is owned by the task that made it and named by a kernel port of kind
 * IKOT_SEMAPHORE. machipc has no semaphore traps; the objects, their ports and
 * their lifetime are what the routines show.
 */
import { IKOT_NONE, IKOT_SEMAPHORE } from "../abi/ikot.js";
import { KERN_INVALID_ARGUMENT, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import { portDestroy, portMakeSend } from "../ipc/right.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/** SYNC_POLICY_MAX: the highest wait-order policy value. */
export const SYNC_POLICY_MAX = 0x7;
/**
 * SEMAPHORE_MAX (PORT_MAX >> 1), the semaphore zone's limit machine-wide, with
 * scale_setup's limits: a machine of 3 GiB or more doubles task_max (1024) and
 * makes thread_max five times it (else 2560).
 */
export function semaphoreMax(memorySize: bigint): number {
  const scale = memorySize >= 3n << 30n ? 2 : 0;
  const taskMax = Math.max(1024, 1024 * scale);
  const threadMax = scale !== 0 ? taskMax * 5 : 2560;
  const portMax = taskMax * 3 + threadMax + threadMax * 2 + 40000;
  return portMax >> 1;
}

export class Semaphore {
  owner: Task | null;
  count: number;
  active = true;
  readonly port: IpcPort;

  constructor(kernel: Kernel, owner: Task, value: number) {
    this.owner = owner;
    this.count = value;
    this.port = kobjectAlloc(kernel.kernelSpace, IKOT_SEMAPHORE, this);
  }
}

/** convert_port_to_semaphore: the semaphore behind an IKOT_SEMAPHORE port, or null. */
export function convertPortToSemaphore(port: PortRef): Semaphore | null {
  return ipValid(port) && port.active && port.kotype === IKOT_SEMAPHORE ? (port.kobject as Semaphore) : null;
}

/** semaphore_create: the task, a non-negative value and a known policy, then room in the zone. */
export function semaphoreCreate(kernel: Kernel, task: Task | null, policy: number, value: number): { kr: KernReturn; port: IpcPort | null } {
  if (!task || value < 0 || policy > SYNC_POLICY_MAX) return { kr: KERN_INVALID_ARGUMENT, port: null };
  if (kernel.semaphores.size >= semaphoreMax(kernel.machine.memorySize)) return { kr: KERN_RESOURCE_SHORTAGE, port: null };
  const s = new Semaphore(kernel, task, value);
  kernel.semaphores.add(s);
  task.semaphores.add(s);
  kernel.addKernelPort(s.port);
  // convert_semaphore_to_port: a made send right.
  return { kr: KERN_SUCCESS, port: portMakeSend(s.port) };
}

/** semaphore_destroy: only its owner may; then it goes as semaphore_destroy_internal and its last reference take it. */
export function semaphoreDestroy(kernel: Kernel, task: Task | null, s: Semaphore | null): KernReturn {
  if (!s) return KERN_INVALID_ARGUMENT;
  if (!task) return KERN_INVALID_ARGUMENT;
  if (s.owner !== task) return KERN_INVALID_ARGUMENT;
  semaphoreDestroyInternal(kernel, s);
  return KERN_SUCCESS;
}

/** Unlink from the owner, deactivate, and free the port (its senders then hold dead names). */
export function semaphoreDestroyInternal(kernel: Kernel, s: Semaphore): void {
  s.owner?.semaphores.delete(s);
  s.owner = null;
  s.active = false;
  s.count = 0;
  kernel.semaphores.delete(s);
  kernel.removeKernelPort(s.port);
  kobjectSet(s.port, IKOT_NONE, null);
  portDestroy(s.port);
}

/** semaphore_destroy_all, when the owning task terminates. */
export function semaphoreDestroyAll(kernel: Kernel, task: Task): void {
  for (const s of [...task.semaphores]) semaphoreDestroyInternal(kernel, s);
}
