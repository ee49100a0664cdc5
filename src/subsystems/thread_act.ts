/**
 * The thread_act subsystem (3600) on thread ports: state, special port,
 * suspend/resume/terminate. The exception-port routines join them from thread_exc.ts.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS, KERN_TERMINATED } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { array, inP, int32, outP, sendPort } from "../mig/types.js";
import { convertPortToThread } from "../kern/ipc_tt.js";
import type { KernelCall } from "../kern/kernel.js";
import type { Thread } from "../kern/thread.js";
import { threadGetSpecialPort, threadSetSpecialPort } from "../kern/task_special.js";
import { THREAD_INFO_MAX, threadInfo } from "../kern/task_info.js";
import { num, portArg, routine } from "./common.js";
import { threadExceptionRoutines } from "./exc_ports_tt.js";

export const THREAD_ACT_BASE = 3600;
export const THREAD_ACT_END = 3628;
/** thread_state_t is array[*:THREAD_STATE_MAX] of natural_t (224 in xnu-3248). */
const THREAD_STATE_MAX = 224;

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

const stateOut = outP("old_state", array(4, THREAD_STATE_MAX), { countInOut: true });
const stateIn = inP("new_state", array(4, THREAD_STATE_MAX));

export const threadActRoutines: Routine<KernelCall>[] = [
  routine(3600, "thread_terminate", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    thread.terminate();
    return KERN_SUCCESS;
  }),
  routine(3601, "act_get_state", [inP("flavor", int32), stateOut], (call, a) => getState(call, num(a, "flavor"), num(a, "old_stateCnt"))),
  routine(3602, "act_set_state", [inP("flavor", int32), stateIn], (call, a) => setState(call, num(a, "flavor"), a["new_state"] as number[])),
  routine(3603, "thread_get_state", [inP("flavor", int32), stateOut], (call, a) => getState(call, num(a, "flavor"), num(a, "old_stateCnt"))),
  routine(3604, "thread_set_state", [inP("flavor", int32), stateIn], (call, a) => setState(call, num(a, "flavor"), a["new_state"] as number[])),
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
  routine(3612, "thread_info", [inP("flavor", int32), outP("thread_info_out", array(4, THREAD_INFO_MAX), { countInOut: true })], (call, a) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    const r = threadInfo(thread, num(a, "flavor"), Math.min(num(a, "thread_info_outCnt"), THREAD_INFO_MAX));
    return r.kr !== KERN_SUCCESS ? r.kr : { thread_info_out: r.info };
  }),
  routine(3610, "thread_get_special_port", [inP("which_port", int32), outP("special_port", sendPort)], (call, a) => {
    const r = threadGetSpecialPort(target(call), num(a, "which_port"));
    return r.kr !== KERN_SUCCESS ? r.kr : { special_port: r.port };
  }),
  routine(3611, "thread_set_special_port", [inP("which_port", int32), inP("special_port", sendPort)], (call, a) =>
    threadSetSpecialPort(target(call), num(a, "which_port"), portArg(a, "special_port").port),
  ),
  ...threadExceptionRoutines,
];
