/**
 * host_security_set_task_token (osfmk/kern/host.c) and the BSD side that
 * calls it when credentials change (set_security_token): a task's security
 * and audit tokens and its host port change together.
 */
import { HOST_PORT, HOST_PRIV_PORT } from "../abi/host.js";
import { KERN_INVALID_ARGUMENT, KERN_INVALID_SECURITY, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { ipValid } from "../ipc/port.js";
import { portCopySend, portReleaseSend } from "../ipc/right.js";
import type { Host } from "./host.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/**
 * The routine: with a host priv, the task's host port becomes HOST_PRIV_PORT,
 * else HOST_PORT. `hostPriv` is the converted host argument (null when none).
 */
export function hostSecuritySetTaskTokenRoutine(
  hostSecurity: Host | null,
  task: Task | null,
  secToken: [number, number],
  auditToken: Uint32Array,
  hostPriv: Host | null,
): KernReturn {
  if (!task) return KERN_INVALID_ARGUMENT;
  if (!hostSecurity) return KERN_INVALID_SECURITY;
  task.secToken = secToken;
  task.auditToken = auditToken;
  const host = hostSecurity;
  const sright = hostPriv ? portCopySend(host.special[HOST_PRIV_PORT] ?? null) : portCopySend(host.special[HOST_PORT] ?? null);
  // task_set_special_port(task, TASK_HOST_PORT, ...): swap, release the old right.
  const old = task.ports.itkHost;
  task.ports.itkHost = sright;
  if (ipValid(old)) portReleaseSend(old);
  return KERN_SUCCESS;
}

/**
 * set_security_token: uid 0 gets host priv unless the MAC policy's
 * system_check_host_priv refuses.
 */
export function hostSecuritySetTaskToken(kernel: Kernel, task: Task, secToken: [number, number], auditToken: Uint32Array): KernReturn {
  let hostPriv: Host | null = secToken[0] === 0 ? kernel.host : null;
  if (hostPriv && kernel.mac.systemCheckHostPriv) {
    const cred = { uid: secToken[0], gid: secToken[1], pid: task.pid };
    if (kernel.mac.systemCheckHostPriv(cred) !== 0) hostPriv = null;
  }
  return hostSecuritySetTaskTokenRoutine(kernel.host, task, secToken, auditToken, hostPriv);
}
