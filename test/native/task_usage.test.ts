/**
 * task_info of a task that is a process outside the server: what the process has used, read from
 * /proc (src/server/proc_usage.ts), and the user/system split that never goes back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { processUsage, splitRunTime } from "../../src/server/proc_usage.js";
import { procStartTime } from "../../src/server/proc_ops.js";
import { readdirSync } from "node:fs";
import { runCheckProgram } from "./check_program.js";

test("a C process's task_info: sizes, CPU times, faults and switches are the process's", async () => {
  await runCheckProgram("task_usage");
});

test("splitRunTime: the parts sum to the run time and neither goes back, however the tick ratio moves", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1_000_000), fc.nat(50), fc.nat(50)), { maxLength: 30 }), (steps) => {
      let total = 0n;
      let last = { user: 0n, system: 0n };
      for (const [more, u, s] of steps) {
        total += BigInt(more);
        const next = splitRunTime(total, BigInt(u), BigInt(s), last);
        assert.ok(next.user >= last.user && next.system >= last.system);
        assert.equal(next.user + next.system, total > last.user + last.system ? total : last.user + last.system);
        last = next;
      }
    }),
  );
});

test("splitRunTime: Linux's rules at the edges (no system ticks: all user; no user ticks: all system)", () => {
  const zero = { user: 0n, system: 0n };
  assert.deepEqual(splitRunTime(100n, 0n, 0n, zero), { user: 100n, system: 0n });
  assert.deepEqual(splitRunTime(100n, 3n, 0n, zero), { user: 100n, system: 0n });
  assert.deepEqual(splitRunTime(100n, 0n, 2n, zero), { user: 0n, system: 100n });
  assert.deepEqual(splitRunTime(100n, 1n, 3n, zero), { user: 25n, system: 75n });
});

test("a reading reads at most so many threads (MAX_THREADS_READ); the others count with the ended ones", () => {
  const start = procStartTime(process.pid);
  assert.ok(readdirSync(`/proc/${process.pid}/task`).length > 1, "Node has threads of its own");
  const one = processUsage(process.pid, start, 1).usage();
  const all = processUsage(process.pid, start).usage();
  assert.ok(one && all);
  // Taken later and over every thread, the second reading's live time holds at least the first's one thread.
  assert.ok(one.liveUserNs + one.liveSystemNs <= all.liveUserNs + all.liveSystemNs);
  assert.ok(one.liveUserNs + one.liveSystemNs > 0n, "the main thread has run");
  assert.equal(processUsage(process.pid, "0").usage(), null, "another start time: not this process");
});
