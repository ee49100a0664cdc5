/**
 * What the acceptance run found: small C programs written as macOS programs are (checked against
 * xnu-3248's sources and the SDK's headers), built against native/include and libmachipc and run
 * against a server, each pinning one behaviour that differed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "./helpers.js";
import { compile } from "../native/cc.js";
import { cli } from "../cli/run.js";
import { LIMIT_OPTIONS } from "../../src/server/limits.js";

const run = promisify(execFile);

/** Builds `source`, runs it against a fresh server, and returns its lines once its task is gone and the kernel's rights add up. */
async function runAgainstServer(name: string, source: string): Promise<string[]> {
  const prog = compile(source, { link: true, name });
  const server = await startServer();
  try {
    const r = await run(prog, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } }).catch((e: { stdout: string; stderr: string }) => e);
    await until(() => server.kernel.tasks.size === 1, `${name}'s task to die`);
    assert.deepEqual(server.kernel.findViolations(), []);
    assert.equal(r.stderr, "");
    return r.stdout.trim().split("\n");
  } finally {
    await server.close();
  }
}

test("semaphore_destroy moves the caller's send right (task.defs: semaphore_consume_ref_t is mach_port_move_send_t), as Apple's MIG stub does", async () => {
  const lines = await runAgainstServer(
    "sema_destroy",
    `#include <mach/mach.h>
#include <stdio.h>
int main(void) {
  semaphore_t s;
  mach_port_type_t type;
  printf("create %d\\n", semaphore_create(mach_task_self(), &s, SYNC_POLICY_FIFO, 0));
  printf("destroy %d\\n", semaphore_destroy(mach_task_self(), s));
  /* The name went with the right: nothing is left to deallocate. */
  printf("type %d\\n", mach_port_type(mach_task_self(), s, &type));
  printf("again %d\\n", semaphore_destroy(mach_task_self(), s));
  return 0;
}
`,
  );
  // The second call's right does not exist any more: its copyin fails in mach_msg.
  assert.deepEqual(lines, ["create 0", "destroy 0", "type 15", `again ${0x1000000a}`]);
});

test("<mach/mach.h> declares what the SDK's mach_interface.h brings in: clock_get_time, exc_server, mach_exc_server, notify_server", async () => {
  const lines = await runAgainstServer(
    "mach_interface",
    `#include <mach/mach.h>
#include <stdio.h>
int main(void) {
  clock_serv_t clk;
  mach_timespec_t now;
  kern_return_t kr = host_get_clock_service(mach_host_self(), SYSTEM_CLOCK, &clk);
  if (kr == KERN_SUCCESS) kr = clock_get_time(clk, &now);
  printf("clock %d\\n", kr);
  boolean_t (*servers[])(mach_msg_header_t *, mach_msg_header_t *) = { exc_server, mach_exc_server, notify_server };
  printf("servers %d\\n", servers[0] != 0 && servers[1] != 0 && servers[2] != 0);
  return 0;
}
`,
  );
  assert.deepEqual(lines, ["clock 0", "servers 1"]);
});

test("serve --help: every limit's flag and N stand apart from what it limits (--max-tasks-per-user is the longest)", async () => {
  const r = await cli(["serve", "--help"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split("\n").filter((l) => l.startsWith("  --"));
  assert.equal(rows.length, LIMIT_OPTIONS.length);
  for (const o of LIMIT_OPTIONS) assert.ok(rows.some((l) => l.startsWith(`  ${o.flag} N `) && l.includes(` ${o.what} [`)), o.flag);
});

test("thread_switch, swtch and swtch_pri (mach_traps.h): xnu-3248's option check, a name that is no thread ignored, SWITCH_OPTION_WAIT waits option_time ms", async () => {
  const lines = await runAgainstServer(
    "thread_switch",
    `#include <mach/mach.h>
#include <mach/mach_time.h>
#include <stdio.h>
int main(void) {
  printf("bad option %d\\n", thread_switch(MACH_PORT_NULL, 6, 0));
  printf("negative option %d\\n", thread_switch(MACH_PORT_NULL, -1, 0));
  printf("none %d\\n", thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0));
  printf("depress, no such name %d\\n", thread_switch(0x12303, SWITCH_OPTION_DEPRESS, 10));
  printf("handoff to self %d\\n", thread_switch(mach_thread_self(), SWITCH_OPTION_NONE, 0));
  uint64_t t0 = mach_absolute_time();
  kern_return_t kr = thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 30);
  printf("wait %d %d\\n", kr, mach_absolute_time() - t0 >= 30000000ull);
  boolean_t a = swtch(), b = swtch_pri(0);
  printf("swtch %d %d\\n", a == TRUE || a == FALSE, b == TRUE || b == FALSE);
  return 0;
}
`,
  );
  assert.deepEqual(lines, ["bad option 4", "negative option 4", "none 0", "depress, no such name 0", "handoff to self 0", "wait 0 1", "swtch 1 1"]);
});
