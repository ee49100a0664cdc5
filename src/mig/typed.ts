/**
 * The typed face of `call()`: a routine named by string or by MIG id, its
 * arguments checked against its description at compile time (and at run time
 * by validate.ts), its result narrowed by `kr`.
 *
 *     const r = await thread.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE });
 *     if (r.kr !== KERN_SUCCESS) throw new Error(kernReturnName(r.kr));
 *     r.name; // number
 */
import type { KernError, RoutineNamesById, Routines } from "./routine_types.js";

export type { KernError, RoutineNamesById, Routines };
export type RoutineName = keyof Routines;
export type RoutineId = keyof RoutineNamesById;
/** A routine by name or by MIG id. */
export type RoutineKey = RoutineName | RoutineId;
export type RoutineNameOf<K extends RoutineKey> = K extends RoutineName ? K : K extends RoutineId ? RoutineNamesById[K] : never;
export type RoutineArgs<K extends RoutineKey> = Routines[RoutineNameOf<K>]["args"];
export type RoutineOuts<K extends RoutineKey> = Routines[RoutineNameOf<K>]["outs"];

/** A reply: KERN_SUCCESS with every out-parameter, or a failure code with none. */
export type CallResult<O> = ({ kr: 0 } & O) | ({ kr: KernError } & { [P in keyof O]?: undefined });
export type RoutineResult<K extends RoutineKey> = CallResult<RoutineOuts<K>>;

/** The arguments object: optional when the routine takes nothing a caller must give. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type CallArgs<K extends RoutineKey> = {} extends RoutineArgs<K> ? [args?: RoutineArgs<K>] : [args: RoutineArgs<K>];
