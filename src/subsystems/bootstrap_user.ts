/**
 * The client side of the bootstrap namespace, as liblaunch's libbootstrap.c
 * offers it: bootstrap_check_in / register / look_up / parent over the
 * bootstrap subsystem's routines (a name is mig_strncpy'd into its name_t:
 * one longer than 127 bytes is cut, as liblaunch's stubs cut it), for any thread that can make MIG calls (an
 * in-process Thread or a Node client's ClientThread).
 */
import { bootstrapStrerror } from "../abi/bootstrap.js";
import { MACH_PORT_NULL } from "../abi/port.js";
import { kernReturnName } from "../abi/names.js";
import { migCall, type MachMsgCaller, type UserArgs, type UserResult } from "../mig/call.js";
import type { Routine } from "../mig/routine.js";
import { bootstrapRoutine } from "./bootstrap.js";

/** What the bootstrap calls need of a thread: mach_msg and a MIG reply port (Thread, ClientThread). */
export type MigThread = MachMsgCaller;

function call(thread: MigThread, name: string, bp: number, args: UserArgs = {}): Promise<UserResult> {
  return migCall(thread, bootstrapRoutine(name) as Routine<unknown>, bp, args);
}

export interface PortResult {
  kr: number;
  /** The right's name in the caller's space (MACH_PORT_NULL on failure). */
  port: number;
}

const portOf = (r: UserResult, key: string): PortResult => ({ kr: r.kr, port: r.kr === 0 ? ((r[key] as number) ?? MACH_PORT_NULL) : MACH_PORT_NULL });

/** bootstrap_check_in: the service's receive right. */
export async function bootstrapCheckIn(thread: MigThread, bp: number, name: string): Promise<PortResult> {
  return portOf(await call(thread, "check_in2", bp, { servicename: name, flags: 0n }), "serviceport");
}

/** bootstrap_register (bootstrap_register2 with no flags): `port` is a send right name (copied), or MACH_PORT_NULL to unregister. */
export async function bootstrapRegister(thread: MigThread, bp: number, name: string, port: number): Promise<number> {
  return (await call(thread, "register2", bp, { servicename: name, serviceport: port, flags: 0n })).kr;
}

/** bootstrap_look_up: a send right to the service. */
export async function bootstrapLookUp(thread: MigThread, bp: number, name: string): Promise<PortResult> {
  return portOf(await call(thread, "look_up2", bp, { servicename: name, targetpid: 0, instanceid: new Uint8Array(16), flags: 0n }), "serviceport");
}

/** bootstrap_parent: the parent namespace's port (the root is its own parent). */
export async function bootstrapParent(thread: MigThread, bp: number): Promise<PortResult> {
  return portOf(await call(thread, "parent", bp), "parentport");
}

/** bootstrap_strerror: launchd's words for its codes, mach_error_string's names otherwise. */
export function bootstrapStrerrorText(kr: number): string {
  return bootstrapStrerror(kr, kernReturnName);
}
