/**
 * A C program's mach_vm_remap / vm_remap of its own memory (done by libmachipc on the process's
 * mappings, native/src/vm.c): copy FALSE maps the same physical pages twice, copy TRUE copies them
 * (test/native/programs/vm_remap.c).
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("the vm_remap program: shared pages seen through both addresses (and by a fork's child), copies apart, XNU's codes and placement", async () => {
  await runCheckProgram("vm_remap", { flags: ["-D_GNU_SOURCE"] });
});
