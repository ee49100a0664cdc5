/**
 * kqueue / kevent / kevent64 from libmachipc (native/src/kqueue.c), pinned by a program written as
 * a macOS one would be (test/native/programs/kqueue.c): EVFILT_MACHPORT on a served port set with
 * filt_machport's two modes, kevent_register's errors and flags, waits ended by a message, a pipe
 * or a user event, timers, select() on the kqueue, and a fork's child without it.
 */
import { test } from "node:test";
import { runCheckProgram } from "./check_program.js";

test("kqueue: EVFILT_MACHPORT on a port set, the errors and flags of kevent_register, waits, timers and user events", async () => {
  await runCheckProgram("kqueue", { flags: ["-D_GNU_SOURCE"], env: { MACHIPC_FIXES: "" } });
});

test("kqueue with MACHIPC_FIXES=kqueueAddTrigger: EV_ADD with NOTE_TRIGGER fires, as after xnu-3248", async () => {
  await runCheckProgram("kqueue", { flags: ["-D_GNU_SOURCE"], env: { MACHIPC_FIXES: "kqueueAddTrigger" } });
});
