/**
 * Mach timers (osfmk/kern/mk_timer.c): traps 91-94. mk_timer_create makes a
 * receive right in the caller's space whose port is also a kernel object
 * (IKOT_TIMER), preallocated for the one 48-byte mk_timer_expire_msg_t; the
 * kernel keeps a naked send right to it and, when an armed deadline (in
 * mach_absolute_time units) passes, sends that message: msgh_id 0, COPY_SEND
 * of its right, no reply port, the three unused words zero. While an earlier
 * expiry still fills the preallocated buffer a new one finds
 * MACH_SEND_NO_BUFFER and is dropped, so a timer never queues more than one.
 * Destroying the receive right (mach_port_destroy, mk_timer_destroy, a task's
 * death) cancels the timer and releases the kernel's send right.
 */
import { IKOT_NONE, IKOT_TIMER } from "../abi/ikot.js";
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND, msghBits } from "../abi/message.js";
import { MACH_MSG_HEADER } from "../abi/msg_layout.js";
import { MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE } from "../abi/port.js";
import { newBytes, viewOf } from "../abi/layout.js";
import { IpcKmsg } from "../ipc/kmsg.js";
import { machPortAllocateFull, machPortDestroy, translateReceive } from "../ipc/mach_port.js";
import type { IpcPort } from "../ipc/port.js";
import { portCopySend, portReleaseSend, type KobjectDestroy } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import { kernelSend } from "../ipc/send.js";
import { kobjectSet } from "./ipc_kobject.js";

/** sizeof(mk_timer_expire_msg_t): the header and three unused 64-bit words, packed to 4. */
export const MK_TIMER_EXPIRE_MSG_SIZE = 48;

/**
 * mach_absolute_time: nanoseconds of CLOCK_MONOTONIC (the timebase is 1/1), the
 * clock libmachipc's mach_absolute_time reads, so a C client's deadlines mean
 * the same instant here.
 */
export const machAbsoluteTime = (): bigint => process.hrtime.bigint();

/** A timer's state (mk_timer_data_t): armed, its deadline, and the pending expiry. */
export class MkTimer implements KobjectDestroy {
  isArmed = false;
  isDead = false;
  /** The last delayed arm's deadline (the thread call's), which mk_timer_cancel reports. */
  deadline = 0n;
  private pending: ReturnType<typeof setTimeout> | null = null;
  /** When the pending expiry is due (an immediate arm's is the past). */
  private due = 0n;

  constructor(
    readonly port: IpcPort,
    private readonly owner: MkTimers,
  ) {}

  /** mk_timer_arm after its checks: a deadline past (or now) expires at once, on the next turn, like a thread call. */
  arm(expireTime: bigint): void {
    if (this.isDead) return;
    this.isArmed = true;
    if (expireTime > machAbsoluteTime()) this.deadline = expireTime;
    this.schedule(expireTime);
  }

  /** One pending expiry at `due`; setTimeout's ceiling (about 24.8 days) is met by waking early and waiting again. */
  private schedule(due: bigint): void {
    this.cancelPending();
    this.due = due;
    const now = machAbsoluteTime();
    const ms = due > now ? Math.min(Number((due - now + 999_999n) / 1_000_000n), 0x7fffffff) : 0;
    this.pending = setTimeout(() => this.expire(), ms);
    // An armed timer does not keep a server (or a test) alive on its own.
    this.pending.unref?.();
  }

  /** mk_timer_cancel after its checks: the deadline it was armed for, or 0 when it was not armed. */
  cancel(): bigint {
    if (!this.isArmed) return 0n;
    this.cancelPending();
    this.isArmed = false;
    return this.deadline;
  }

  /** mk_timer_expire: one expiry message while armed; a message still queued makes this one MACH_SEND_NO_BUFFER. */
  private expire(): void {
    this.pending = null;
    if (!this.isArmed || this.isDead) return;
    if (this.due > machAbsoluteTime()) {
      this.schedule(this.due);
      return;
    }
    this.isArmed = false;
    const data = newBytes(MK_TIMER_EXPIRE_MSG_SIZE);
    const kmsg = new IpcKmsg(data);
    kmsg.bits = msghBits(MACH_MSG_TYPE_PORT_SEND, 0);
    kmsg.remote = portCopySend(this.port);
    kmsg.id = 0;
    MACH_MSG_HEADER.write(viewOf(data), 0, { bits: kmsg.bits, size: MK_TIMER_EXPIRE_MSG_SIZE, id: 0 });
    kernelSend(kmsg);
  }

  private cancelPending(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }

  /** mk_timer_port_destroy (ipc_kobject_destroy of IKOT_TIMER): unbind, cancel, release the kernel's send right. */
  ipcKobjectDestroy(port: IpcPort): void {
    if (port.kotype !== IKOT_TIMER || port.kobject !== this) return;
    kobjectSet(port, IKOT_NONE, null);
    this.cancelPending();
    this.isArmed = false;
    this.isDead = true;
    this.owner.forget(this);
    portReleaseSend(port);
  }
}

/** Every live timer of a kernel, for the right-accounting invariant (each holds a naked send right). */
export class MkTimers {
  private readonly live = new Set<MkTimer>();

  /** mk_timer_create_trap: MACH_PORT_NULL when the receive right cannot be made. */
  create(space: IpcSpace): number {
    const r = machPortAllocateFull(space, MACH_PORT_RIGHT_RECEIVE, false, { name: false, prealloc: true, len: MK_TIMER_EXPIRE_MSG_SIZE }, 0);
    if (r.kr !== KERN_SUCCESS) return MACH_PORT_NULL;
    const name = r.name!;
    const port = translateReceive(space, name).port!;
    const timer = new MkTimer(port, this);
    kobjectSet(port, IKOT_TIMER, timer);
    // The kernel's own send right: counted in ip_srights, not made (mscount stays 0).
    port.srights++;
    this.live.add(timer);
    return name;
  }

  forget(timer: MkTimer): void {
    this.live.delete(timer);
  }

  /** The naked send right each live timer keeps. */
  heldRights(): IpcPort[] {
    return [...this.live].map((t) => t.port);
  }
}

/** The timer behind the receive right `name`, or the code translate-receive and the IKOT check give. */
function timerOf(space: IpcSpace, name: number): { kr: KernReturn; timer: MkTimer | null } {
  const t = translateReceive(space, name);
  if (t.kr !== KERN_SUCCESS) return { kr: t.kr, timer: null };
  const port = t.port!;
  if (port.kotype !== IKOT_TIMER) return { kr: KERN_INVALID_ARGUMENT, timer: null };
  return { kr: KERN_SUCCESS, timer: port.kobject as MkTimer };
}

/** mk_timer_destroy_trap: the receive right of a timer, destroyed as mach_port_destroy does. */
export function mkTimerDestroy(space: IpcSpace, name: number): KernReturn {
  const t = timerOf(space, name);
  return t.kr === KERN_SUCCESS ? machPortDestroy(space, name) : t.kr;
}

/** mk_timer_arm_trap. */
export function mkTimerArm(space: IpcSpace, name: number, expireTime: bigint): KernReturn {
  const t = timerOf(space, name);
  if (t.kr === KERN_SUCCESS) t.timer!.arm(expireTime);
  return t.kr;
}

/**
 * mk_timer_cancel_trap: the deadline the timer was armed for (0 if it was not).
 * Copying it out to the caller's result_time (and KERN_FAILURE when that
 * address is bad, the timer cancelled all the same) is the trap caller's part.
 */
export function mkTimerCancel(space: IpcSpace, name: number): { kr: KernReturn; armedTime: bigint } {
  const t = timerOf(space, name);
  if (t.kr !== KERN_SUCCESS) return { kr: t.kr, armedTime: 0n };
  return { kr: KERN_SUCCESS, armedTime: t.timer!.cancel() };
}
