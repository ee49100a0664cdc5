/**
 * clock_alarm on the system clock (osfmk/kern/clock_oldops.c): an alarm at an
 * absolute or relative time answers with clock_alarm_reply (3125107) on the
 * port it was given, at once when its time is bad or already past, else when
 * the time comes. Until then the kernel holds the port's right.
 */
import { KERN_INVALID_VALUE, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_SEND_ONCE, msghBits } from "../abi/message.js";
import { MACH_MSG_HEADER } from "../abi/msg_layout.js";
import { wrU32 } from "../abi/bytes.js";
import { encodeRequest } from "../mig/user.js";
import { clockAlarmReply } from "../subsystems/clock_reply.js";
import { newBytes, viewOf } from "../abi/layout.js";
import { IpcKmsg } from "../ipc/kmsg.js";
import type { IpcPort } from "../ipc/port.js";
import { kernelSend } from "../ipc/send.js";

export const TIME_ABSOLUTE = 0x00;
export const TIME_RELATIVE = 0x01;
const NSEC_PER_SEC = 1_000_000_000;
/**
 * machipc's bound on pending alarms. xnu-3248's alarm zone starts at 51
 * elements but expands without limit; a server must not.
 */
export const CLOCK_ALARM_MAX = 4096;

/** mach_timespec_t: unsigned seconds, signed nanoseconds. */
export interface MachTimespec {
  sec: number;
  nsec: number;
}

interface Alarm {
  time: MachTimespec;
  type: number;
  port: IpcPort;
  /** The carried type of the right held (send or send-once), moved by the reply. */
  portType: number;
  seqno: number;
}

/** CMP_MACH_TIMESPEC: the sign of t1 - t2 (whole seconds first). */
const cmp = (a: MachTimespec, b: MachTimespec): number => (a.sec > b.sec ? NSEC_PER_SEC : a.sec < b.sec ? -NSEC_PER_SEC : a.nsec - b.nsec);

export class ClockAlarms {
  /** alrmlist: pending alarms in time order (ties in arrival order). */
  private readonly pending: Alarm[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seqno = 0;

  /** @param now the system clock (rtclock_gettime) */
  constructor(private readonly now: () => MachTimespec) {}

  /**
   * clock_alarm after its clock and port checks: check_time, then an immediate
   * reply (KERN_INVALID_VALUE for a bad type or time, KERN_SUCCESS for one past)
   * or a pending alarm. The right is the alarm's from here on.
   */
  post(type: number, time: MachTimespec, port: IpcPort, portType: number): KernReturn {
    const clock = this.now();
    const chk = checkTime(type, time, clock);
    if (chk <= 0) {
      alarmReply(port, portType, chk < 0 ? KERN_INVALID_VALUE : KERN_SUCCESS, type, clock);
      return KERN_SUCCESS;
    }
    if (this.pending.length >= CLOCK_ALARM_MAX) return KERN_RESOURCE_SHORTAGE;
    const alarm: Alarm = { time, type, port, portType, seqno: this.seqno++ };
    let i = 0;
    while (i < this.pending.length && cmp(this.pending[i]!.time, alarm.time) <= 0) i++;
    this.pending.splice(i, 0, alarm);
    if (i === 0) this.arm();
    return KERN_SUCCESS;
  }

  /** The rights pending alarms hold, for the invariant checker. */
  heldRights(): { port: IpcPort; portType: number }[] {
    return this.pending.map((a) => ({ port: a.port, portType: a.portType }));
  }

  /** set_alarm: one timer for the earliest alarm. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const first = this.pending[0];
    if (!first) return;
    const now = this.now();
    const ms = Math.max(0, ((first.time.sec - now.sec) * NSEC_PER_SEC + (first.time.nsec - now.nsec)) / 1e6);
    this.timer = setTimeout(() => this.expire(), Math.ceil(ms));
    // A pending alarm does not keep a process alive on its own.
    this.timer.unref?.();
  }

  /** alarm_expire then alarm_done: every alarm due is answered with the clock's time. */
  private expire(): void {
    this.timer = null;
    const now = this.now();
    while (this.pending.length > 0 && cmp(this.pending[0]!.time, now) <= 0) {
      const a = this.pending.shift()!;
      alarmReply(a.port, a.portType, KERN_SUCCESS, a.type, now);
    }
    this.arm();
  }
}

/**
 * check_time: -1 for a bad type or time; a relative time made absolute;
 * then how far in the future it is (0 when not).
 */
export function checkTime(type: number, time: MachTimespec, clock: MachTimespec): number {
  if ((type & ~TIME_RELATIVE) !== 0) return -1;
  if (time.nsec < 0 || time.nsec >= NSEC_PER_SEC) return -1;
  if ((type & 0xff) === TIME_RELATIVE) {
    time.nsec += clock.nsec;
    if (time.nsec >= NSEC_PER_SEC) {
      time.nsec -= NSEC_PER_SEC;
      time.sec += 1;
    }
    time.sec = (time.sec + clock.sec) >>> 0;
  }
  const r = cmp(time, clock);
  return r >= 0 ? r : 0;
}

/**
 * clock_alarm_reply, laid out from its description (src/subsystems/clock_reply.ts),
 * sent on the alarm's port with the right the kernel held (moved, as the
 * KernelUser stub sends it).
 */
function alarmReply(port: IpcPort, portType: number, code: number, type: number, time: MachTimespec): void {
  const stamp = newBytes(8);
  const sv = viewOf(stamp);
  sv.setUint32(0, time.sec >>> 0, true);
  sv.setInt32(4, time.nsec, true);
  const data = encodeRequest(clockAlarmReply, 0, 0, { alarm_code: code, alarm_type: type, alarm_time: stamp }, null);
  const kmsg = new IpcKmsg(data);
  kmsg.bits = msghBits(portType === MACH_MSG_TYPE_PORT_SEND_ONCE ? MACH_MSG_TYPE_PORT_SEND_ONCE : portType, 0);
  kmsg.remote = port;
  kmsg.id = clockAlarmReply.id;
  wrU32(data, MACH_MSG_HEADER.at.bits, kmsg.bits);
  kernelSend(kmsg);
}
