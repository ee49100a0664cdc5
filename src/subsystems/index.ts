/** Every MIG subsystem the kernel serves, with its id range (the kernel's mig_e table). */
import type { MigRegistry } from "../kern/ipc_kobject.js";
import type { KernelCall } from "../kern/kernel.js";
import { MACH_PORT_BASE, MACH_PORT_END, machPortRoutines } from "./mach_port.js";
import { CLOCK_BASE, CLOCK_END, clockRoutines } from "./clock.js";
import { TASK_BASE, TASK_END, taskRoutines } from "./task.js";
import { MACH_HOST_BASE, MACH_HOST_END, machHostRoutines } from "./mach_host.js";
import { HOST_PRIV_BASE, HOST_PRIV_END, hostPrivRoutines } from "./host_priv.js";
import { HOST_SECURITY_BASE, HOST_SECURITY_END, hostSecurityRoutines } from "./host_security.js";
import { PROCESSOR_BASE, PROCESSOR_END, processorRoutines } from "./processor.js";
import { PROCESSOR_SET_BASE, PROCESSOR_SET_END, processorSetRoutines } from "./processor_set.js";
import { THREAD_ACT_BASE, THREAD_ACT_END, threadActRoutines } from "./thread_act.js";

export function installSubsystems(registry: MigRegistry<KernelCall>): void {
  registry.add("mach_host", MACH_HOST_BASE, MACH_HOST_END, machHostRoutines);
  registry.add("host_priv", HOST_PRIV_BASE, HOST_PRIV_END, hostPrivRoutines);
  registry.add("host_security", HOST_SECURITY_BASE, HOST_SECURITY_END, hostSecurityRoutines);
  registry.add("processor", PROCESSOR_BASE, PROCESSOR_END, processorRoutines);
  registry.add("processor_set", PROCESSOR_SET_BASE, PROCESSOR_SET_END, processorSetRoutines);
  registry.add("mach_port", MACH_PORT_BASE, MACH_PORT_END, machPortRoutines);
  registry.add("clock", CLOCK_BASE, CLOCK_END, clockRoutines);
  registry.add("task", TASK_BASE, TASK_END, taskRoutines);
  registry.add("thread_act", THREAD_ACT_BASE, THREAD_ACT_END, threadActRoutines);
}
