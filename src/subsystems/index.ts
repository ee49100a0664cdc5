/** Every MIG subsystem the kernel serves, with its id range (the kernel's mig_e table). */
import type { MigRegistry } from "../kern/ipc_kobject.js";
import type { KernelCall } from "../kern/kernel.js";
import { MACH_PORT_BASE, MACH_PORT_END, machPortRoutines } from "./mach_port.js";

export function installSubsystems(registry: MigRegistry<KernelCall>): void {
  registry.add("mach_port", MACH_PORT_BASE, MACH_PORT_END, machPortRoutines);
}
