/**
 * A C program's own handlers for fault signals (native/src/fault_signals.c): the fault is a Mach
 * exception first, as on macOS, and the signal BSD's handler chooses then runs the program's handler.
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("a program's SIGSEGV handler runs after the Mach exception handlers, as on macOS; sigaction reports it back; SA_RESETHAND and the default hold", async () => {
  await runCheckProgram("fault_signal");
});
