/** A task: an IPC space, an address space, an identity, ports, threads. */
import { IpcSpace } from "../ipc/space.js";
import { destroyEntry } from "../ipc/right.js";
import type { PortRef } from "../ipc/port.js";
import { VmMap } from "./vm_map.js";
import { emptyExceptionActions, type ExceptionAction } from "./exc_action.js";
import { ipcTaskInit, ipcTaskTerminate, releaseExceptionActions, taskHeldRights, type TaskPorts } from "./ipc_tt.js";
import { portCopySend } from "../ipc/right.js";
import { Thread } from "./thread.js";
import type { Kernel } from "./kernel.js";
import { TaskPolicy } from "./sched_policy.js";
import { taskResumePortTerminate } from "./task_suspend.js";
import { TaskDebugState } from "./task_state.js";
import type { IpcPort } from "../ipc/port.js";
import { semaphoreDestroyAll } from "./sync_sema.js";
import type { MsgCounts } from "../ipc/msg_counters.js";

export interface TaskOptions {
  /** Effective uid and gid of the task's credential (security token). Default 501/20, an ordinary user. */
  uid?: number;
  gid?: number;
  /** The process id; the kernel picks one when absent. */
  pid?: number;
  /** A label for listings. */
  name?: string;
  /** The parent task: exception ports, bootstrap and host ports are inherited from it. */
  parent?: Task;
  /** Limit on names in this task's space (KERN_NO_SPACE past it). */
  maxNames?: number;
  /** The real uid when it differs from the effective one (a set-uid program). */
  realUid?: number;
  /** The real gid when it differs from the effective one (a set-gid program). */
  realGid?: number;
}

export class Task implements MsgCounts {
  readonly kernel: Kernel;
  readonly pid: number;
  /** A label for listings (p_comm: exec changes it). */
  name: string;
  readonly space: IpcSpace;
  readonly vm = new VmMap();
  /** security_token_t {uid, gid}. */
  secToken: [number, number];
  /** audit_token_t {auid, euid, egid, ruid, rgid, pid, asid, pidversion}. */
  auditToken: Uint32Array;
  readonly ports: TaskPorts;
  /** task->exc_actions. */
  readonly excActions: ExceptionAction[];
  readonly threads: Thread[] = [];
  active = true;
  /** The credential's real uid (task_for_pid's POSIX check compares it). */
  realUid: number;
  /** P_SUGID: the task changed credentials in a set-id exec (task_for_pid refuses it to non-root). */
  sugid = false;
  /** task_suspend / task_resume count (scheduling is outside machipc; the count is kept). */
  suspendCount = 0;
  /** legacy_stop_count: how many of those holds the legacy task_suspend placed. */
  legacyStopCount = 0;
  /** task_policy_set's requested policy. */
  readonly policy = new TaskPolicy();
  /** task_set_state's debug registers for new threads. */
  readonly debugState: TaskDebugState;
  /** itk_resume: the port task_suspend2's and task_suspend's tokens are rights to, made on first use. */
  resumePort: IpcPort | null = null;
  /**
   * task->messages_sent and messages_received: what the IPC paths credit to the task whose trap
   * runs (src/ipc/msg_counters.ts); TASK_EVENTS_INFO reports them.
   */
  messagesSent = 0;
  messagesReceived = 0;
  /**
   * task->syscalls_mach and syscalls_unix: the traps of the task's threads that have ended (a live
   * thread keeps its own count, TASK_EVENTS_INFO adds them). No BSD call reaches machipc: the
   * Unix count stays 0.
   */
  syscallsMach = 0;
  syscallsUnix = 0;
  private nextThreadId = 1;

  /** Use kernel.createTask(). */
  constructor(kernel: Kernel, opts: TaskOptions, pid: number, space: IpcSpace | null = null) {
    this.kernel = kernel;
    this.pid = pid;
    this.debugState = new TaskDebugState(kernel.options.arch);
    this.name = opts.name ?? `task${pid}`;
    this.space = space ?? new IpcSpace("user", this, opts.maxNames ?? kernel.options.maxNames);
    this.space.pegUrefs = kernel.options.fixes.urefsPegged;
    this.space.refuseKobjectPdrequest = kernel.options.fixes.kobjectPortDestroyed;
    this.space.deallocPortSets = kernel.options.fixes.portSetDeallocate;
    const uid = opts.uid ?? 501;
    const gid = opts.gid ?? 20;
    this.secToken = [uid, gid];
    this.realUid = opts.realUid ?? uid;
    this.auditToken = Uint32Array.of(uid, uid, gid, this.realUid, opts.realGid ?? gid, pid, 100000 + pid, 1);
    const parent = opts.parent ?? null;
    this.ports = ipcTaskInit(kernel.kernelSpace, this, parent ? parent.ports : null, kernel.host.special[1] ?? null);
    this.excActions = emptyExceptionActions();
    if (parent) {
      // A new task inherits its parent's exception actions: a copy of each send right.
      parent.excActions.forEach((a, i) => {
        const mine = this.excActions[i]!;
        mine.port = portCopySend(a.port);
        mine.behavior = a.behavior;
        mine.flavor = a.flavor;
        mine.privileged = a.privileged;
      });
    }
  }

  get uid(): number {
    return this.secToken[0];
  }

  /** A new thread of this task, with its own thread port. */
  createThread(): Thread {
    if (!this.active) throw new Error(`task ${this.pid} is terminated`);
    const t = new Thread(this, this.nextThreadId++);
    this.threads.push(t);
    return t;
  }

  /** Every send right the kernel holds for this task (task ports, special ports, exception ports). */
  *heldRights(): IterableIterator<PortRef> {
    yield* taskHeldRights(this.ports);
    for (const a of this.excActions) yield a.port;
  }

  /**
   * task_terminate: threads end, every right in the space is destroyed (receive
   * rights die, so their senders see dead names and no-senders fire), and the
   * task's own ports die.
   */
  terminate(): void {
    if (!this.active) return;
    this.active = false;
    for (const t of this.threads) t.terminate();
    semaphoreDestroyAll(this);
    releaseExceptionActions(this.excActions);
    // ipc_space_terminate
    const space = this.space;
    space.active = false;
    for (const [name, index] of [...space.entries()]) {
      if (space.lookup(name) === index) destroyEntry(space, index, name);
    }
    ipcTaskTerminate(this.ports);
    taskResumePortTerminate(this);
    this.vm.clear();
    this.kernel.forgetTask(this);
  }
}
