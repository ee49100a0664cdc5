/**
 * The clock_reply subsystem (3125107): clock_alarm_reply, the one message the
 * kernel sends when an alarm set by clock_alarm fires (or is refused at once).
 * The kernel is the client here (clock_reply.defs is KernelUser), so the
 * subsystem is not in the kernel's dispatch table; the description lays out
 * the kernel's message (src/kern/clock_alarm.ts), libmachipc's user stub and
 * <mach/clock_reply.h>, and lets a receiver decode what it got.
 */
import { Routine } from "../mig/routine.js";
import { inP } from "../mig/types.js";
import { alarm_type_t, clock_reply_t, kern_return_t, mach_timespec_t } from "../mig/defs_types.js";

export const CLOCK_REPLY_BASE = 3125107;

/**
 * As the request port, clock_reply_t is polymorphic on the sender's side too:
 * the alarm goes back with the right the alarm was given (MIG's stub takes the
 * disposition as `alarm_portPoly`).
 */
const target = inP("alarm_port", { ...clock_reply_t, user: -1 });

export const clockAlarmReply = new Routine<unknown>({
  id: CLOCK_REPLY_BASE,
  name: "clock_alarm_reply",
  target,
  simple: true,
  params: [inP("alarm_code", kern_return_t), inP("alarm_type", alarm_type_t), inP("alarm_time", mach_timespec_t)],
  handler: () => {
    throw new Error("clock_alarm_reply is received by the program that set the alarm, not the kernel");
  },
});

export const clockReplyRoutines: Routine<unknown>[] = [clockAlarmReply];
