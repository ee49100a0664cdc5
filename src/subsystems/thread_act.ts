/**
 * The thread_act subsystem (3600) on thread ports: state, special port,
 * suspend/resume/terminate. The exception-port routines join them from thread_exc.ts.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS, KERN_TERMINATED } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import { c_int, mach_port_t, thread_act_consume_ref_t, thread_act_t, thread_flavor_t, thread_info_t, thread_state_flavor_t, thread_state_t } from "../mig/defs_types.js";
import { convertPortToThread } from "../kern/ipc_tt.js";
import type { KernelCall } from "../kern/kernel.js";
import type { Thread } from "../kern/thread.js";
import { threadGetSpecialPort, threadSetSpecialPort } from "../kern/task_special.js";
import { THREAD_INFO_MAX, threadInfo } from "../kern/task_info.js";
import { num, portArg, routinesOn } from "./common.js";
import { threadExceptionRoutines } from "./exc_ports_tt.js";
import { threadMoreRoutines } from "./thread_more.js";

export const THREAD_ACT_BASE = 3600;
export const THREAD_ACT_END = 3628;
/** thread_state_t is array[*:THREAD_STATE_MAX] of natural_t (224 in xnu-3248). */
const THREAD_STATE_MAX = 224;

const routine = routinesOn(inP("target_act", thread_act_t));
const onThrAct = inP("thr_act", thread_act_t);
const target = (call: KernelCall): Thread | null => convertPortToThread<Thread>(call.port);

function getState(call: KernelCall, flavor: number, capacity: number) {
  const thread = target(call);
  if (!thread) return KERN_INVALID_ARGUMENT;
  if (!thread.active) return KERN_TERMINATED;
  const r = thread.state.get(flavor, Math.min(capacity, THREAD_STATE_MAX));
  return r.kr !== KERN_SUCCESS ? r.kr : { old_state: Array.from(r.state) };
}

function setState(call: KernelCall, flavor: number, words: number[]) {
  const thread = target(call);
  if (!thread) return KERN_INVALID_ARGUMENT;
  if (!thread.active) return KERN_TERMINATED;
  return thread.state.set(flavor, Uint32Array.from(words, (w) => w >>> 0));
}

const stateOut = outP("old_state", thread_state_t, { countInOut: true });
const stateIn = inP("new_state", thread_state_t);

export const threadActRoutines: Routine<KernelCall>[] = [
  routine(3600, "thread_terminate", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    thread.terminate();
    return KERN_SUCCESS;
  }, inP("target_act", thread_act_consume_ref_t)),
  routine(3601, "act_get_state", [inP("flavor", c_int), stateOut], (call, a) => getState(call, num(a, "flavor"), num(a, "old_stateCnt"))),
  routine(3602, "act_set_state", [inP("flavor", c_int), stateIn], (call, a) => setState(call, num(a, "flavor"), a["new_state"] as number[])),
  routine(3603, "thread_get_state", [inP("flavor", thread_state_flavor_t), stateOut], (call, a) => getState(call, num(a, "flavor"), num(a, "old_stateCnt"))),
  routine(3604, "thread_set_state", [inP("flavor", thread_state_flavor_t), stateIn], (call, a) => setState(call, num(a, "flavor"), a["new_state"] as number[])),
  routine(3605, "thread_suspend", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    thread.suspendCount++;
    return KERN_SUCCESS;
  }),
  routine(3606, "thread_resume", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    if (thread.suspendCount === 0) return KERN_FAILURE;
    thread.suspendCount--;
    return KERN_SUCCESS;
  }),
  routine(3607, "thread_abort", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    thread.abort();
    return KERN_SUCCESS;
  }),
  routine(3612, "thread_info", [inP("flavor", thread_flavor_t), outP("thread_info_out", thread_info_t, { countInOut: true })], (call, a) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    const r = threadInfo(thread, num(a, "flavor"), Math.min(num(a, "thread_info_outCnt"), THREAD_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { thread_info_out: r.info };
  }),
  routine(3610, "thread_get_special_port", [inP("which_port", c_int), outP("special_port", mach_port_t)], (call, a) => {
    const r = threadGetSpecialPort(target(call), num(a, "which_port"));
    return r.kr !== KERN_SUCCESS ? r.kr : { special_port: r.port };
  }, onThrAct),
  routine(3611, "thread_set_special_port", [inP("which_port", c_int), inP("special_port", mach_port_t)], (call, a) =>
    threadSetSpecialPort(target(call), num(a, "which_port"), portArg(a, "special_port").port),
  onThrAct),
  ...threadExceptionRoutines,
  ...threadMoreRoutines,
];
