/**
 * The clock subsystem (1000) on the clock service ports that
 * host_get_clock_service hands out: SYSTEM_CLOCK (uptime) and CALENDAR_CLOCK
 * (wall time), as osfmk/kern/clock_oldops.c serves them.
 */
import { IKOT_CLOCK } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_CAPABILITY, KERN_INVALID_RIGHT, KERN_INVALID_VALUE } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_PORT_RECEIVE } from "../abi/message.js";
import { viewOf } from "../abi/layout.js";
import { CALENDAR_CLOCK, SYSTEM_CLOCK, calendarNs, systemClockNs } from "../kern/clock.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import { alarm_type_t, clock_attr_t, clock_flavor_t, clock_reply_t, clock_serv_t, mach_timespec_t } from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { ipValid } from "../ipc/port.js";
import { num, portArg, routinesOn } from "./common.js";

export const CLOCK_BASE = 1000;
export const CLOCK_END = 1003;

export { SYSTEM_CLOCK, CALENDAR_CLOCK };
export const CLOCK_GET_TIME_RES = 1;
export const CLOCK_ALARM_CURRES = 3;
export const CLOCK_ALARM_MINRES = 4;
export const CLOCK_ALARM_MAXRES = 5;
const NSEC_PER_USEC = 1000;

/** convert_port_to_clock: the clock id behind an IKOT_CLOCK port, or null. */
function clockOf(call: KernelCall): number | null {
  const p = call.port;
  return ipValid(p) && p.active && p.kotype === IKOT_CLOCK ? (p.kobject as number) : null;
}

/** mach_timespec_t: {unsigned int tv_sec; clock_res_t tv_nsec}. */
function timespec(ns: bigint): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, Number(ns / 1_000_000_000n) >>> 0, true);
  v.setInt32(4, Number(ns % 1_000_000_000n), true);
  return out;
}

const routine = routinesOn(inP("clock_serv", clock_serv_t));

export const clockRoutines: Routine<KernelCall>[] = [
  routine(1000, "clock_get_time", [outP("cur_time", mach_timespec_t)], (call) => {
    const id = clockOf(call);
    if (id === null) return KERN_INVALID_ARGUMENT;
    // The system clock counts from boot; the calendar clock is the wall clock.
    const ns = id === SYSTEM_CLOCK ? systemClockNs() : calendarNs();
    return { cur_time: timespec(ns) };
  }),
  routine(1001, "clock_get_attributes", [inP("flavor", clock_flavor_t), outP("clock_attr", clock_attr_t, { countInOut: true })], (call, a) => {
    const id = clockOf(call);
    if (id === null) return KERN_INVALID_ARGUMENT;
    if (num(a, "clock_attrCnt") !== 1) return KERN_FAILURE;
    switch (num(a, "flavor")) {
      case CLOCK_GET_TIME_RES:
        return { clock_attr: [NSEC_PER_USEC] };
      case CLOCK_ALARM_CURRES:
      case CLOCK_ALARM_MINRES:
      case CLOCK_ALARM_MAXRES:
        // The calendar clock has no alarms.
        return { clock_attr: [id === SYSTEM_CLOCK ? NSEC_PER_USEC : 0] };
      default:
        return KERN_INVALID_VALUE;
    }
  }),
  routine(
    1002,
    "clock_alarm",
    [inP("alarm_type", alarm_type_t), inP("alarm_time", mach_timespec_t), inP("alarm_port", clock_reply_t)],
    (call, a) => {
      const id = clockOf(call);
      if (id === null) return KERN_INVALID_ARGUMENT;
      // Only the system clock has alarms.
      if (id !== SYSTEM_CLOCK) return KERN_FAILURE;
      const p = portArg(a, "alarm_port");
      if (!ipValid(p.port)) return KERN_INVALID_CAPABILITY;
      // A receive right would be the reply's destination in 3248 (an unsafe path); machipc refuses it.
      if (p.type === MACH_MSG_TYPE_PORT_RECEIVE) return KERN_INVALID_RIGHT;
      const t = viewOf(a["alarm_time"] as Uint8Array);
      return call.kernel.clockAlarms.post(num(a, "alarm_type"), { sec: t.getUint32(0, true), nsec: t.getInt32(4, true) }, p.port, p.type);
    },
  ),
];
