/** The host_security subsystem (600), served on the host security port. */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_SECURITY } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import { audit_token_t, boolean_t, host_security_t, host_t, ledger_array_t, security_token_t, task_t } from "../mig/defs_types.js";
import { convertPortToHost, convertPortToHostSecurity } from "../kern/ipc_host.js";
import { hostSecuritySetTaskTokenRoutine } from "../kern/host_security.js";
import type { KernelCall } from "../kern/kernel.js";
import { portArg, routinesOn, taskOf } from "./common.js";

export const HOST_SECURITY_BASE = 600;
export const HOST_SECURITY_END = 602;

const tokens = (a: Record<string, unknown>): { sec: [number, number]; audit: Uint32Array } => {
  const s = new DataView((a["sec_token"] as Uint8Array).slice().buffer);
  const au = new DataView((a["audit_token"] as Uint8Array).slice().buffer);
  return {
    sec: [s.getUint32(0, true), s.getUint32(4, true)],
    audit: Uint32Array.from({ length: 8 }, (_, i) => au.getUint32(4 * i, true)),
  };
};

const routine = routinesOn(inP("host_security", host_security_t));

export const hostSecurityRoutines: Routine<KernelCall>[] = [
  routine(
    600,
    "host_security_create_task_token",
    [
      inP("parent_task", task_t, { intran: true }),
      inP("sec_token", security_token_t),
      inP("audit_token", audit_token_t),
      inP("host", host_t, { intran: true }),
      inP("ledgers", ledger_array_t),
      inP("inherit_memory", boolean_t),
      outP("child_task", task_t),
    ],
    (call, a) => {
      if (!taskOf(portArg(a, "parent_task").port)) return KERN_INVALID_ARGUMENT;
      if (!convertPortToHostSecurity(call.port)) return KERN_INVALID_SECURITY;
      // xnu-3248 no longer creates tasks this way.
      return KERN_FAILURE;
    },
  ),
  routine(
    601,
    "host_security_set_task_token",
    [
      inP("target_task", task_t, { intran: true }),
      inP("sec_token", security_token_t),
      inP("audit_token", audit_token_t),
      inP("host", host_t, { intran: true }),
    ],
    (call, a) => {
      const t = tokens(a);
      // The host argument is a host_t: the plain host port converts too, and still yields host priv.
      return hostSecuritySetTaskTokenRoutine(
        convertPortToHostSecurity(call.port),
        taskOf(portArg(a, "target_task").port),
        t.sec,
        t.audit,
        convertPortToHost(portArg(a, "host").port),
      );
    },
  ),
];
