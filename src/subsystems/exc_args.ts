/** The parameter lists shared by the host, task and thread set/get/swap exception port routines. */
import { inP, outP, type Param, type PortArg } from "../mig/types.js";
import {
  exception_behavior_array_t,
  exception_behavior_t,
  exception_flavor_array_t,
  exception_handler_array_t,
  exception_mask_array_t,
  exception_mask_t,
  mach_port_t,
  thread_state_flavor_t,
} from "../mig/defs_types.js";
import type { PortRef } from "../ipc/port.js";

/** EXC_TYPES_COUNT-sized arrays in the .defs are declared [*:32]. */
export const EXC_ARRAY_MAX = 32;

export const setExceptionParams: Param[] = [
  inP("exception_mask", exception_mask_t),
  inP("new_port", mach_port_t),
  inP("behavior", exception_behavior_t),
  inP("new_flavor", thread_state_flavor_t),
];

const outs = (handlers: string): Param[] => [
  outP("masks", exception_mask_array_t),
  outP(handlers, exception_handler_array_t, { sameCount: true }),
  outP("old_behaviors", exception_behavior_array_t, { sameCount: true }),
  outP("old_flavors", exception_flavor_array_t, { sameCount: true }),
];

export const getExceptionParams: Param[] = [inP("exception_mask", exception_mask_t), ...outs("old_handlers")];
export const swapExceptionParams = (handlers = "old_handlers"): Param[] => [...setExceptionParams, ...outs(handlers)];

/** A get/swap result as the reply's out-parameters. */
export function exceptionOuts(info: { masks: number[]; ports: unknown[]; behaviors: number[]; flavors: number[] }, handlers = "old_handlers"): Record<string, unknown> {
  // The get routines' name as a literal key: an object literal with a computed key is built
  // property by property, with another shape than the literal's, on every get_exception_ports.
  if (handlers === "old_handlers") return { masks: info.masks, old_handlers: info.ports, old_behaviors: info.behaviors, old_flavors: info.flavors };
  return { masks: info.masks, [handlers]: info.ports, old_behaviors: info.behaviors, old_flavors: info.flavors };
}

/** The four set/swap arguments, decoded. */
export function setArgs(a: Record<string, unknown>): { mask: number; port: PortRef; behavior: number; flavor: number } {
  return {
    mask: a["exception_mask"] as number,
    port: (a["new_port"] as PortArg).port,
    behavior: a["behavior"] as number,
    flavor: a["new_flavor"] as number,
  };
}
