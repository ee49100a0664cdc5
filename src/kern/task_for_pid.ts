/**
 * bsd/vm/vm_unix.c (xnu-3248): task_for_pid, task_name_for_pid and
 * pid_for_task, the BSD traps (45, 44, 46) that turn a process id into a task
 * port and back. Each returns a kern_return_t and always writes its out word
 * (a name, or a pid of -1), in XNU's order of checks.
 */
import { KERN_FAILURE, KERN_PROTECTION_FAILURE, KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_PORT_NULL } from "../abi/port.js";
import { MACH_MSG_TYPE_COPY_SEND } from "../abi/message.js";
import { IP_DEAD, ipValid } from "../ipc/port.js";
import { portMakeSend, portReleaseSend, rightCopyin } from "../ipc/right.js";
import { copyoutSendRight } from "./ipc_host.js";
import { convertPortToTask, convertPortToTaskName } from "./ipc_tt.js";
import { credentialOf, EPERM, type Credential } from "./mac.js";
import type { Task } from "./task.js";
import { registerTrap } from "./trap_table.js";

/**
 * Who may get another user's task when the MAC policy has no procCheckGetTask:
 * "root" (the default, as taskgated on 10.11 grants it): root, or a task its
 * own port; "posix": task_for_pid_posix_check alone (the same uid may too).
 */
export type TaskForPidRule = "root" | "posix";

export interface TrapResult {
  kr: number;
  /** The out word: a port name, or a pid. */
  value: number;
}

/** port_name_to_task (name ports too with `names`): a copy-send copyin from the caller's space, converted. */
function portNameToTask(caller: Task, name: number, names: boolean): Task | null {
  if (name === MACH_PORT_NULL || name === 0xffffffff) return null;
  const c = rightCopyin(caller.space, name, MACH_MSG_TYPE_COPY_SEND, false);
  if (c.kr !== KERN_SUCCESS) return null;
  const port = c.port;
  const task = names ? convertPortToTaskName<Task>(port) : convertPortToTask<Task>(port);
  if (ipValid(port)) portReleaseSend(port);
  return task && task.active ? task : null;
}

/** proc_find: a live process (the kernel task is pid 0 and never found here). */
function procFind(caller: Task, pid: number): Task | null {
  if (pid <= 0) return null;
  const t = caller.kernel.tasks.get(pid);
  return t && t.active ? t : null;
}

/** task_for_pid_posix_check. */
function posixCheck(caller: Task, target: Task): boolean {
  if (!target.active) return false;
  if (caller.uid === 0) return true;
  if (target === caller) return true;
  // The target's real, effective and saved uids must be the caller's euid, its groups a subset of the caller's.
  if (target.secToken[0] !== caller.uid || target.realUid !== caller.uid) return false;
  if (target.secToken[1] !== caller.secToken[1]) return false;
  // A task that switched credentials (a set-id exec) is off limits.
  return !target.sugid;
}

/** mac_proc_check_get_task: the loaded policy's hook, else the kernel's task_for_pid rule. */
export function macProcCheckGetTask(caller: Task, target: Task): number {
  const cred = credentialOf(caller)!;
  const hook = caller.kernel.mac.procCheckGetTask;
  if (hook) return hook(cred, credentialOf(target)!);
  return defaultGetTaskRule(caller.kernel.options.taskForPid, cred, target.pid);
}

/** The rule the docs state: root may get any task, a task its own; others only under "posix". */
export function defaultGetTaskRule(rule: TaskForPidRule, cred: Credential, targetPid: number): number {
  if (rule === "posix") return 0;
  return cred.uid === 0 || cred.pid === targetPid ? 0 : EPERM;
}

/** task_for_pid(target_tport, pid, &t). */
export function taskForPid(caller: Task, targetTport: number, pid: number): TrapResult {
  // Always check if pid == 0.
  if (pid === 0) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  if (!portNameToTask(caller, targetTport, false)) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  const p = procFind(caller, pid);
  if (!p) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  if (!posixCheck(caller, p)) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  const access = p.ports.itkTaskAccess;
  if (caller.uid !== 0 && p !== caller && access !== null) {
    // A task access server (taskgated) would be asked here; machipc does not make that upcall.
    return { kr: access === IP_DEAD ? KERN_PROTECTION_FAILURE : KERN_FAILURE, value: MACH_PORT_NULL };
  }
  if (macProcCheckGetTask(caller, p) !== 0) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  // convert_task_to_port then ipc_port_copyout_send.
  return { kr: KERN_SUCCESS, value: copyoutSendRight(caller.space, portMakeSend(p.ports.itkSelf)) };
}

/** task_name_for_pid: the same uid (effective and real) or root; the name port is harmless. */
export function taskNameForPid(caller: Task, targetTport: number, pid: number): TrapResult {
  if (!portNameToTask(caller, targetTport, false)) return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
  const p = procFind(caller, pid);
  if (p && (p === caller || caller.uid === 0 || (p.secToken[0] === caller.uid && p.realUid === caller.realUid))) {
    const hook = caller.kernel.mac.procCheckGetTaskName;
    if (!hook || hook(credentialOf(caller)!, credentialOf(p)!) === 0) {
      return { kr: KERN_SUCCESS, value: copyoutSendRight(caller.space, portMakeSend(p.ports.itkNself)) };
    }
  }
  return { kr: KERN_FAILURE, value: MACH_PORT_NULL };
}

/**
 * pid_for_task: xnu-3248 converts with port_name_to_task, so a task name port
 * fails; `acceptNamePorts` (fixes.pidForTaskName) takes them as xnu-7195 does.
 */
export function pidForTask(caller: Task, t: number, acceptNamePorts: boolean): TrapResult {
  const task = portNameToTask(caller, t, acceptNamePorts);
  if (!task) return { kr: KERN_FAILURE, value: -1 };
  return { kr: KERN_SUCCESS, value: task.pid };
}

/**
 * Whether `viewer` may look at `target`'s names and rights (the server's admin
 * listings): the MAC policy's procCheckGetTask when it has one, as for
 * task_for_pid; without one, root sees every task and a user its own uid's.
 */
export function macMayInspect(viewer: Task, target: Task): boolean {
  const hook = viewer.kernel.mac.procCheckGetTask;
  if (hook) return hook(credentialOf(viewer)!, credentialOf(target)!) === 0;
  return viewer.uid === 0 || viewer.uid === target.uid;
}

const u32 = (v: bigint | undefined): number => Number(BigInt.asUintN(32, v ?? 0n));
const i32 = (v: bigint | undefined): number => Number(BigInt.asIntN(32, v ?? 0n));
/** The out word as the copied-out slot (pid_for_task's -1 sign-extended, as an int). */
const slot = (r: TrapResult): { kr: number; outs: bigint[] } => ({ kr: r.kr, outs: [BigInt.asUintN(64, BigInt(r.value))] });

// mach_trap_table's 44, 45 and 46 (src/abi/traps.ts names their arguments).
registerTrap(44, (t, a) => slot(taskNameForPid(t.task, u32(a[0]), i32(a[1]))));
registerTrap(45, (t, a) => slot(taskForPid(t.task, u32(a[0]), i32(a[1]))));
registerTrap(46, (t, a) => slot(pidForTask(t.task, u32(a[0]), t.task.kernel.options.fixes.pidForTaskName)));
