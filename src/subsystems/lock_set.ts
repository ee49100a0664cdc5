/**
 * The lock_set subsystem (617000). xnu-3248 keeps it in the kernel's mig_e
 * table, but lock sets are gone: lock_set_create answers KERN_FAILURE, so no
 * port is ever a lock set, convert_port_to_lock_set is LOCK_SET_NULL for every
 * port, and each routine (osfmk/kern/sync_lock.c) answers KERN_FAILURE without
 * looking at its arguments. MIG's own checks of the request come first.
 */
import { KERN_FAILURE } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP } from "../mig/types.js";
import { c_int, lock_set_t } from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routinesOn } from "./common.js";

export const LOCK_SET_BASE = 617000;
export const LOCK_SET_END = 617006;

const routine = routinesOn(inP("lock_set", lock_set_t));
const gone = (): number => KERN_FAILURE;
const lockId = [inP("lock_id", c_int)];

export const lockSetRoutines: Routine<KernelCall>[] = [
  routine(617000, "lock_acquire", lockId, gone),
  routine(617001, "lock_release", lockId, gone),
  routine(617002, "lock_try", lockId, gone),
  routine(617003, "lock_make_stable", lockId, gone),
  routine(617004, "lock_handoff", lockId, gone),
  routine(617005, "lock_handoff_accept", lockId, gone),
];
