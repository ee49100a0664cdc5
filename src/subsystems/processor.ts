/** The processor subsystem (3000), served on processor ports. */
import {
  PROCESSOR_INFO_MAX,
  PROCESSOR_OFF_LINE,
  PROCESSOR_RUNNING,
  PROCESSOR_SHUTDOWN,
} from "../abi/host.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import { boolean_t, host_t, processor_flavor_t, processor_info_t, processor_set_name_t, processor_set_t, processor_t } from "../mig/defs_types.js";
import { processorInfo } from "../kern/host_info.js";
import { convertHostToPort, convertPortToProcessor, convertPsetNameToPort } from "../kern/ipc_host.js";
import type { KernelCall } from "../kern/kernel.js";
import { num, routinesOn } from "./common.js";

export const PROCESSOR_BASE = 3000;
export const PROCESSOR_END = 3006;

const routine = routinesOn(inP("processor", processor_t));
const processor = (call: KernelCall) => convertPortToProcessor(call.port);

export const processorRoutines: Routine<KernelCall>[] = [
  routine(3000, "processor_start", [], (call) => {
    const p = processor(call);
    if (!p) return KERN_INVALID_ARGUMENT;
    // The master is (re)started by cpu_start, which succeeds; any other must be off line.
    if (p.isMaster) return KERN_SUCCESS;
    if (p.state !== PROCESSOR_OFF_LINE) return KERN_FAILURE;
    p.state = PROCESSOR_RUNNING;
    return KERN_SUCCESS;
  }),
  routine(3001, "processor_exit", [], (call) => {
    const p = processor(call);
    if (!p) return KERN_INVALID_ARGUMENT;
    // processor_shutdown: the last running processor cannot be taken down.
    const running = call.kernel.processors.filter((q) => q.state !== PROCESSOR_OFF_LINE && q.state !== PROCESSOR_SHUTDOWN);
    if (p.state === PROCESSOR_OFF_LINE) return KERN_SUCCESS;
    if (running.length <= 1) return KERN_FAILURE;
    p.state = PROCESSOR_OFF_LINE;
    return KERN_SUCCESS;
  }),
  routine(
    3002,
    "processor_info",
    [inP("flavor", processor_flavor_t), outP("host", host_t), outP("processor_info_out", processor_info_t, { countInOut: true })],
    (call, a) => {
      const p = processor(call);
      if (!p) return KERN_INVALID_ARGUMENT;
      const r = processorInfo(call.kernel, p, num(a, "flavor"), Math.min(num(a, "processor_info_outCnt"), PROCESSOR_INFO_MAX));
      if (r.kr !== KERN_SUCCESS) return r.kr;
      return { host: convertHostToPort(call.kernel.host), processor_info_out: r.info };
    },
  ),
  routine(3003, "processor_control", [inP("processor_cmd", processor_info_t)], (call) =>
    // cpu_control() has nothing to do on these machines.
    processor(call) ? KERN_FAILURE : KERN_INVALID_ARGUMENT,
  ),
  routine(3004, "processor_assign", [inP("new_set", processor_set_t, { intran: true }), inP("wait", boolean_t)], () => KERN_FAILURE),
  routine(3005, "processor_get_assignment", [outP("assigned_set", processor_set_name_t)], (call) => {
    const p = processor(call);
    if (!p) return KERN_INVALID_ARGUMENT;
    if (p.state === PROCESSOR_SHUTDOWN || p.state === PROCESSOR_OFF_LINE) return KERN_FAILURE;
    return { assigned_set: convertPsetNameToPort(p.pset) };
  }),
];
