/**
 * Mandatory access control hooks for the host layer (security/mac_mach.c and
 * the MAC policy ops XNU consults here). A policy returns 0 to allow or an
 * errno to refuse; with no policy loaded everything is allowed.
 */
import { EXC_TYPES_COUNT, FIRST_EXCEPTION } from "../abi/exception.js";
import type { PortRef } from "../ipc/port.js";

/** The credential a hook sees: the calling task's identity. */
export interface Credential {
  uid: number;
  gid: number;
  pid: number;
}

export interface MacPolicy {
  /** A name for listings and errors. */
  readonly name: string;
  /** mpo_proc_check_set_host_special_port: host_set_special_port, once per call. */
  procCheckSetHostSpecialPort?(cred: Credential, id: number, port: PortRef): number;
  /** mpo_proc_check_set_host_exception_port: host_set/swap_exception_ports, once per exception in the mask, in order. */
  procCheckSetHostExceptionPort?(cred: Credential, exception: number): number;
  /** mpo_system_check_host_priv: whether a uid 0 task is handed the host priv port. */
  systemCheckHostPriv?(cred: Credential): number;
  /**
   * mpo_proc_check_get_task: task_for_pid, after the POSIX check. Without it the
   * kernel's `taskForPid` rule decides (default: root only, docs/processes.md).
   */
  procCheckGetTask?(cred: Credential, target: Credential): number;
  /** mpo_proc_check_get_task_name: task_name_for_pid. */
  procCheckGetTaskName?(cred: Credential, target: Credential): number;
  /**
   * mpo_proc_check_expose_task: whether the caller may be shown `target`'s task
   * (processor_set_tasks / processor_set_threads filter on it; mach_port_space_info
   * shows object addresses only when the kernel's task is exposed).
   */
  procCheckExposeTask?(cred: Credential, target: Credential): number;
}

export const EPERM = 1;
export const ESRCH = 3;

/** The default: no policy loaded. */
export const allowAllPolicy: MacPolicy = { name: "none" };

/** The example policy: only uid 0 may set host exception ports or host special ports. */
export const rootOnlyHostPolicy: MacPolicy = {
  name: "root-only-host",
  procCheckSetHostSpecialPort: (cred) => (cred.uid === 0 ? 0 : EPERM),
  procCheckSetHostExceptionPort: (cred) => (cred.uid === 0 ? 0 : EPERM),
};

/** The credential of a calling task, or null when the caller has no process (the check then answers ESRCH). */
export interface CallerIdentity {
  secToken: [number, number];
  pid: number;
}

export function credentialOf(task: CallerIdentity | null): Credential | null {
  return task ? { uid: task.secToken[0], gid: task.secToken[1], pid: task.pid } : null;
}

/** mac_task_check_set_host_special_port. */
export function macCheckSetHostSpecialPort(policy: MacPolicy, caller: CallerIdentity | null, id: number, port: PortRef): number {
  const cred = credentialOf(caller);
  if (!cred) return ESRCH;
  return policy.procCheckSetHostSpecialPort?.(cred, id, port) ?? 0;
}

/**
 * mac_task_check_set_host_exception_ports: a caller with no process is refused
 * first (whatever the mask), then the policy is asked per exception in the
 * mask, in ascending order, stopping at the first refusal.
 */
export function macCheckSetHostExceptionPort(policy: MacPolicy, caller: CallerIdentity | null): (mask: number) => number {
  const cred = credentialOf(caller);
  return (mask) => {
    if (!cred) return ESRCH;
    for (let i = FIRST_EXCEPTION; i < EXC_TYPES_COUNT; i++) {
      if (mask & (1 << i)) {
        const e = policy.procCheckSetHostExceptionPort?.(cred, i) ?? 0;
        if (e !== 0) return e;
      }
    }
    return 0;
  };
}

/** The kernel's own credential, for a call the kernel makes itself. */
const KERNEL_CRED: Credential = { uid: 0, gid: 0, pid: 0 };

/** mac_task_check_expose_task: the caller's credential against the target task's process. */
export function macCheckExposeTask(policy: MacPolicy, caller: CallerIdentity | null, target: CallerIdentity): number {
  const cred = credentialOf(caller) ?? KERNEL_CRED;
  const p = credentialOf(target)!;
  return policy.procCheckExposeTask?.(cred, p) ?? 0;
}
