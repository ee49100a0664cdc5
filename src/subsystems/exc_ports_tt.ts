/**
 * task_set/get/swap_exception_ports (3413-3415) and thread_set/get/swap_exception_ports
 * (3613-3615) of xnu-3248's ipc_tt.c: the host routines' layouts and logic with
 * the task/thread differences — no MAC hook, the behavior always checked with
 * MACH_EXCEPTION_CODES masked, the `privileged` bit from the caller's uid, a
 * dead target answering KERN_FAILURE after validation, the thread's get using
 * the correct count check and its action table made on first set.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { convertPortToThread } from "../kern/ipc_tt.js";
import type { KernelCall } from "../kern/kernel.js";
import type { ExceptionAction } from "../kern/exc_action.js";
import { getExceptionPorts, installExceptionPorts, swapExceptionPorts, validateSet } from "../kern/exc_ports.js";
import { convertPortToTask } from "../kern/ipc_tt.js";
import type { Task } from "../kern/task.js";
import type { Thread } from "../kern/thread.js";
import { EXC_ARRAY_MAX, exceptionOuts, setArgs, getExceptionParams, setExceptionParams, swapExceptionParams } from "./exc_args.js";
import { routine as routineOn, num } from "./common.js";
import { inP, type Param } from "../mig/types.js";
import { task_t, thread_act_t } from "../mig/defs_types.js";

/** What the routines need of a task or a thread. */
interface Target {
  active: boolean;
  /** The action table; the thread's is made on first set. */
  actions(create: boolean): ExceptionAction[] | null;
}

const taskTarget = (t: Task | null): Target | null => (t ? { active: t.active, actions: () => t.excActions } : null);
const threadTarget = (t: Thread | null): Target | null => (t ? { active: t.active, actions: (c) => (c ? t.actions() : t.excActions) } : null);

/** task->exc_actions[i].privileged: whether the caller is uid 0. */
const privileged = (call: KernelCall): boolean => call.caller?.secToken[0] === 0;

function family(
  base: number,
  resolve: (call: KernelCall) => Target | null,
  fixedGet: (call: KernelCall) => boolean,
  prefix: string,
  target: Param,
  swapHandlers: string,
): Routine<KernelCall>[] {
  const routine = (id: number, name: string, params: Param[], handler: Parameters<typeof routineOn>[3]) => routineOn(id, name, params, handler, target);
  return [
    routine(base, `${prefix}_set_exception_ports`, setExceptionParams, (call, a) => {
      const t = resolve(call);
      if (!t) return KERN_INVALID_ARGUMENT;
      const { mask, port, behavior, flavor } = setArgs(a);
      const kr = validateSet(mask, port, behavior, flavor, { arch: call.kernel.options.arch, maskBehavior: true });
      if (kr !== KERN_SUCCESS) return kr;
      if (!t.active) return KERN_FAILURE;
      installExceptionPorts(t.actions(true)!, mask, port, behavior, flavor, privileged(call));
      return KERN_SUCCESS;
    }),
    routine(base + 1, `${prefix}_get_exception_ports`, getExceptionParams, (call, a) => {
      const t = resolve(call);
      if (!t) return KERN_INVALID_ARGUMENT;
      const mask = num(a, "exception_mask");
      if (getExceptionPorts([], mask, 0, true).kr !== KERN_SUCCESS) return KERN_INVALID_ARGUMENT;
      if (!t.active) return KERN_FAILURE;
      const r = getExceptionPorts(t.actions(false), mask, EXC_ARRAY_MAX, fixedGet(call));
      return r.kr !== KERN_SUCCESS ? r.kr : exceptionOuts(r.info);
    }),
    routine(base + 2, `${prefix}_swap_exception_ports`, swapExceptionParams(swapHandlers), (call, a) => {
      const t = resolve(call);
      if (!t) return KERN_INVALID_ARGUMENT;
      const { mask, port, behavior, flavor } = setArgs(a);
      const kr = validateSet(mask, port, behavior, flavor, { arch: call.kernel.options.arch, maskBehavior: true });
      if (kr !== KERN_SUCCESS) return kr;
      if (!t.active) return KERN_FAILURE;
      const info = swapExceptionPorts(t.actions(true)!, mask, port, behavior, flavor, privileged(call), EXC_ARRAY_MAX);
      return exceptionOuts(info, swapHandlers);
    }),
  ];
}

/** 3413-3415 on task ports; the get has xnu-3248's late count check unless fixed. */
export const taskExceptionRoutines = family(
  3413,
  (call) => taskTarget(convertPortToTask<Task>(call.port)),
  (call) => call.kernel.options.fixes.getExceptionPortsCount,
  "task",
  inP("task", task_t),
  // task.defs spells the swap's handlers old_handlerss, as host_priv.defs does.
  "old_handlerss",
);

/** 3613-3615 on thread ports; the thread get checks the count correctly. */
export const threadExceptionRoutines = family(
  3613,
  (call) => threadTarget(convertPortToThread<Thread>(call.port)),
  () => true,
  "thread",
  inP("thread", thread_act_t),
  "old_handlers",
);
