/**
 * A C program's mach_vm_remap / vm_remap of its own memory (done by libmachipc on the process's
 * mappings, native/src/vm.c): copy FALSE maps the same physical pages twice, copy TRUE copies them
 * (test/native/programs/vm_remap.c); and the memory entries the kernel makes for it
 * (test/native/programs/memory_entry.c).
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("the vm_remap program: shared pages seen through both addresses (and by a fork's child), copies apart, XNU's codes and placement", async () => {
  await runCheckProgram("vm_remap", { flags: ["-D_GNU_SOURCE"] });
});

test("the memory_entry program: entries a C program makes are the kernel's; its own pages cannot be named or mapped into from outside", async () => {
  await runCheckProgram("memory_entry", { flags: ["-D_GNU_SOURCE"] });
});
