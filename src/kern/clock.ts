/**
 * The kernel's two clocks (clock_oldops.c's sysclk_ops and calend_ops): the
 * system clock counts from boot, the calendar clock is the machine's wall clock.
 */
import type { MachTimespec } from "./clock_alarm.js";

export const SYSTEM_CLOCK = 0;
export const CALENDAR_CLOCK = 1;

const booted = process.hrtime.bigint();

/** rtclock_gettime: nanoseconds since this process's kernel code was loaded (its boot). */
export function systemClockNs(): bigint {
  return process.hrtime.bigint() - booted;
}

/** calend_gettime: the wall clock in nanoseconds. */
export function calendarNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function toTimespec(ns: bigint): MachTimespec {
  return { sec: Number(ns / 1_000_000_000n) >>> 0, nsec: Number(ns % 1_000_000_000n) };
}
