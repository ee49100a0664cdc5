/**
 * host_get_atm_diagnostic_flag, host_get_multiuser_config_flags and host_check_multiuser_mode
 * (native/src/host_libsyscall.c): libsystem's own answers, over the kernel's skipped ids.
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

const root = process.getuid?.() === 0;

test("libsystem's mach_host routines, for the task's own privilege", async () => {
  await runCheckProgram("host_libsyscall", root ? { server: { system: true } } : {});
});

test("libsystem's mach_host routines for an ordinary user (as nobody when run by root)", async () => {
  await runCheckProgram("host_libsyscall", root ? { server: { system: true }, as: { uid: 65534, gid: 65534 } } : {});
});
