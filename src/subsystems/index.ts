/** Every MIG subsystem the kernel serves, with its id range (the kernel's mig_e table). */
import type { MigRegistry } from "../kern/ipc_kobject.js";
import type { KernelCall } from "../kern/kernel.js";
import type { Routine } from "../mig/routine.js";
import { MACH_PORT_BASE, MACH_PORT_END, machPortRoutines } from "./mach_port.js";
import { CLOCK_BASE, CLOCK_END, clockRoutines } from "./clock.js";
import { CLOCK_PRIV_BASE, CLOCK_PRIV_END, clockPrivRoutines } from "./clock_priv.js";
import { TASK_BASE, TASK_END, taskRoutines } from "./task.js";
import { MACH_HOST_BASE, MACH_HOST_END, machHostRoutines } from "./mach_host.js";
import { HOST_PRIV_BASE, HOST_PRIV_END, hostPrivRoutines } from "./host_priv.js";
import { HOST_SECURITY_BASE, HOST_SECURITY_END, hostSecurityRoutines } from "./host_security.js";
import { PROCESSOR_BASE, PROCESSOR_END, processorRoutines } from "./processor.js";
import { PROCESSOR_SET_BASE, PROCESSOR_SET_END, processorSetRoutines } from "./processor_set.js";
import { THREAD_ACT_BASE, THREAD_ACT_END, threadActRoutines } from "./thread_act.js";
import { MACH_VOUCHER_BASE, MACH_VOUCHER_END, machVoucherRoutines } from "./mach_voucher.js";
import { MACH_VM_BASE, MACH_VM_END, machVmRoutines } from "./mach_vm.js";
import { VM_MAP_BASE, VM_MAP_END, vmMapRoutines } from "./vm_map.js";
import { LOCK_SET_BASE, LOCK_SET_END, lockSetRoutines } from "./lock_set.js";

/** A subsystem as the kernel's mig_e table lists it: its name, its id range, its routines. */
export interface Subsystem {
  name: string;
  base: number;
  end: number;
  routines: Routine<KernelCall>[];
}

/** Every subsystem the kernel serves (the C stubs, headers and docs are generated from this list too). */
export const servedSubsystems: Subsystem[] = [
  { name: "mach_host", base: MACH_HOST_BASE, end: MACH_HOST_END, routines: machHostRoutines },
  { name: "host_priv", base: HOST_PRIV_BASE, end: HOST_PRIV_END, routines: hostPrivRoutines },
  { name: "host_security", base: HOST_SECURITY_BASE, end: HOST_SECURITY_END, routines: hostSecurityRoutines },
  { name: "processor", base: PROCESSOR_BASE, end: PROCESSOR_END, routines: processorRoutines },
  { name: "processor_set", base: PROCESSOR_SET_BASE, end: PROCESSOR_SET_END, routines: processorSetRoutines },
  { name: "mach_port", base: MACH_PORT_BASE, end: MACH_PORT_END, routines: machPortRoutines },
  { name: "clock", base: CLOCK_BASE, end: CLOCK_END, routines: clockRoutines },
  { name: "clock_priv", base: CLOCK_PRIV_BASE, end: CLOCK_PRIV_END, routines: clockPrivRoutines },
  { name: "task", base: TASK_BASE, end: TASK_END, routines: taskRoutines },
  { name: "thread_act", base: THREAD_ACT_BASE, end: THREAD_ACT_END, routines: threadActRoutines },
  { name: "mach_voucher", base: MACH_VOUCHER_BASE, end: MACH_VOUCHER_END, routines: machVoucherRoutines },
  { name: "vm_map", base: VM_MAP_BASE, end: VM_MAP_END, routines: vmMapRoutines },
  { name: "mach_vm", base: MACH_VM_BASE, end: MACH_VM_END, routines: machVmRoutines },
  { name: "lock_set", base: LOCK_SET_BASE, end: LOCK_SET_END, routines: lockSetRoutines },
];

export function installSubsystems(registry: MigRegistry<KernelCall>): void {
  for (const s of servedSubsystems) registry.add(s.name, s.base, s.end, s.routines);
}
