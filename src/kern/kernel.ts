/**
 * The kernel: boot (ipc_host_init and friends), tasks, kernel ports, the MIG
 * dispatcher, and the right-accounting check over everything it holds.
 */
import { IpcSpace, DEFAULT_MAX_NAMES } from "../ipc/space.js";
import type { IpcKmsg } from "../ipc/kmsg.js";
import type { IpcPort, PortRef } from "../ipc/port.js";
import { setPortDestroyHook } from "../ipc/right.js";
import { assertInvariants, findViolations, type KernelRights } from "../ipc/invariant.js";
import { MigRegistry, kobjectServe, type KobjectCall, type ServerHooks } from "./ipc_kobject.js";
import { Host, Processor, ProcessorSet } from "./host.js";
import { ipcHostInit, ipcProcessorInit, ipcPsetInit, kernelSetSpecialPort } from "./ipc_host.js";
import { kobjectAlloc } from "./ipc_kobject.js";
import { startUxHandler, type UxHandler } from "./ux_handler.js";
import { IKOT_CLOCK, IKOT_CLOCK_CTRL, IKOT_MASTER_DEVICE, IKOT_NAMED_ENTRY, IKOT_SEMAPHORE } from "../abi/ikot.js";
import { MACH_NOTIFY_NO_SENDERS } from "../abi/port.js";
import { semaphoreNoSenders } from "./sync_sema.js";
import { namedEntryNoSenders } from "./vm_named_entry.js";
import { HOST_IO_MASTER_PORT } from "../abi/host.js";
import { portMakeSend } from "../ipc/right.js";
import { allowAllPolicy, type MacPolicy } from "./mac.js";
import { realMachine, type Arch, type MachineInfo } from "./machine.js";
import { Task, type TaskOptions } from "./task.js";
import { hostSecuritySetTaskToken } from "./host_security.js";
import { BootstrapServer } from "./bootstrap.js";
// task_for_pid's module also puts traps 44-46 in the trap table.
import type { TaskForPidRule } from "./task_for_pid.js";
import "./task_for_pid.js";
import { HostNotify } from "./host_notify.js";
import { MkTimers } from "./mk_timer.js";
import { ClockAlarms } from "./clock_alarm.js";
import { systemClockNs, toTimespec } from "./clock.js";
import { MACH_MSG_TYPE_PORT_SEND_ONCE } from "../abi/message.js";
import { taskSuspensionNotify } from "./task_suspend.js";

/** Which xnu-3248 bugs to replace with the later, fixed behaviour. */
export interface BugFixes {
  /** host/task_get_exception_ports check the count before appending (fixed in xnu-7195.101.1). */
  getExceptionPortsCount?: boolean;
  /** host_swap_exception_ports masks MACH_EXCEPTION_CODES before checking the behavior (fixed in xnu-8019.41.5). */
  swapExceptionBehavior?: boolean;
  /** pid_for_task accepts task name ports (xnu-7195's port_name_to_task_name; 3248 takes task ports only). */
  pidForTaskName?: boolean;
  /** CVE-2016-7637: user references that reach MACH_PORT_UREFS_MAX stay there instead of counting on (fixed in xnu-3789.31.2). */
  urefsPegged?: boolean;
  /**
   * mach_port_request_notification refuses a port-destroyed request on a kernel-object port (a timer,
   * a host notification port) with KERN_INVALID_RIGHT, so its receive right never travels in the
   * notification with the object still bound (fixed in xnu-3789.60.24).
   */
  kobjectPortDestroyed?: boolean;
  /** mach_port_deallocate of a port set's name destroys the set (xnu-4570.1.46's ipc_right_dealloc, radar 21692215) instead of KERN_INVALID_RIGHT. */
  portSetDeallocate?: boolean;
  /** THREAD_EXTENDED_INFO's times are computed in 64 bits, not in overflowing 32-bit integer_t arithmetic (fixed in xnu-6153.11.26). */
  threadExtendedTimes?: boolean;
}

export interface BootOptions {
  /** Number of processors; default: the machine's CPUs. */
  cpus?: number;
  /** The kernel's architecture, for thread state flavors; default: the machine's. */
  arch?: Arch;
  /** Limit on names per space; default XNU's largest table less index 0 (299,348 names). */
  maxNames?: number;
  /** The MAC policy; default: none loaded (everything allowed). */
  macPolicy?: MacPolicy;
  /** Later XNU behaviour instead of xnu-3248's bugs: `true` for all, or one by one. */
  fixes?: boolean | BugFixes;
  /** Override parts of the machine report (tests use this for fixed numbers). */
  machine?: Partial<MachineInfo>;
  /** The string host_kernel_version answers. */
  kernelVersion?: string;
  /**
   * Start BSD's ux exception handler and install it as the host's handler for
   * every exception but RPC_ALERT, as bsdinit does (default true). Without it
   * the host's exception ports start empty.
   */
  uxHandler?: boolean;
  /**
   * Start launchd's bootstrap server (a pid 1 task), whose port becomes every
   * new task's TASK_BOOTSTRAP_PORT; `services` are declared in advance, as a
   * plist's MachServices (default off in process; `machipc serve` turns it on).
   */
  bootstrap?: boolean | { services?: string[] };
  /** Who may task_for_pid whom when the MAC policy does not say (docs/processes.md); default "root". */
  taskForPid?: TaskForPidRule;
}

export interface ResolvedOptions {
  cpus: number;
  arch: Arch;
  maxNames: number;
  fixes: Required<BugFixes>;
  kernelVersion: string;
  taskForPid: TaskForPidRule;
}

export type KernelCall = KobjectCall<Kernel, Task>;
/** Adds the MIG subsystems to a registry; set once by the package entry point. */
export type SubsystemInstaller = (registry: MigRegistry<KernelCall>) => void;
let installer: SubsystemInstaller | null = null;

const DEFAULT_VERSION =
  "Darwin Kernel Version 15.4.0: machipc; root:xnu-3248.40.184~1/RELEASE_X86_64";

export class Kernel {
  readonly options: ResolvedOptions;
  /** ipc_space_kernel: receiver of every kernel-object port. */
  readonly kernelSpace: IpcSpace;
  /** ipc_space_reply: receiver of the kernel's own reply ports. */
  readonly replySpace: IpcSpace;
  readonly host = new Host();
  readonly pset0 = new ProcessorSet("pset0");
  readonly processors: Processor[] = [];
  readonly machine: MachineInfo;
  mac: MacPolicy;
  readonly registry = new MigRegistry<KernelCall>();
  readonly tasks = new Map<number, Task>();
  /** Kernel ports whose receive right the kernel holds. */
  private readonly kports = new Set<IpcPort>();
  /** Messages the kernel holds while it waits on a kernel RPC (exception delivery). */
  readonly heldMessages = new Set<IpcKmsg>();
  /** Send-once rights the kernel holds while waiting (reply rights of kernel RPCs). */
  readonly heldSendOnce = new Set<IpcPort>();
  readonly kernelTask: Task;
  /** The system and calendar clocks (clock_service_create): service and control ports. */
  readonly clocks: { servPort: IpcPort; ctrlPort: IpcPort }[] = [];
  /** host_set_atm_diagnostic_flag's value. */
  atmDiagnosticFlag = 0;
  /** What host_get_boot_info answers (the boot arguments). */
  bootInfo = "";
  /** host_reboot calls received (machipc never halts its host; an embedder may act on these). */
  readonly rebootRequests: number[] = [];
  /** Mach timers (mk_timer_create), each keeping a send right to its port. */
  readonly mkTimers = new MkTimers();
  /** clock_alarm's pending alarms on the system clock. */
  readonly clockAlarms = new ClockAlarms(() => toTimespec(systemClockNs()));
  /** host_request_notification's registrations (HOST_NOTIFY_CALENDAR_CHANGE). */
  readonly hostNotify = new HostNotify();
  private nextPid = 100;

  /** Install the MIG subsystems every booted kernel serves (done by the package entry point). */
  static installSubsystems(fn: SubsystemInstaller): void {
    installer = fn;
  }

  /** Boot a kernel: the host ports, pset0, one processor per CPU, the kernel task. */
  static boot(opts: BootOptions = {}): Kernel {
    return new Kernel(opts);
  }

  private constructor(opts: BootOptions) {
    const real = realMachine(opts.cpus);
    this.machine = { ...real, ...opts.machine };
    const fixes = opts.fixes === true ? { getExceptionPortsCount: true, swapExceptionBehavior: true, urefsPegged: true, pidForTaskName: true, kobjectPortDestroyed: true, portSetDeallocate: true, threadExtendedTimes: true } : opts.fixes || {};
    this.options = {
      cpus: opts.cpus ?? this.machine.cpuCount,
      arch: opts.arch ?? this.machine.arch,
      maxNames: opts.maxNames ?? DEFAULT_MAX_NAMES,
      fixes: {
        getExceptionPortsCount: !!fixes.getExceptionPortsCount,
        swapExceptionBehavior: !!fixes.swapExceptionBehavior,
        urefsPegged: !!fixes.urefsPegged,
        pidForTaskName: !!fixes.pidForTaskName,
        kobjectPortDestroyed: !!fixes.kobjectPortDestroyed,
        portSetDeallocate: !!fixes.portSetDeallocate,
        threadExtendedTimes: !!fixes.threadExtendedTimes,
      },
      kernelVersion: opts.kernelVersion ?? DEFAULT_VERSION,
      taskForPid: opts.taskForPid ?? "root",
    };
    this.mac = opts.macPolicy ?? allowAllPolicy;
    this.kernelSpace = new IpcSpace("kernel", this);
    this.replySpace = new IpcSpace("reply", this);
    this.kernelSpace.pegUrefs = this.replySpace.pegUrefs = this.options.fixes.urefsPegged;
    this.kernelSpace.kobjectServer = (kmsg) => this.serve(kmsg);
    installer?.(this.registry);

    // ipc_host_init: host ports, then pset0, then the master processor; the others in processor_start.
    ipcHostInit(this.kernelSpace, this.host);
    ipcPsetInit(this.kernelSpace, this.pset0);
    // device_service_create: the I/O master port, held as HOST_IO_MASTER_PORT.
    const master = kobjectAlloc(this.kernelSpace, IKOT_MASTER_DEVICE, this.host);
    kernelSetSpecialPort(this.host, HOST_IO_MASTER_PORT, portMakeSend(master));
    this.kports.add(master);
    // clock_service_create: SYSTEM_CLOCK and CALENDAR_CLOCK.
    for (let i = 0; i < 2; i++) {
      const clock = { servPort: kobjectAlloc(this.kernelSpace, IKOT_CLOCK, i), ctrlPort: kobjectAlloc(this.kernelSpace, IKOT_CLOCK_CTRL, i) };
      this.clocks.push(clock);
      this.kports.add(clock.servPort);
      this.kports.add(clock.ctrlPort);
    }
    for (let i = 0; i < this.options.cpus; i++) {
      const p = new Processor(i, i === 0, this.pset0);
      ipcProcessorInit(this.kernelSpace, p);
      this.processors.push(p);
      this.pset0.processors.push(p);
    }
    setPortDestroyHook(null);
    this.kernelTask = new Task(this, { uid: 0, gid: 0, name: "kernel_task" }, 0);
    this.tasks.set(0, this.kernelTask);
    // ipc_kobject_server counts what the kernel objects receive and answer on kernel_task.
    this.serverHooks.counts = this.kernelTask;
    if (opts.uxHandler !== false) this.ux = startUxHandler(this.kernelTask, this.host, this.options.arch);
    if (opts.bootstrap) {
      this.bootstrap = new BootstrapServer(this);
      for (const name of (typeof opts.bootstrap === "object" && opts.bootstrap.services) || []) this.bootstrap.declare(name);
    }
  }

  /** launchd's bootstrap server (null when booted without it). */
  bootstrap: BootstrapServer | null = null;

  private readonly serverHooks: ServerHooks<KernelCall> = {
    registry: this.registry,
    context: (port, m) => ({ kernel: this, port, caller: this.tasks.get(m.senderTaskId) ?? null, kmsg: m }),
    // ipc_kobject_notify: a task's resume port hears of abandoned suspension tokens; a semaphore port's or a named entry's no-senders ends it.
    notify: (port, m) => {
      if (port.kotype === IKOT_SEMAPHORE && m.id === MACH_NOTIFY_NO_SENDERS) semaphoreNoSenders(this, port);
      else if (port.kotype === IKOT_NAMED_ENTRY && m.id === MACH_NOTIFY_NO_SENDERS) namedEntryNoSenders(this, port);
      else return taskSuspensionNotify(port, m);
      return true;
    },
  };

  private serve(kmsg: IpcKmsg): IpcKmsg | null {
    return kobjectServe(this.serverHooks, kmsg);
  }

  /**
   * A new task with its own IPC space and credential. As BSD's set_security_token
   * does, a uid 0 task gets the host priv port as its host port (unless the MAC
   * policy's system_check_host_priv refuses), any other the plain host port.
   */
  createTask(opts: TaskOptions = {}): Task {
    let pid = opts.pid;
    if (pid === undefined) {
      while (this.tasks.has(this.nextPid)) this.nextPid++;
      pid = this.nextPid++;
    } else if (this.tasks.has(pid)) throw new Error(`pid ${pid} is in use`);
    const task = new Task(this, opts, pid);
    this.tasks.set(pid, task);
    // A task with no parent task is one of launchd's children: its bootstrap port is launchd's.
    if (!opts.parent && this.bootstrap && task.ports.itkBootstrap === null) task.ports.itkBootstrap = this.bootstrap.makeSend();
    hostSecuritySetTaskToken(this, task, task.secToken, task.auditToken);
    return task;
  }

  /** Called by Task.terminate. */
  forgetTask(task: Task): void {
    if (this.tasks.get(task.pid) === task) this.tasks.delete(task.pid);
    this.bootstrap?.taskDied(task);
  }

  /** BSD's exception handler (null when booted without it). */
  ux: UxHandler | null = null;

  /** Every kernel-held right, for the invariant checker. */
  rights(): KernelRights {
    const send: PortRef[] = [...this.host.special];
    if (this.ux) send.push(this.ux.port);
    send.push(this.host.dpControlPort);
    for (const a of this.host.excActions) send.push(a.port);
    const kernelPorts: IpcPort[] = [this.host.hostPort, this.host.hostPrivPort, this.host.hostSecurityPort, this.pset0.selfPort, this.pset0.namePort];
    for (const p of this.processors) if (p.port) kernelPorts.push(p.port);
    const spaces: IpcSpace[] = [];
    for (const task of this.tasks.values()) {
      if (task.space.kind === "user") spaces.push(task.space);
      send.push(...task.heldRights());
      kernelPorts.push(task.ports.itkSelf, task.ports.itkNself);
      for (const th of task.threads) {
        send.push(...th.heldRights());
        kernelPorts.push(th.ports.ithSelf, ...th.kernelPorts());
      }
    }
    for (const p of this.kports) kernelPorts.push(p);
    const sendOnce: PortRef[] = [...this.heldSendOnce, ...this.hostNotify.heldSendOnce()];
    send.push(...this.mkTimers.heldRights());
    for (const a of this.clockAlarms.heldRights()) (a.portType === MACH_MSG_TYPE_PORT_SEND_ONCE ? sendOnce : send).push(a.port);
    return { spaces, sendRights: send, sendOnceRights: sendOnce, kernelPorts, heldMessages: this.heldMessages };
  }

  /** Register an extra kernel-owned port (kernel reply ports and the like). */
  addKernelPort(port: IpcPort): void {
    this.kports.add(port);
  }
  removeKernelPort(port: IpcPort): void {
    this.kports.delete(port);
  }

  /**
   * The calendar changed (host_notify_calendar_change): clock_set_time on the
   * calendar clock, or the machine's wall clock set underneath a served kernel.
   * Every HOST_NOTIFY_CALENDAR_CHANGE registration gets its message, once.
   */
  postCalendarChange(): void {
    this.hostNotify.calendarChange();
  }

  /** The problems with right accounting right now (empty when all is well). */
  findViolations(): string[] {
    return findViolations(this.rights());
  }

  /** Throw an InvariantViolation if right accounting is broken anywhere. */
  checkInvariants(): void {
    assertInvariants(this.rights());
  }
}
