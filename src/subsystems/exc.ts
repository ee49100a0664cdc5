/**
 * The exc (2401) and mach_exc (2405) subsystems: the messages the kernel sends
 * to exception ports. The kernel is the client here; these descriptions lay out
 * its requests and let a handler (or a test) decode them and encode replies.
 * They are not registered with the kernel's dispatcher.
 */
import { Routine } from "../mig/routine.js";
import { array, inoutP, inP, int32, outP, sendPort } from "../mig/types.js";

export const EXC_BASE = 2401;
export const MACH_EXC_BASE = 2405;
/** THREAD_STATE_MAX in the exc .defs (x86, xnu-3248). */
export const EXC_STATE_MAX = 224;

const state = array(4, EXC_STATE_MAX);
const noHandler = (): number => {
  throw new Error("exception routines are served by user handlers, not the kernel");
};

function family(base: number, prefix: string, codeElem: 4 | 8): Routine<unknown>[] {
  const code = array(codeElem, 2);
  return [
    new Routine<unknown>({
      id: base,
      name: `${prefix}exception_raise`,
      params: [inP("thread", sendPort), inP("task", sendPort), inP("exception", int32), inP("code", code)],
      handler: noHandler,
    }),
    new Routine<unknown>({
      id: base + 1,
      name: `${prefix}exception_raise_state`,
      params: [inP("exception", int32), inP("code", code), inoutP("flavor", int32), inP("old_state", state), outP("new_state", state)],
      handler: noHandler,
    }),
    new Routine<unknown>({
      id: base + 2,
      name: `${prefix}exception_raise_state_identity`,
      params: [
        inP("thread", sendPort),
        inP("task", sendPort),
        inP("exception", int32),
        inP("code", code),
        inoutP("flavor", int32),
        inP("old_state", state),
        outP("new_state", state),
      ],
      handler: noHandler,
    }),
  ];
}

export const excRoutines = family(EXC_BASE, "", 4);
export const machExcRoutines = family(MACH_EXC_BASE, "mach_", 8);

/** The routine for a behavior (1..3) in the exc or mach_exc format. */
export function exceptionRoutine(behavior: number, code64: boolean): Routine<unknown> {
  return (code64 ? machExcRoutines : excRoutines)[behavior - 1]!;
}
