/**
 * The exc (2401) and mach_exc (2405) subsystems: the messages the kernel sends
 * to exception ports. The kernel is the client here; these descriptions lay out
 * its requests and let a handler (or a test) decode them and encode replies.
 * They are not registered with the kernel's dispatcher.
 */
import { Routine } from "../mig/routine.js";
import { inoutP, inP, outP, type ArrayType } from "../mig/types.js";
import { c_int, exception_data_t, exception_type_t, mach_exception_data_t, mach_port_t, thread_state_t } from "../mig/defs_types.js";

export const EXC_BASE = 2401;
export const MACH_EXC_BASE = 2405;
/** THREAD_STATE_MAX in the exc .defs (x86, xnu-3248). */
export const EXC_STATE_MAX = thread_state_t.max;

const state = thread_state_t;
const target = inP("exception_port", mach_port_t);
const noHandler = (): number => {
  throw new Error("exception routines are served by user handlers, not the kernel");
};

function family(base: number, prefix: string, code: ArrayType): Routine<unknown>[] {
  return [
    new Routine<unknown>({
      id: base,
      name: `${prefix}exception_raise`,
      target,
      params: [inP("thread", mach_port_t), inP("task", mach_port_t), inP("exception", exception_type_t), inP("code", code)],
      handler: noHandler,
    }),
    new Routine<unknown>({
      id: base + 1,
      name: `${prefix}exception_raise_state`,
      target,
      params: [
        inP("exception", exception_type_t),
        inP("code", code, { cConst: true }),
        inoutP("flavor", c_int),
        inP("old_state", state, { cConst: true }),
        outP("new_state", state),
      ],
      handler: noHandler,
    }),
    new Routine<unknown>({
      id: base + 2,
      name: `${prefix}exception_raise_state_identity`,
      target,
      params: [
        inP("thread", mach_port_t),
        inP("task", mach_port_t),
        inP("exception", exception_type_t),
        inP("code", code),
        inoutP("flavor", c_int),
        inP("old_state", state),
        outP("new_state", state),
      ],
      handler: noHandler,
    }),
  ];
}

export const excRoutines = family(EXC_BASE, "", exception_data_t);
export const machExcRoutines = family(MACH_EXC_BASE, "mach_", mach_exception_data_t);

/** The routine for a behavior (1..3) in the exc or mach_exc format. */
export function exceptionRoutine(behavior: number, code64: boolean): Routine<unknown> {
  return (code64 ? machExcRoutines : excRoutines)[behavior - 1]!;
}
