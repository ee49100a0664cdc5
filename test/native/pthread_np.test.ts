/**
 * A task's pthreads as macOS makes them (native/src/pthread_np.c), pinned by
 * test/native/programs/pthread_np.c: Mach threads from pthread_create on, named by
 * pthread_mach_thread_np and found back, the kernel's thread id, and nothing left (Mach thread,
 * name, descriptor) once a thread ends.
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("pthreads are Mach threads from their creation to their end, with Darwin's np calls", async () => {
  await runCheckProgram("pthread_np", { flags: ["-D_GNU_SOURCE"] });
});
