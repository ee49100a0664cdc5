/**
 * The bootstrap subsystem (launchd-842's job.defs, `subsystem job 400`): the
 * routines behind bootstrap_check_in, bootstrap_register, bootstrap_look_up
 * and bootstrap_parent, at launchd's ids and layouts. launchd serves them on
 * the bootstrap port (src/kern/bootstrap.ts), from a registry of their own:
 * their ids overlap host_priv's (400-426), as launchd's and the kernel's do.
 */
import { MIG_BAD_ARGUMENTS, MIG_BAD_ID } from "../abi/kern_return.js";
import { BOOTSTRAP_MAX_NAME_LEN } from "../abi/bootstrap.js";
import type { Routine } from "../mig/routine.js";
import { bytes, fixedCString, inP, int32, named, outP, receivePort, sendPort, uint64, type PortArg } from "../mig/types.js";
import { MACH_MSG_TYPE_COPY_SEND } from "../abi/message.js";
import type { KernelCall } from "../kern/kernel.js";
import type { BootstrapServer } from "../kern/bootstrap.js";
import type { Task } from "../kern/task.js";
import { routinesOn, withUserAuditToken } from "./common.js";
import type { MigRegistry } from "../kern/ipc_kobject.js";

export const BOOTSTRAP_BASE = 400;
export const BOOTSTRAP_END = 417;

// job_types.defs' types.
/** name_t: c_string[128], inline and fixed; the user stub copies the name in with mig_strncpy. */
const name_t = named("name_t", fixedCString(BOOTSTRAP_MAX_NAME_LEN));
/** uuid_t: array[16] of MACH_MSG_TYPE_BYTE. */
const uuid_t = named("uuid_t", { ...bytes(16), cArray: true });
const pid_t = named("pid_t", int32);
const uint64_t = named("uint64_t", uint64);
/** job_t: launchd's job for the port (job_mig_intran); user stubs take it as vproc_mig_t. */
const job_t = named("vproc_mig_t", sendPort, { user: MACH_MSG_TYPE_COPY_SEND });
const mach_port_t = named("mach_port_t", sendPort, { user: MACH_MSG_TYPE_COPY_SEND });
const mach_port_move_receive_t = named("mach_port_t", receivePort);
const mach_port_make_send_t = named("mach_port_t", sendPort);

const routine = routinesOn(inP("j", job_t));

/** job.defs' userprefix: libmachipc's stubs are vproc_mig_<routine>, as liblaunch links them. */
export const BOOTSTRAP_USER_PREFIX = "vproc_mig_";

/** The server stub's check: the name must be NUL-terminated within its 128 bytes. */
function serviceName(a: Record<string, unknown>): string | null {
  const b = a["servicename"] as Uint8Array;
  const end = b.indexOf(0);
  return end < 0 ? null : new TextDecoder().decode(b.subarray(0, end));
}

/** job_mig_intran: launchd's job for the caller (the port is launchd's bootstrap port: only it is served from here). */
function served(call: KernelCall): { bs: BootstrapServer; caller: Task | null } | null {
  const bs = call.kernel.bootstrap;
  return bs && call.port === bs.port ? { bs, caller: call.caller } : null;
}

/** Put the subsystem in launchd's registry. */
export function installBootstrap(registry: MigRegistry<KernelCall>): void {
  registry.add("bootstrap", BOOTSTRAP_BASE, BOOTSTRAP_END, bootstrapRoutines);
}

/** A bootstrap routine by its job.defs name (check_in2, register2, look_up2, parent), for client stubs. */
export function bootstrapRoutine(name: string): Routine<KernelCall> {
  const r = bootstrapRoutines.find((x) => x.name === name);
  if (!r) throw new Error(`no bootstrap routine ${name}`);
  return r;
}

export const bootstrapRoutines: Routine<KernelCall>[] = [
  routine(
    402,
    "check_in2",
    [inP("servicename", name_t), outP("serviceport", mach_port_move_receive_t), outP("instanceid", uuid_t), inP("flags", uint64_t)],
    (call, a) => {
      const s = served(call);
      if (!s) return MIG_BAD_ID;
      const name = serviceName(a);
      if (name === null) return MIG_BAD_ARGUMENTS;
      const r = s.bs.checkIn(s.caller, name);
      return r.kr !== 0 ? r.kr : { serviceport: r.port, instanceid: new Uint8Array(16) };
    },
  ),
  routine(
    403,
    "register2",
    [inP("servicename", name_t), inP("serviceport", mach_port_t), inP("flags", uint64_t)],
    (call, a) => {
      const s = served(call);
      if (!s) return MIG_BAD_ID;
      const name = serviceName(a);
      if (name === null) return MIG_BAD_ARGUMENTS;
      return s.bs.register(s.caller, name, a["serviceport"] as PortArg);
    },
  ),
  // look_up2's `UserAuditToken servercreds` (liblaunch checks the server's euid with it).
  withUserAuditToken(routine(
    404,
    "look_up2",
    [inP("servicename", name_t), outP("serviceport", mach_port_t), inP("targetpid", pid_t), inP("instanceid", uuid_t), inP("flags", uint64_t)],
    (call, a) => {
      const s = served(call);
      if (!s) return MIG_BAD_ID;
      const name = serviceName(a);
      if (name === null) return MIG_BAD_ARGUMENTS;
      const r = s.bs.lookUp(name);
      return r.kr !== 0 ? r.kr : { serviceport: r.port };
    },
  ), "servercreds", "serviceport"),
  routine(406, "parent", [outP("parentport", mach_port_make_send_t)], (call) => {
    const s = served(call);
    if (!s) return MIG_BAD_ID;
    return { parentport: s.bs.parent() };
  }),
];
