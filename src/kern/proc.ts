/**
 * Processes over tasks: what fork and exec do to a task's IPC state.
 *
 * fork (bsd/kern/kern_fork.c → task_create_internal → ipc_task_init with the
 * parent): a new task with a fresh, empty space that inherits only the
 * parent's host port, bootstrap and other inheritable special ports, task
 * exception ports and registered ports (all done by Task's construction with
 * a parent), under the parent's credential.
 *
 * exec (bsd/kern/kern_exec.c): the task, its space and every right in it go
 * on; the other threads end. A set-id exec (exec_handle_sugid) switches the
 * credential, marks the task P_SUGID and resets its ports as ipc_task_reset
 * and ipc_thread_reset do: new task and thread self ports (old holders are left
 * with dead names), non-privileged exception ports dropped, the debug control
 * port released.
 */
import { IKOT_NONE, IKOT_TASK, IKOT_THREAD } from "../abi/ikot.js";
import { ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import type { IpcSpace } from "../ipc/space.js";
import { portDestroy, portMakeSend, portReleaseSend } from "../ipc/right.js";
import type { ExceptionAction } from "./exc_action.js";
import { hostSecuritySetTaskToken } from "./host_security.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

export interface ForkOptions {
  pid?: number;
  name?: string;
}

/** fork's task: the parent's credential, and ipc_task_init's inheritance. */
export function taskFork(parent: Task, opts: ForkOptions = {}): Task {
  if (!parent.active) throw new Error(`task ${parent.pid} is terminated`);
  const child = parent.kernel.createTask({
    uid: parent.secToken[0],
    gid: parent.secToken[1],
    realUid: parent.realUid,
    pid: opts.pid,
    name: opts.name ?? parent.name,
    parent,
    maxNames: parent.space.maxNames,
  });
  child.sugid = parent.sugid;
  return child;
}

export interface ExecOptions {
  /** The new image's name, for listings. */
  name?: string;
  /** A set-id image: the effective uid and gid it runs with. */
  setId?: { uid: number; gid: number };
}

/**
 * exec in `task`, continuing on `thread` (the others end). Returns whether the
 * task's ports were reset (a set-id exec).
 */
export function taskExec(task: Task, thread: Thread | null, opts: ExecOptions = {}): boolean {
  if (!task.active) throw new Error(`task ${task.pid} is terminated`);
  for (const t of task.threads) if (t !== thread) t.terminate();
  if (opts.name) task.name = opts.name;
  // exec_handle_sugid starts by clearing P_SUGID.
  task.sugid = false;
  const id = opts.setId;
  if (!id || (id.uid === task.secToken[0] && id.gid === task.secToken[1])) return false;
  const audit = task.auditToken.slice();
  audit[1] = id.uid;
  audit[2] = id.gid;
  hostSecuritySetTaskToken(task.kernel, task, [id.uid, id.gid], audit);
  task.sugid = true;
  ipcTaskReset(task);
  if (thread) ipcThreadReset(thread);
  return true;
}

/** What a credential change leaves a process with, as set_security_token reads it. */
export interface TaskCredential {
  /** Effective uid and gid (security_token_t, audit_token_t's val[1] and val[2]). */
  uid: number;
  gid: number;
  /** Real uid and gid (audit_token_t's val[3] and val[4]). */
  ruid: number;
  rgid: number;
}

/**
 * setuid and its kin (bsd/kern/kern_prot.c) after they succeed: a changed credential marks the
 * process P_SUGID, and set_security_token runs whatever changed, so the task's security and audit
 * tokens and its host port follow the effective uid (host priv for 0, the host port for any
 * other). Returns whether the credential changed. Unlike a set-id exec, the task's ports are kept.
 */
export function taskSetCredential(task: Task, cred: TaskCredential): boolean {
  if (!task.active) return false;
  const a = task.auditToken;
  const changed = a[1] !== cred.uid || a[2] !== cred.gid || a[3] !== cred.ruid || a[4] !== cred.rgid;
  if (changed) task.sugid = true;
  task.realUid = cred.ruid;
  const audit = a.slice();
  audit[1] = cred.uid;
  audit[2] = cred.gid;
  audit[3] = cred.ruid;
  audit[4] = cred.rgid;
  hostSecuritySetTaskToken(task.kernel, task, [cred.uid, cred.gid], audit);
  return changed;
}

/** Release the non-privileged exception actions' rights (what a reset drops). */
function dropUnprivileged(actions: ExceptionAction[] | null): void {
  if (!actions) return;
  for (const a of actions) {
    if (a.privileged) continue;
    const old = a.port;
    a.port = null;
    if (ipValid(old)) portReleaseSend(old);
  }
}

/** Both resets: a new kernel port takes the object over, the old one is unbound (and destroyed by `retire`). */
function rebind(kernelSpace: IpcSpace, oldKport: IpcPort, kotype: number, object: unknown): { kport: IpcPort; sself: IpcPort } {
  const kport = kobjectAlloc(kernelSpace, IKOT_NONE, null);
  const sself = portMakeSend(kport);
  kobjectSet(oldKport, IKOT_NONE, null);
  kobjectSet(kport, kotype, object);
  return { kport, sself };
}

/** The naked rights a reset let go of are released; the old kernel port dies, leaving its holders dead names. */
function retire(oldKport: IpcPort, released: PortRef[]): void {
  for (const r of released) if (ipValid(r)) portReleaseSend(r);
  portDestroy(oldKport);
}

/** ipc_task_reset. */
export function ipcTaskReset(task: Task): void {
  const p = task.ports;
  const old = p.itkSelf;
  const oldSself = p.itkSself;
  const { kport, sself } = rebind(task.kernel.kernelSpace, old, IKOT_TASK, task);
  p.itkSelf = kport;
  p.itkSself = sself;
  dropUnprivileged(task.excActions);
  const debug = p.itkDebugControl;
  p.itkDebugControl = null;
  retire(old, [oldSself, debug]);
}

/** ipc_thread_reset. */
export function ipcThreadReset(thread: Thread): void {
  const p = thread.ports;
  const old = p.ithSelf;
  const oldSself = p.ithSself;
  const { kport, sself } = rebind(thread.task.kernel.kernelSpace, old, IKOT_THREAD, thread);
  p.ithSelf = kport;
  p.ithSself = sself;
  dropUnprivileged(thread.excActions);
  retire(old, [oldSself]);
}
