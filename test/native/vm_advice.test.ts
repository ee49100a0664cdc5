/**
 * A C program's inherit, msync, behavior_set and read_list on its own task (done by libmachipc on
 * the process's own mappings, native/src/vm.c) and the queries the kernel answers for it from
 * /proc/PID/pagemap (test/native/programs/vm_advice.c).
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("the vm_advice program: inherit seen across fork, msync of a file, madvise hints, read_list, page queries from pagemap", async () => {
  await runCheckProgram("vm_advice", { flags: ["-D_GNU_SOURCE"] });
});
