/** Every MIG subsystem the kernel serves, with its id range (the kernel's mig_e table). */
import type { MigRegistry } from "../kern/ipc_kobject.js";
import type { KernelCall } from "../kern/kernel.js";
import { MACH_PORT_BASE, MACH_PORT_END, machPortRoutines } from "./mach_port.js";
import { TASK_BASE, TASK_END, taskRoutines } from "./task.js";
import { THREAD_ACT_BASE, THREAD_ACT_END, threadActRoutines } from "./thread_act.js";

export function installSubsystems(registry: MigRegistry<KernelCall>): void {
  registry.add("mach_port", MACH_PORT_BASE, MACH_PORT_END, machPortRoutines);
  registry.add("task", TASK_BASE, TASK_END, taskRoutines);
  registry.add("thread_act", THREAD_ACT_BASE, THREAD_ACT_END, threadActRoutines);
}
