/**
 * task.defs' semaphore routines (3418, 3419): a task makes and destroys its
 * semaphores by MIG message; signalling and waiting are traps
 * (src/kern/trap_table.ts). The objects are src/kern/sync_sema.ts.
 */
import type { Routine } from "../mig/routine.js";
import { inP, outP, sendPort, named } from "../mig/types.js";
import { c_int, task_t } from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { convertPortToSemaphore, semaphoreCreate, semaphoreDestroy, semaphoreToPort } from "../kern/sync_sema.js";
import { KERN_SUCCESS } from "../abi/kern_return.js";
import { MACH_MSG_TYPE_MOVE_SEND } from "../abi/message.js";
import { num, portArg, routinesOn, taskOf } from "./common.js";

/** mach_types.defs: a semaphore is a send right; semaphore_consume_ref_t moves the caller's right to the kernel. */
export const semaphore_t = named("semaphore_t", sendPort);
export const semaphore_consume_ref_t = named("semaphore_t", sendPort, { user: MACH_MSG_TYPE_MOVE_SEND });

const routine = routinesOn(inP("task", task_t));

export const taskSyncRoutines: Routine<KernelCall>[] = [
  routine(3418, "semaphore_create", [outP("semaphore", semaphore_t), inP("policy", c_int), inP("value", c_int)], (call, a) => {
    const r = semaphoreCreate(taskOf(call.port), num(a, "policy"), num(a, "value"));
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { semaphore: semaphoreToPort(call.kernel, r.semaphore!) };
  }),
  routine(3419, "semaphore_destroy", [inP("semaphore", semaphore_consume_ref_t, { intran: true })], (call, a) =>
    semaphoreDestroy(taskOf(call.port), convertPortToSemaphore(portArg(a, "semaphore").port)),
  ),
];
