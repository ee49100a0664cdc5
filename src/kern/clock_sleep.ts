/**
 * clock_sleep_trap (62, osfmk/kern/clock_oldops.c): sleep the calling thread
 * on the system clock until an absolute or relative time, then hand back the
 * clock's time at the wake-up. A null clock name means the system clock; the
 * calendar clock cannot be slept on (KERN_FAILURE); a bad type or time is
 * KERN_INVALID_VALUE; thread_abort ends the sleep with KERN_ABORTED and the
 * time it was to end.
 */
import { IKOT_CLOCK } from "../abi/ikot.js";
import { KERN_ABORTED, KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_VALUE, KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_COPY_SEND } from "../abi/message.js";
import { MACH_PORT_NULL, machPortValid } from "../abi/port.js";
import { ipValid } from "../ipc/port.js";
import { portReleaseSend, rightCopyin } from "../ipc/right.js";
import { SYSTEM_CLOCK, systemClockNs, toTimespec } from "./clock.js";
import { checkTime, type MachTimespec } from "./clock_alarm.js";
import type { KernelrpcResult } from "./kernelrpc.js";
import type { Thread } from "./thread.js";

/** No clock behind the name (CLOCK_NULL). */
const NO_CLOCK = -1;

/** port_name_to_clock: the clock behind a send right the caller holds, else CLOCK_NULL. */
function portNameToClock(thread: Thread, name: number): number {
  if (name === MACH_PORT_NULL || !machPortValid(name)) return NO_CLOCK;
  const r = rightCopyin(thread.task.space, name, MACH_MSG_TYPE_COPY_SEND, true);
  if (r.kr !== KERN_SUCCESS) return NO_CLOCK;
  const port = r.port;
  const clock = ipValid(port) && port.active && port.kotype === IKOT_CLOCK ? (port.kobject as number) : NO_CLOCK;
  if (ipValid(port)) portReleaseSend(port);
  return clock;
}

/** A mach_timespec_t as the trap copies it out: the 8 bytes of {tv_sec, tv_nsec} read as one little-endian u64. */
const packed = (t: MachTimespec): bigint => (BigInt(t.sec >>> 0) | (BigInt(t.nsec >>> 0) << 32n)) & 0xffff_ffff_ffff_ffffn;
const now = (): MachTimespec => toTimespec(systemClockNs());

/**
 * The trap: the copied-out wake time goes back as the out value unless the
 * answer is KERN_INVALID_ARGUMENT or KERN_FAILURE (XNU copies it out in every
 * other case, a refused time included).
 */
export function clockSleepTrap(thread: Thread, clockName: number, type: number, sec: number, nsec: number): KernelrpcResult | Promise<KernelrpcResult> {
  const clock = clockName === MACH_PORT_NULL ? SYSTEM_CLOCK : portNameToClock(thread, clockName);
  const time: MachTimespec = { sec: sec >>> 0, nsec };
  const answer = (kr: number, t: MachTimespec): KernelrpcResult => (kr === KERN_INVALID_ARGUMENT || kr === KERN_FAILURE ? { kr } : { kr, outs: [packed(t)] });
  if (clock === NO_CLOCK) return answer(KERN_INVALID_ARGUMENT, time);
  if (clock !== SYSTEM_CLOCK) return answer(KERN_FAILURE, time);
  const clockTime = now();
  const chk = checkTime(type, time, clockTime);
  if (chk < 0) return answer(KERN_INVALID_VALUE, time);
  if (chk === 0) return answer(KERN_SUCCESS, clockTime);
  // `time` is absolute now; the sleep lasts until the system clock reaches it. setTimeout's
  // ceiling (about 24.8 days; beyond it Node fires at once) is met by waking early and waiting again.
  const msUntil = (): number => {
    const c = now();
    return Math.ceil(((time.sec - c.sec) * 1e9 + (time.nsec - c.nsec)) / 1e6);
  };
  return new Promise<KernelrpcResult>((resolve) => {
    let timer: ReturnType<typeof setTimeout>;
    const wait = (): void => {
      const ms = msUntil();
      if (ms <= 0) {
        thread.waitCancel = null;
        resolve(answer(KERN_SUCCESS, now()));
        return;
      }
      timer = setTimeout(wait, Math.min(ms, 0x7fffffff));
    };
    // THREAD_ABORTSAFE: thread_abort (or the thread's end) ends the sleep with the time it was to wake.
    thread.waitCancel = () => {
      clearTimeout(timer);
      thread.waitCancel = null;
      resolve(answer(KERN_ABORTED, time));
    };
    timer = setTimeout(wait, Math.min(Math.max(1, msUntil()), 0x7fffffff));
  });
}
