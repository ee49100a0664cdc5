/**
 * The clock_priv subsystem (1200) on the clock control ports that
 * host_get_clock_control hands out. In xnu-3248 neither clock can be set or
 * tuned through it (clock_oldops.c): a control port is KERN_FAILURE, anything
 * else KERN_INVALID_ARGUMENT. The calendar changes only underneath
 * (settimeofday), and that is what HOST_NOTIFY_CALENDAR_CHANGE reports.
 */
import { IKOT_CLOCK_CTRL } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT } from "../abi/kern_return.js";
import { ipValid } from "../ipc/port.js";
import type { Routine } from "../mig/routine.js";
import { inP } from "../mig/types.js";
import { clock_attr_t, clock_ctrl_t, clock_flavor_t, mach_timespec_t } from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routinesOn } from "./common.js";

export const CLOCK_PRIV_BASE = 1200;
export const CLOCK_PRIV_END = 1202;

/** convert_port_to_clock_ctrl: whether the destination is a clock's control port. */
const isClockCtrl = (call: KernelCall): boolean => ipValid(call.port) && call.port.active && call.port.kotype === IKOT_CLOCK_CTRL;

const routine = routinesOn(inP("clock_ctrl", clock_ctrl_t));

export const clockPrivRoutines: Routine<KernelCall>[] = [
  routine(1200, "clock_set_time", [inP("new_time", mach_timespec_t)], (call) => (isClockCtrl(call) ? KERN_FAILURE : KERN_INVALID_ARGUMENT)),
  routine(1201, "clock_set_attributes", [inP("flavor", clock_flavor_t), inP("clock_attr", clock_attr_t)], (call) =>
    isClockCtrl(call) ? KERN_FAILURE : KERN_INVALID_ARGUMENT,
  ),
];
