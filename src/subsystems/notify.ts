/**
 * The notify subsystem (64): the one-way messages the kernel sends to a
 * notification port (osfmk/ipc/ipc_notify.c builds them; notify.defs
 * describes them). Like exc, it is served by the program that asked for the
 * notifications, not by the kernel; the description lays out the messages
 * for the C `notify_server()` and for tests.
 */
import { Routine } from "../mig/routine.js";
import { inP } from "../mig/types.js";
import { mach_port_mscount_t, mach_port_move_receive_t, mach_port_move_send_once_t, mach_port_name_t } from "../mig/defs_types.js";

export const NOTIFY_BASE = 64;

const target = inP("notify", mach_port_move_send_once_t);
const noHandler = (): number => {
  throw new Error("notifications are handled by their receivers, not the kernel");
};
const notification = (id: number, name: string, params: ReturnType<typeof inP>[]): Routine<unknown> =>
  new Routine<unknown>({ id, name, target, params, simple: true, handler: noHandler });

// 64, 66, 67 and 68 are skips in notify.defs.
export const notifyRoutines: Routine<unknown>[] = [
  notification(65, "mach_notify_port_deleted", [inP("name", mach_port_name_t)]),
  notification(69, "mach_notify_port_destroyed", [inP("rights", mach_port_move_receive_t)]),
  notification(70, "mach_notify_no_senders", [inP("mscount", mach_port_mscount_t)]),
  notification(71, "mach_notify_send_once", []),
  notification(72, "mach_notify_dead_name", [inP("name", mach_port_name_t)]),
];
