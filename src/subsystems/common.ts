/** Helpers the subsystem files share: routine construction and target conversions. */
import { Routine, type Args, type RoutineResult } from "../mig/routine.js";
import type { Param, PortArg } from "../mig/types.js";
import type { KernelCall } from "../kern/kernel.js";
import type { PortRef } from "../ipc/port.js";
import { convertPortToTask } from "../kern/ipc_tt.js";
import type { Task } from "../kern/task.js";
import type { IpcSpace } from "../ipc/space.js";
import { MACH_TRAPS } from "../abi/traps.js";

export type Handler = (call: KernelCall, a: Args) => RoutineResult;

export const routine = (id: number, name: string, params: Param[], handler: Handler, target?: Param): Routine<KernelCall> =>
  new Routine<KernelCall>({ id, name, params, handler, target });

/**
 * Mark a routine that libsystem tries as `_kernelrpc_<name>_trap` first: libmachipc's
 * `<name>` then calls the trap and sends the MIG message (its `_kernelrpc_<name>`) only
 * when the trap answers MACH_SEND_INVALID_DEST. Mark only routines whose trap libmachipc has.
 */
export const trap = <C>(r: Routine<C>): Routine<C> =>
  new Routine<C>({ id: r.id, name: r.name, params: r.params, handler: r.handler, target: r.target, simple: r.simple, trap: true, userAuditToken: r.userAuditToken });

/** MIG's `UserAuditToken name` after the parameter `after`: the C user stub also gives the replier's audit token. */
export const withUserAuditToken = <C>(r: Routine<C>, name: string, after: string): Routine<C> =>
  new Routine<C>({ id: r.id, name: r.name, params: r.params, handler: r.handler, target: r.target, simple: r.simple, trap: r.trap, userAuditToken: { name, after } });

/**
 * The routine maker of a subsystem whose routines take `target` first (the
 * .defs' first parameter, e.g. `host : host_t`); a routine whose .defs says
 * otherwise passes its own as the last argument.
 */
export const routinesOn =
  (target: Param) =>
  (id: number, name: string, params: Param[], handler: Handler, own?: Param): Routine<KernelCall> =>
    routine(id, name, params, handler, own ?? target);

/**
 * The routines libsystem tries as a trap first (src/abi/traps.ts names each trap's routine):
 * marked `trap`, so the C generator emits the trap-first wrapper under the routine's name.
 */
export const withTrapMarks = (routines: Routine<KernelCall>[]): Routine<KernelCall>[] => {
  const trapFirst = new Set(MACH_TRAPS.map((t) => t.routine));
  return routines.map((r) =>
    trapFirst.has(r.name) ? trap(r) : r,
  );
};

/** A port argument as decoded. */
export const portArg = (a: Args, name: string): PortArg => a[name] as PortArg;
export const num = (a: Args, name: string): number => a[name] as number;
export const big = (a: Args, name: string): bigint => a[name] as bigint;

/** convert_port_to_task: an active task behind an IKOT_TASK port. */
export function taskOf(port: PortRef): Task | null {
  const t = convertPortToTask<Task>(port);
  return t && t.active ? t : null;
}

/** convert_port_to_space: the space of an active task. */
export function spaceOf(port: PortRef): IpcSpace | null {
  return taskOf(port)?.space ?? null;
}

/** A result object from an operation's { kr, ...outs }. */
export function result<T extends object>(r: { kr: number } & T): RoutineResult {
  return r as RoutineResult;
}
