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
import { bytes, inP, int32, outP, receivePort, sendPort, uint64, type PortArg } from "../mig/types.js";
import type { KernelCall } from "../kern/kernel.js";
import type { BootstrapServer } from "../kern/bootstrap.js";
import type { Task } from "../kern/task.js";
import { routine } from "./common.js";
import type { MigRegistry } from "../kern/ipc_kobject.js";

export const BOOTSTRAP_BASE = 400;
export const BOOTSTRAP_END = 417;

/** name_t: c_string[128], inline and fixed. */
const nameT = bytes(BOOTSTRAP_MAX_NAME_LEN);
/** uuid_t: array[16] of MACH_MSG_TYPE_BYTE. */
const uuidT = bytes(16);

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

/** A bootstrap routine by name, for client stubs. */
export function bootstrapRoutine(name: string): Routine<KernelCall> {
  const r = bootstrapRoutines.find((x) => x.name === name);
  if (!r) throw new Error(`no bootstrap routine ${name}`);
  return r;
}

export const bootstrapRoutines: Routine<KernelCall>[] = [
  routine(
    402,
    "bootstrap_check_in2",
    [inP("servicename", nameT), outP("serviceport", receivePort), outP("instanceid", uuidT), inP("flags", uint64)],
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
    "bootstrap_register2",
    [inP("servicename", nameT), inP("serviceport", sendPort), inP("flags", uint64)],
    (call, a) => {
      const s = served(call);
      if (!s) return MIG_BAD_ID;
      const name = serviceName(a);
      if (name === null) return MIG_BAD_ARGUMENTS;
      return s.bs.register(s.caller, name, a["serviceport"] as PortArg);
    },
  ),
  routine(
    404,
    "bootstrap_look_up2",
    [inP("servicename", nameT), outP("serviceport", sendPort), inP("targetpid", int32), inP("instanceid", uuidT), inP("flags", uint64)],
    (call, a) => {
      const s = served(call);
      if (!s) return MIG_BAD_ID;
      const name = serviceName(a);
      if (name === null) return MIG_BAD_ARGUMENTS;
      const r = s.bs.lookUp(name);
      return r.kr !== 0 ? r.kr : { serviceport: r.port };
    },
  ),
  routine(406, "bootstrap_parent", [outP("parentport", sendPort)], (call) => {
    const s = served(call);
    if (!s) return MIG_BAD_ID;
    return { parentport: s.bs.parent() };
  }),
];
