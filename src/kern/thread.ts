/** A thread: the traps a user thread makes, and its own port and exception actions. */
import { ThreadPolicy } from "./sched_policy.js";
import type { GuardViolation } from "../ipc/guard.js";
import { setTrapOwner, trapOwner, type TrapOwner } from "../ipc/current.js";
import { EXC_GUARD } from "../abi/exception.js";
import type { CallArgs, RoutineKey, RoutineResult } from "../mig/typed.js";
import { MigArgumentError } from "../mig/validate.js";
import { MACH_PORT_NULL } from "../abi/port.js";
import { KERN_SUCCESS } from "../abi/kern_return.js";
import { machMsgTrap, type MachMsgResult, type MsgContext } from "../ipc/mach_msg.js";
import type { IpcPort, PortRef } from "../ipc/port.js";
import { allocReceive, portCopySend, portDestroy } from "../ipc/right.js";
import { emptyExceptionActions, type ExceptionAction } from "./exc_action.js";
import { copyoutSendRight, hostSelfTrap } from "./ipc_host.js";
import { ipcThreadInit, ipcThreadTerminate, releaseExceptionActions, type ThreadPorts } from "./ipc_tt.js";
import type { Task } from "./task.js";
import { MachineState } from "./thread_state.js";
import type { UxSignal } from "./ux_handler.js";
import { exceptionTriage, type ExceptionOutcome, type RaiseOptions } from "./exception.js";
import type { VmMap } from "./vm_map.js";
import { machPortDestroy } from "../ipc/mach_port.js";
import { migCall, type UserArgs, type UserResult } from "../mig/call.js";
import { findTrap, trapResult, trapSlots, type TrapArgs, type TrapResult } from "../abi/traps.js";
import { runTrap } from "./trap_table.js";
import type { Routine } from "../mig/routine.js";

let nextThreadSerial = 1;

/** raiseException's default codes: none (shared, never written). */
const NO_CODES: (number | bigint)[] = [];

/** A code exceptionTriage takes as it is: absent, a bigint, or an integral number (what BigInt() converts exactly). */
function integralCode(c: number | bigint | undefined): boolean {
  return c === undefined || typeof c === "bigint" || Number.isInteger(c);
}

/**
 * What a thread's traps tell mach_msg (its task's space, memory and credential). One class for
 * every thread: an object literal with getters made a map of its own per thread, so copyin's reads
 * of the sender's fields in a process with several threads went through the generic load IC.
 */
class ThreadMsgContext implements MsgContext {
  readonly space: Task["space"];
  readonly memory: Task["vm"];
  readonly taskId: number;
  readonly counts: Task;
  constructor(private readonly task: Task) {
    this.space = task.space;
    this.memory = task.vm;
    this.taskId = task.pid;
    this.counts = task;
  }
  get secToken(): readonly [number, number] {
    return this.task.secToken;
  }
  get auditToken(): Readonly<Uint32Array> {
    return this.task.auditToken;
  }
}

/** Where a trap's guard violations go (this thread), and whose messages it counts (its task's). */
class ThreadTrapOwner implements TrapOwner {
  readonly counts: Task;
  constructor(private readonly thread: Thread) {
    this.counts = thread.task;
  }
  guard(v: GuardViolation): void {
    this.thread.guardViolation = v;
  }
}

export class Thread {
  readonly task: Task;
  readonly id: number;
  /** Position in the kernel's global thread list (creation order across tasks). */
  readonly serial: number;
  readonly ports: ThreadPorts;
  /** thread->exc_actions: null until first set, as XNU allocates them lazily. */
  excActions: ExceptionAction[] | null = null;
  active = true;
  /** thread_suspend / thread_resume count. */
  suspendCount = 0;
  /** Register state for the kernel's architecture. */
  readonly state: MachineState;
  /** thread_abort_safely found no abort-safe wait to clear: the abort waits for one (TH_SFLAG_ABORTSAFELY). */
  abortSafelyPending = false;
  /** thread_policy_set's requested scheduling. */
  readonly policy: ThreadPolicy;
  /**
   * The host thread this Mach thread is (a Linux thread id of the task's process, as the server
   * confirmed it), whose times thread_info reports; 0 for an in-process thread or one not known.
   */
  hostThread = 0;
  /**
   * thread->syscalls_mach: the Mach traps this thread has made (every one, counted on entry as
   * hndl_mach_scall64 counts it, whatever it comes to). Its task adds it up when it ends.
   */
  syscallsMach = 0;
  private readonly ctx: MsgContext;
  /** The thread as its traps' owner (current.ts): made once, not per trap. */
  readonly owner: TrapOwner;

  constructor(task: Task, id: number) {
    this.task = task;
    this.id = id;
    this.serial = nextThreadSerial++;
    this.ports = ipcThreadInit(task.kernel.kernelSpace, this);
    this.state = new MachineState(task.kernel.options.arch);
    this.policy = new ThreadPolicy(task.kernel.options.arch);
    this.ctx = new ThreadMsgContext(task);
    this.owner = new ThreadTrapOwner(this);
  }

  /**
   * mach_msg_overwrite_trap with the user's arguments: `buf` holds the message
   * exactly as a 64-bit process passes it. Returns the mach_msg_return_t, or a
   * Promise of it when the call has to wait.
   */
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout = 0, notify = 0): MachMsgResult {
    void notify;
    this.syscallsMach++;
    // The trap runs as asCurrent would run it, without its two closures per call (5% of a null RPC).
    const prev = setTrapOwner(this.owner);
    let r: MachMsgResult;
    try {
      r = machMsgTrap(this.ctx, buf, option, sendSize, rcvSize, rcvName, timeout);
    } finally {
      setTrapOwner(prev);
    }
    return this.guardViolation ? this.afterGuard(r) : r;
  }

  /**
   * mach_msg as the kernel makes it on this thread, with no trap entry to count: a kernel
   * thread's mach_msg_receive / mach_msg_send (the ux handler's), or a step after the first of
   * one user trap that the server runs in steps. Messages are counted as in machMsg.
   */
  machMsgInKernel(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout = 0): MachMsgResult {
    // machMsg's body without its count, written out again: machMsg calling this cost a null RPC
    // about 120 instructions (2.5%; the try/finally keeps V8 from inlining it).
    // The trap runs as asCurrent would run it, without its two closures per call (5% of a null RPC).
    const prev = setTrapOwner(this.owner);
    let r: MachMsgResult;
    try {
      r = machMsgTrap(this.ctx, buf, option, sendSize, rcvSize, rcvName, timeout);
    } finally {
      setTrapOwner(prev);
    }
    return this.guardViolation ? this.afterGuard(r) : r;
  }

  /** mach_msg_overwrite: receive into `rcvBuf` instead of `buf`. */
  machMsgOverwrite(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout: number, notify: number, rcvBuf: Uint8Array): MachMsgResult {
    void notify;
    this.syscallsMach++;
    // As machMsg: no closures per call (the server sends large messages through here).
    const prev = setTrapOwner(this.owner);
    let r: MachMsgResult;
    try {
      r = machMsgTrap(this.ctx, buf, option, sendSize, rcvSize, rcvName, timeout, rcvBuf);
    } finally {
      setTrapOwner(prev);
    }
    return this.guardViolation ? this.afterGuard(r) : r;
  }

  /** thread->guard_exc_info: a Mach port guard violation this thread made, until its AST runs. */
  guardViolation: GuardViolation | null = null;
  /** What the last EXC_GUARD raised on this thread came to (before its task was killed). */
  guardOutcome: ExceptionOutcome | null = null;

  /**
   * Run a trap as this thread (current_thread() for the guard checks), then the
   * AST a guard violation set: the thread does not get back to user code with
   * the trap's result before EXC_GUARD has been delivered and its task killed.
   */
  private asCurrent<T>(run: () => T | Promise<T>): T | Promise<T> {
    const prev = setTrapOwner(this.owner);
    let r: T | Promise<T>;
    try {
      r = run();
    } finally {
      setTrapOwner(prev);
    }
    return this.guardViolation ? this.afterGuard(r) : r;
  }

  /** Whether this is the thread whose trap is running (current_thread(): its owner record is installed). */
  get isCurrent(): boolean {
    return trapOwner() === this.owner;
  }


  /** The trap's result once the guard AST has run. */
  private afterGuard<T>(r: T | Promise<T>): Promise<T> {
    return Promise.resolve(r).then(async (res) => {
      await this.guardAst();
      return res;
    });
  }

  /**
   * mach_port_guard_ast: EXC_GUARD (thread, then task, then host, as any
   * exception, uninterruptibly) with the recorded codes, then task_bsdtask_kill:
   * the task dies whatever the handlers answered.
   */
  private async guardAst(): Promise<void> {
    const g = this.guardViolation;
    if (!g) return;
    this.guardViolation = null;
    try {
      this.guardOutcome = await exceptionTriage(this, EXC_GUARD, [g.code, g.subcode]);
    } catch (e) {
      // Refused: the thread has the most exceptions waiting (EXCEPTIONS_WAITING_MAX) behind the one
      // out, which the violation's trap cannot wait for. Nobody is told; the task dies all the same.
      if (!(e instanceof RangeError)) throw e;
    } finally {
      this.task.terminate();
    }
  }

  /** task_self_trap: a send right to the task's own port (one more user reference each call). */
  taskSelfTrap(): number {
    this.syscallsMach++;
    return copyoutSendRight(this.task.space, portCopySend(this.task.ports.itkSself));
  }

  /** thread_self_trap. */
  threadSelfTrap(): number {
    this.syscallsMach++;
    return copyoutSendRight(this.task.space, portCopySend(this.ports.ithSself));
  }

  /** host_self_trap: the host port, or the host priv port for a privileged task. */
  hostSelfTrap(): number {
    this.syscallsMach++;
    return hostSelfTrap(this.task.space, this.task.ports.itkHost);
  }

  /** The address space of the thread's task (OOL memory). */
  get memory(): VmMap {
    return this.task.vm;
  }

  private migReply = 0;
  /** mig_get_reply_port: a per-thread reply port for MIG calls, made on first use. */
  migReplyPort(): number {
    if (this.migReply === 0) this.migReply = this.machReplyPort();
    return this.migReply;
  }
  /** mig_dealloc_reply_port: destroy the reply port (a late reply dies with it). */
  migDeallocReplyPort(name: number): void {
    if (name === this.migReply) {
      this.migReply = 0;
      machPortDestroy(this.task.space, name);
    }
  }

  /**
   * Call a kernel routine, by MIG id or name, on `target` (a send right name),
   * going through mach_msg exactly as a MIG-generated client does:
   *
   *     const r = await thread.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE });
   *     if (r.kr === KERN_SUCCESS) r.name; // the new name
   *
   * Arguments and results are typed by the routine's description
   * (src/mig/routine_types.ts); arguments that do not fit it throw MigArgumentError.
   */
  call<K extends RoutineKey>(routine: K, target: number, ...args: CallArgs<K>): Promise<RoutineResult<K>>;
  call(routine: RoutineKey, target: number, args: UserArgs = {}): Promise<UserResult> {
    return this.callUntyped(routine, target, args);
  }

  /** `call` for a routine chosen at run time (a name or id in a variable): checked at run time only. */
  async callUntyped(routine: string | number, target: number, args: UserArgs = {}): Promise<UserResult> {
    const r = this.task.kernel.registry.find(routine);
    if (!r) throw new MigArgumentError(`no MIG routine ${String(routine)}`);
    return migCall(this, r as Routine<unknown>, target, args);
  }

  /**
   * A trap with arguments, by name or mach_trap_table number, as libsystem makes it:
   *
   *     const { kr, name } = thread.trap("_kernelrpc_mach_port_allocate_trap", { target: self, right: MACH_PORT_RIGHT_RECEIVE });
   *
   * Arguments and results are named as osfmk/mach/mach_traps.h names them (src/abi/traps.ts).
   * A semaphore wait that blocks answers a Promise.
   */
  trap(trap: number | string, args: TrapArgs): TrapResult | Promise<TrapResult> {
    const t = findTrap(trap);
    if (!t) throw new Error(`no trap ${String(trap)}`);
    const out = this.trapSlots(t.number, trapSlots(t, args));
    const shape = (r: { kr: number; outs?: bigint[] }) => trapResult(t, r.kr, r.outs ?? []);
    return out instanceof Promise ? out.then(shape) : shape(out);
  }

  /** A trap by number with its argument slots (the TRAP_ARGS wire operation); unknown numbers throw. */
  trapSlots(number: number, slots: readonly bigint[]): { kr: number; outs?: bigint[] } | Promise<{ kr: number; outs?: bigint[] }> {
    // The kernel-RPC traps (_kernelrpc_mach_port_destroy_trap...) check guards as their MIG routines do.
    this.syscallsMach++;
    return this.asCurrent(() => {
      const r = runTrap(this, number, slots);
      if (!r) throw new Error(`trap ${number} is not served`);
      return r;
    });
  }

  /** An interruptible wait this thread is blocked in (a semaphore wait): thread_abort and termination end it. */
  waitCancel: (() => void) | null = null;

  /** mach_reply_port: a new receive right in the task's space. */
  machReplyPort(): number {
    this.syscallsMach++;
    const r = allocReceive(this.task.space);
    return r.kr === KERN_SUCCESS ? r.name : MACH_PORT_NULL;
  }

  /**
   * Raise an exception on this thread, as a trap would: the thread's, then the
   * task's, then the host's handler is offered it (exception_triage). Resolves
   * to which level handled it and what each level answered; a STATE reply's new
   * state is then in `thread.state`.
   */
  raiseException(exception: number, codes: (number | bigint)[] = NO_CODES, opts?: RaiseOptions): Promise<ExceptionOutcome> {
    // The code and subcode are read now (the caller may reuse its array); BigInt() is asked only
    // for what is neither a bigint nor an integral number, and throws for it as it always did.
    const c0 = codes[0];
    const c1 = codes[1];
    if (codes.length > 2 || !integralCode(c0) || !integralCode(c1)) return exceptionTriage(this, exception, codes.map((c) => BigInt(c)), opts);
    return exceptionTriage(this, exception, codes, opts);
  }

  /**
   * thread_abort: a kernel RPC this thread is waiting in (exception delivery)
   * ends with MACH_RCV_INTERRUPTED.
   */
  abort(): void {
    this.waitCancel?.();
    const p = this.rpcReply;
    if (p) {
      this.rpcReply = null;
      portDestroy(p);
    }
  }

  /** The thread's exception actions, allocated on first use. */
  actions(): ExceptionAction[] {
    return (this.excActions ??= emptyExceptionActions());
  }

  /** Kernel-owned ports of this thread besides its own (the exception RPC reply port). */
  *kernelPorts(): IterableIterator<IpcPort> {
    if (this.rpcReply) yield this.rpcReply;
  }

  /** Signals posted on this thread by the kernel's ux exception handler (threadsignal). */
  readonly signals: UxSignal[] = [];

  /** ith_rpc_reply: the kernel's reply port for RPCs made on this thread's behalf. */
  rpcReply: IpcPort | null = null;

  /** The settled triage of this thread's last exception, kept for its next one (exception.ts; opaque here). */
  spareTriage: object | null = null;
  /** This thread has an exception out (in triage, or waiting to start once the one before it is over; exception.ts). */
  inException = false;
  /** Exceptions raised on this thread while one was out, started in turn as each is over (exception.ts). */
  exceptionQueue: (() => void)[] | null = null;

  *heldRights(): IterableIterator<PortRef> {
    yield this.ports.ithSself;
    if (this.excActions) for (const a of this.excActions) yield a.port;
  }

  terminate(): void {
    if (!this.active) return;
    this.active = false;
    // thread_terminate_daemon: the task keeps the count of its threads that have ended.
    this.task.syscallsMach += this.syscallsMach;
    this.waitCancel?.();
    this.spareTriage = null;
    if (this.rpcReply) {
      const p = this.rpcReply;
      this.rpcReply = null;
      portDestroy(p);
    }
    releaseExceptionActions(this.excActions);
    ipcThreadTerminate(this.ports);
  }
}
