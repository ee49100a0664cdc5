/** The parameter lists shared by the host, task and thread set/get/swap exception port routines. */
import { array, inP, int32, outP, portArray, sendPort, uint32, type Param, type PortArg } from "../mig/types.js";
import type { PortRef } from "../ipc/port.js";

/** EXC_TYPES_COUNT-sized arrays in the .defs are declared [*:32]. */
export const EXC_ARRAY_MAX = 32;

export const setExceptionParams: Param[] = [
  inP("exception_mask", uint32),
  inP("new_port", sendPort),
  inP("behavior", int32),
  inP("new_flavor", int32),
];

const outs = (handlers: string): Param[] => [
  outP("masks", array(4, EXC_ARRAY_MAX)),
  outP(handlers, portArray(EXC_ARRAY_MAX), { sameCount: true }),
  outP("old_behaviors", array(4, EXC_ARRAY_MAX), { sameCount: true }),
  outP("old_flavors", array(4, EXC_ARRAY_MAX), { sameCount: true }),
];

export const getExceptionParams: Param[] = [inP("exception_mask", uint32), ...outs("old_handlers")];
export const swapExceptionParams = (handlers = "old_handlers"): Param[] => [...setExceptionParams, ...outs(handlers)];

/** A get/swap result as the reply's out-parameters. */
export function exceptionOuts(info: { masks: number[]; ports: unknown[]; behaviors: number[]; flavors: number[] }, handlers = "old_handlers") {
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
