/**
 * What xnu's own tools/tests and darwintests need from libmachipc beyond the MIG routines, pinned
 * by a program of our own (test/native/programs/classic.c): the SDK's AvailabilityMacros.h and
 * libkern/OSAtomic.h, mach_timebase_info_trap, sysctl's hw.* and kern.* names as xnu-3248's
 * sysctl_hw_generic / sysctl_io_number / sysctlbyname answer them, and fork1's order (the child is
 * a task before fork returns in the parent).
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("the classic program: SDK headers, the timebase trap, sysctl from the served host, fork's child a task at once", async () => {
  // Three processors, not this machine's count, so hw.ncpu can only have come from the served kernel.
  await runCheckProgram("classic", { flags: ["-D_DEFAULT_SOURCE"], args: ["3"], server: { cpus: 3 } });
});
