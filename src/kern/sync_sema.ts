/**
 * osfmk/kern/sync_sema.c and ipc_sync.c: Mach semaphores. A semaphore is
 * owned by the task that made it (semaphore_create) and named by send rights
 * to its IKOT_SEMAPHORE port. Waits that must block return a Promise: the
 * waiting thread is suspended, never the kernel. Destruction (by its owner,
 * its owner's death or its last send right going) wakes every waiter with
 * KERN_TERMINATED; thread_abort ends a wait with KERN_ABORTED.
 */
import { IKOT_SEMAPHORE, IKOT_NONE } from "../abi/ikot.js";
import {
  KERN_ABORTED,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_NOT_WAITING,
  KERN_OPERATION_TIMED_OUT,
  KERN_SUCCESS,
  KERN_TERMINATED,
} from "../abi/kern_return.js";
import { MACH_PORT_TYPE_SEND, machPortValid } from "../abi/port.js";
import type { IpcPort, PortRef } from "../ipc/port.js";
import { portDestroy, portMakeSend, portMakeSendOnce } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import { kobjectAlloc } from "./ipc_kobject.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";
import { SYNC_POLICY_MAX, SYNC_POLICY_REVERSED } from "../abi/sync.js";

const NSEC_PER_SEC = 1_000_000_000;

interface Waiter {
  thread: Thread;
  wake(kr: number): void;
}

/** What a semaphore wait answers: at once, or when it is woken. */
export type SemaResult = number | Promise<number>;

export class Semaphore {
  /** Signals not yet consumed; threads wait only when it is 0. */
  count: number;
  active = true;
  owner: Task | null;
  readonly policy: number;
  /** The kernel port, made with the first send right (convert_semaphore_to_port). */
  port: IpcPort | null = null;
  readonly waiters: Waiter[] = [];

  constructor(owner: Task, policy: number, value: number) {
    this.owner = owner;
    this.policy = policy;
    this.count = value;
  }

  private take(): Waiter | undefined {
    return this.policy & SYNC_POLICY_REVERSED ? this.waiters.pop() : this.waiters.shift();
  }

  /** waitq_wakeup64_one: the next waiter by policy, woken with `kr`; false if none waits. */
  wakeOne(kr: number): boolean {
    const w = this.take();
    if (!w) return false;
    w.wake(kr);
    return true;
  }

  wakeAll(kr: number): void {
    for (const w of this.waiters.splice(0)) w.wake(kr);
  }

  /** Stop waiting for `thread` (a timeout, an abort); true if it was waiting here. */
  dequeue(thread: Thread): Waiter | null {
    const i = this.waiters.findIndex((w) => w.thread === thread);
    return i < 0 ? null : this.waiters.splice(i, 1)[0]!;
  }
}

/** The task's semaphores (task->semaphore_list), for semaphore_destroy_all at its death. */
const owned = new WeakMap<Task, Set<Semaphore>>();
const ownedBy = (task: Task): Set<Semaphore> => {
  let s = owned.get(task);
  if (!s) owned.set(task, (s = new Set()));
  return s;
};

/** semaphore_create: `value` signals already posted; the semaphore belongs to `task`. */
export function semaphoreCreate(task: Task | null, policy: number, value: number): { kr: number; semaphore: Semaphore | null } {
  if (!task || value < 0 || policy > SYNC_POLICY_MAX) return { kr: KERN_INVALID_ARGUMENT, semaphore: null };
  const s = new Semaphore(task, policy, value);
  ownedBy(task).add(s);
  return { kr: KERN_SUCCESS, semaphore: s };
}

/** semaphore_destroy_internal: unlinked from its owner, inactive, its waiters restarted (KERN_TERMINATED). */
function destroyInternal(s: Semaphore): void {
  if (s.owner) owned.get(s.owner)?.delete(s);
  s.owner = null;
  s.active = false;
  s.count = 0;
  s.wakeAll(KERN_TERMINATED);
}

/** semaphore_destroy: only the owner may. */
export function semaphoreDestroy(task: Task | null, s: Semaphore | null): number {
  if (!s) return KERN_INVALID_ARGUMENT;
  if (!task || s.owner !== task) return KERN_INVALID_ARGUMENT;
  destroyInternal(s);
  return KERN_SUCCESS;
}

/** semaphore_destroy_all: a dying task's semaphores go with it. */
export function semaphoreDestroyAll(task: Task): void {
  const set = owned.get(task);
  if (!set) return;
  for (const s of [...set]) destroyInternal(s);
  owned.delete(task);
}

/** The hook the kernel's port machinery calls for a semaphore port's kernel-side bookkeeping. */
export interface SemaphorePorts {
  kernelSpace: IpcSpace;
  addKernelPort(port: IpcPort): void;
  removeKernelPort(port: IpcPort): void;
}

/**
 * convert_semaphore_to_port: a send right to the semaphore's port, made on first
 * use. The first send right arms a no-senders request on the port itself, so the
 * semaphore goes when its last send right does (semaphoreNoSenders).
 */
export function semaphoreToPort(k: SemaphorePorts, s: Semaphore): IpcPort {
  if (!s.port) {
    s.port = kobjectAlloc(k.kernelSpace, IKOT_SEMAPHORE, s);
    k.addKernelPort(s.port);
  }
  const port = s.port;
  const send = portMakeSend(port);
  if (port.srights === 1) port.x().nsrequest = portMakeSendOnce(port);
  return send;
}

/** semaphore_notify: no send rights are left, so the port's reference goes and with it the semaphore. */
export function semaphoreNoSenders(k: SemaphorePorts, port: IpcPort): void {
  const s = port.kobject as Semaphore;
  if (port.srights > 0) {
    // A send right was made after the notification was generated: re-arm, as the port keeps its reference.
    port.x().nsrequest = portMakeSendOnce(port);
    return;
  }
  if (s.active) destroyInternal(s);
  s.port = null;
  port.kotype = IKOT_NONE;
  port.kobject = null;
  k.removeKernelPort(port);
  portDestroy(port);
}

/** convert_port_to_semaphore: the semaphore behind a port, or null. */
export function convertPortToSemaphore(port: PortRef): Semaphore | null {
  const p = port as IpcPort | null;
  return p && typeof p === "object" && p.kotype === IKOT_SEMAPHORE ? (p.kobject as Semaphore) : null;
}

/** port_name_to_semaphore: a send right in `space` to a semaphore port (ipc_object_translate: no right is taken). */
export function portNameToSemaphore(space: IpcSpace, name: number): { kr: number; semaphore: Semaphore | null } {
  if (!machPortValid(name)) return { kr: KERN_INVALID_NAME, semaphore: null };
  const index = space.lookup(name);
  if (index < 0) return { kr: KERN_INVALID_NAME, semaphore: null };
  if (!(space.bits[index]! & MACH_PORT_TYPE_SEND)) return { kr: KERN_INVALID_RIGHT, semaphore: null };
  const s = convertPortToSemaphore(space.objs[index] as PortRef);
  return s ? { kr: KERN_SUCCESS, semaphore: s } : { kr: KERN_INVALID_CAPABILITY, semaphore: null };
}

/**
 * semaphore_signal_internal. With a thread: wake that thread if it waits here
 * (else KERN_NOT_WAITING). With `all`: wake every waiter. Otherwise wake one,
 * or with `prepost` count the signal for the next wait.
 */
export function semaphoreSignalInternal(s: Semaphore, thread: Thread | null, all: boolean, prepost: boolean): number {
  if (!s.active) return KERN_TERMINATED;
  if (thread) {
    const w = s.dequeue(thread);
    if (!w) return KERN_NOT_WAITING;
    w.wake(KERN_SUCCESS);
    return KERN_SUCCESS;
  }
  if (all) {
    if (s.waiters.length > 0) {
      s.wakeAll(KERN_SUCCESS);
      return KERN_NOT_WAITING;
    }
    if (prepost) s.count++;
    return KERN_SUCCESS;
  }
  if (s.wakeOne(KERN_SUCCESS)) return KERN_SUCCESS;
  if (prepost) s.count++;
  return KERN_NOT_WAITING;
}

/** semaphore_signal (and its trap): a signal nobody was waiting for is kept, and is still a success. */
export function semaphoreSignal(s: Semaphore): number {
  const kr = semaphoreSignalInternal(s, null, false, true);
  return kr === KERN_NOT_WAITING ? KERN_SUCCESS : kr;
}

export function semaphoreSignalAll(s: Semaphore): number {
  const kr = semaphoreSignalInternal(s, null, true, false);
  return kr === KERN_NOT_WAITING ? KERN_SUCCESS : kr;
}

/** A timeout as BAD_MACH_TIMESPEC checks it: nanoseconds in [0, NSEC_PER_SEC). */
export const badTimespec = (nsec: number): boolean => nsec < 0 || nsec >= NSEC_PER_SEC;

/**
 * semaphore_wait_internal: take a signal, or wait for one (forever when
 * `timeoutMs` is null, not at all when it is 0). `signal`, if given, is
 * signalled after the wait is set up, as semaphore_wait_signal does.
 */
export function semaphoreWaitInternal(thread: Thread, wait: Semaphore, signal: Semaphore | null, timeoutMs: number | null): SemaResult {
  let kr: number | null = null;
  if (!wait.active) kr = KERN_TERMINATED;
  else if (wait.count > 0) {
    wait.count--;
    kr = KERN_SUCCESS;
  } else if (timeoutMs === 0) kr = KERN_OPERATION_TIMED_OUT;
  let waiting: Promise<number> | null = null;
  if (kr === null) waiting = block(thread, wait, timeoutMs);
  if (signal) {
    const skr = semaphoreSignalInternal(signal, null, false, true);
    // The signal semaphore is gone: a thread that had started waiting gives up with KERN_TERMINATED.
    if (skr === KERN_TERMINATED && waiting) {
      wait.dequeue(thread)?.wake(KERN_TERMINATED);
    }
  }
  return waiting ?? kr!;
}

function block(thread: Thread, s: Semaphore, timeoutMs: number | null): Promise<number> {
  return new Promise<number>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const w: Waiter = {
      thread,
      wake(kr) {
        if (timer) clearTimeout(timer);
        thread.waitCancel = null;
        resolve(kr);
      },
    };
    s.waiters.push(w);
    // THREAD_ABORTSAFE: thread_abort or the thread's end interrupts the wait.
    thread.waitCancel = () => s.dequeue(thread)?.wake(KERN_ABORTED);
    if (timeoutMs !== null) {
      timer = setTimeout(() => s.dequeue(thread)?.wake(KERN_OPERATION_TIMED_OUT), timeoutMs);
    }
  });
}

/** A mach_timespec_t as a wait's timeout in milliseconds: 0 means do not block. */
export function timeoutOf(sec: number, nsec: number): number {
  return sec === 0 && nsec === 0 ? 0 : Math.max(1, Math.ceil(sec * 1000 + nsec / 1e6));
}


