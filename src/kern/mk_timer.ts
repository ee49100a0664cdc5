/**
 * Mach timers (osfmk/kern/mk_timer.c, traps 91-94): mk_timer_create gives the caller a receive
 * right whose port is a kernel object (IKOT_TIMER) with one preallocated message buffer, the
 * kernel keeping a send right for itself; mk_timer_arm makes the kernel send an
 * mk_timer_expire_msg_t (a header with msgh_id 0 and three zero words) to it at a deadline in
 * mach_absolute_time's units (nanoseconds of CLOCK_MONOTONIC, as libmachipc's clock);
 * mk_timer_cancel disarms and answers the deadline it was armed for; the port's death (by
 * mk_timer_destroy or any other way) ends the timer and releases the kernel's right. An expiry
 * that finds the previous one still queued is dropped (MACH_SEND_NO_BUFFER), as the preallocated
 * buffer makes it in XNU.
 */
import { IKOT_NONE, IKOT_TIMER } from "../abi/ikot.js";
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND, msghBits } from "../abi/message.js";
import { MACH_MSG_HEADER } from "../abi/msg_layout.js";
import { MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE } from "../abi/port.js";
import { newBytes, viewOf } from "../abi/layout.js";
import { IpcKmsg } from "../ipc/kmsg.js";
import { machPortAllocateFull, machPortDestroy, translateReceive } from "../ipc/mach_port.js";
import type { IpcPort } from "../ipc/port.js";
import { portCopySend, portReleaseSend } from "../ipc/right.js";
import { kernelSend } from "../ipc/send.js";
import type { IpcSpace } from "../ipc/space.js";
import { kobjectSet } from "./ipc_kobject.js";
import type { KernelrpcResult } from "./kernelrpc.js";
import { registerTrap } from "./trap_table.js";

/** sizeof(mk_timer_expire_msg_t): the header and uint64_t unused[3], packed to 4. */
export const MK_TIMER_EXPIRE_MSG_SIZE = 48;

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** mach_absolute_time as a C client reads it: CLOCK_MONOTONIC in nanoseconds (process.hrtime's clock on Linux). */
const absoluteNow = (): bigint => process.hrtime.bigint();

/** The timers alive in a kernel: each holds a send right to its port, for the invariant checker. */
export type MkTimers = Set<MkTimer>;

/** mk_timer_data_t: the port, whether it is armed, and the deadline it was last armed for. */
export class MkTimer {
  armed = false;
  dead = false;
  /** tc_call.deadline: the last delayed arm's deadline (an arm for the past leaves it). */
  deadline = 0n;
  /** When the pending call is due (a far deadline is reached in steps: setTimeout's limit is 2^31 - 1 ms). */
  private due = 0n;
  private call: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly port: IpcPort,
    private readonly timers: MkTimers,
  ) {}

  /** mk_timer_arm_trap on a live timer: the latest arm replaces a pending one. */
  arm(expire: bigint): void {
    if (this.dead) return;
    this.armed = true;
    this.cancelCall();
    if (expire > absoluteNow()) this.deadline = expire;
    this.due = expire;
    this.schedule();
  }

  private schedule(): void {
    const now = absoluteNow();
    const ms = this.due > now ? Math.min(Number((this.due - now + 999_999n) / 1_000_000n), MAX_TIMEOUT_MS) : 0;
    this.call = setTimeout(() => this.expire(), ms);
    // An armed timer does not keep the server alive on its own.
    this.call.unref?.();
  }

  /** mk_timer_cancel_trap on a timer: the armed deadline, or 0 when it was not armed. */
  cancel(): bigint {
    if (!this.armed) return 0n;
    this.cancelCall();
    this.armed = false;
    return this.deadline;
  }

  /** mk_timer_expire: one message per arm, sent with a copy of the kernel's send right. */
  private expire(): void {
    this.call = null;
    if (!this.armed || this.dead) return;
    if (this.due > absoluteNow()) return this.schedule();
    this.armed = false;
    const data = newBytes(MK_TIMER_EXPIRE_MSG_SIZE);
    const kmsg = new IpcKmsg(data);
    kmsg.bits = msghBits(MACH_MSG_TYPE_PORT_SEND, 0);
    kmsg.remote = portCopySend(this.port);
    kmsg.id = 0;
    MACH_MSG_HEADER.write(viewOf(data), 0, { bits: kmsg.bits, size: MK_TIMER_EXPIRE_MSG_SIZE, id: 0 });
    kernelSend(kmsg);
  }

  /** ipc_kobject_destroy(IKOT_TIMER) is mk_timer_port_destroy: unbound, disarmed, the kernel's right released. */
  ipcKobjectDestroy(port: IpcPort): void {
    if (port.kotype !== IKOT_TIMER || port.kobject !== this) return;
    kobjectSet(port, IKOT_NONE, null);
    this.cancelCall();
    this.armed = false;
    this.dead = true;
    this.timers.delete(this);
    portReleaseSend(port);
  }

  private cancelCall(): void {
    if (this.call) clearTimeout(this.call);
    this.call = null;
  }
}

/** mk_timer_qos: no chosen name, a preallocated buffer for one expiry message. */
const MK_TIMER_QOS = { name: false, prealloc: true, len: MK_TIMER_EXPIRE_MSG_SIZE };

/** mk_timer_create_trap: the new receive right's name, or MACH_PORT_NULL when it cannot be made. */
export function mkTimerCreate(space: IpcSpace, timers: MkTimers): number {
  const a = machPortAllocateFull(space, MACH_PORT_RIGHT_RECEIVE, false, MK_TIMER_QOS, 0);
  if (a.kr !== KERN_SUCCESS || a.name === undefined) return MACH_PORT_NULL;
  const t = translateReceive(space, a.name);
  if (t.kr !== KERN_SUCCESS || !t.port) return MACH_PORT_NULL;
  const timer = new MkTimer(t.port, timers);
  kobjectSet(t.port, IKOT_TIMER, timer);
  portCopySend(t.port);
  timers.add(timer);
  return a.name;
}

/** The receive right `name` in `space` if it is a timer's: ipc_port_translate_receive, then the kobject type. */
function timerOf(space: IpcSpace, name: number): { kr: number; timer: MkTimer | null } {
  const t = translateReceive(space, name);
  if (t.kr !== KERN_SUCCESS) return { kr: t.kr, timer: null };
  if (t.port!.kotype !== IKOT_TIMER) return { kr: KERN_INVALID_ARGUMENT, timer: null };
  return { kr: KERN_SUCCESS, timer: t.port!.kobject as MkTimer };
}

export function mkTimerDestroy(space: IpcSpace, name: number): number {
  const t = timerOf(space, name);
  return t.timer ? machPortDestroy(space, name) : t.kr;
}

export function mkTimerArm(space: IpcSpace, name: number, expire: bigint): number {
  const t = timerOf(space, name);
  t.timer?.arm(expire);
  return t.kr;
}

/** mk_timer_cancel_trap: the armed deadline goes out (the C stub writes it where the caller asked). */
export function mkTimerCancel(space: IpcSpace, name: number): KernelrpcResult {
  const t = timerOf(space, name);
  return t.timer ? { kr: KERN_SUCCESS, outs: [t.timer.cancel()] } : { kr: t.kr };
}

const u32 = (v: bigint | undefined): number => Number(BigInt.asUintN(32, v ?? 0n));
registerTrap(91, (th) => ({ kr: mkTimerCreate(th.task.space, th.task.kernel.mkTimers) }));
registerTrap(92, (th, a) => ({ kr: mkTimerDestroy(th.task.space, u32(a[0])) }));
registerTrap(93, (th, a) => ({ kr: mkTimerArm(th.task.space, u32(a[0]), a[1]!) }));
registerTrap(94, (th, a) => mkTimerCancel(th.task.space, u32(a[0])));
