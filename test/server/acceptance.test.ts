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

test("task_info answers every flavor xnu-3248 serves on a RELEASE kernel, with its count checks (xnu's tests/task_info.c asks for most)", async () => {
  const lines = await runAgainstServer(
    "task_info_flavors",
    `#include <mach/mach.h>
#include <stdio.h>
static void ask(const char *what, task_flavor_t flavor, mach_msg_type_number_t count) {
  integer_t buf[TASK_INFO_MAX] = {0};
  mach_msg_type_number_t n = count;
  kern_return_t kr = task_info(mach_task_self(), flavor, buf, &n);
  printf("%s %d %u\\n", what, kr, kr == KERN_SUCCESS ? n : 0);
  if (count > 0) {
    n = count - 1;
    printf("%s-1 %d\\n", what, task_info(mach_task_self(), flavor, buf, &n));
  }
}
int main(void) {
  ask("times", TASK_THREAD_TIMES_INFO, TASK_THREAD_TIMES_INFO_COUNT);
  ask("abstime", TASK_ABSOLUTETIME_INFO, TASK_ABSOLUTETIME_INFO_COUNT);
  ask("events", TASK_EVENTS_INFO, TASK_EVENTS_INFO_COUNT);
  ask("basic2", TASK_BASIC2_INFO_32, TASK_BASIC_INFO_32_COUNT);
  ask("kmem", TASK_KERNELMEMORY_INFO, TASK_KERNELMEMORY_INFO_COUNT);
  ask("extmod", TASK_EXTMOD_INFO, TASK_EXTMOD_INFO_COUNT);
  ask("power_v2", TASK_POWER_INFO_V2, TASK_POWER_INFO_V2_COUNT);
  ask("wait", TASK_WAIT_STATE_INFO, TASK_WAIT_STATE_INFO_COUNT);
  ask("flags", TASK_FLAGS_INFO, TASK_FLAGS_INFO_COUNT);
  ask("vm", TASK_VM_INFO, TASK_VM_INFO_COUNT);
  ask("vm_rev0", TASK_VM_INFO_PURGEABLE, TASK_VM_INFO_REV0_COUNT);
  ask("dyld", TASK_DYLD_INFO, TASK_DYLD_INFO_COUNT);
  ask("dyld_legacy", TASK_DYLD_INFO, TASK_DYLD_INFO_COUNT - 1);
  ask("sched_fifo", TASK_SCHED_FIFO_INFO, 1);
  ask("sched_rr", TASK_SCHED_RR_INFO, 2);
  ask("sched_ts", TASK_SCHED_TIMESHARE_INFO, 1);
  ask("sched", TASK_SCHED_INFO, 8);
  ask("purgeable_account", 27, 8);
  ask("debug_internal", 29, 8);

  /* task_power_info_locked never writes the count: the caller's comes back */
  integer_t buf[TASK_INFO_MAX];
  mach_msg_type_number_t n = 20;
  printf("power %d %u\\n", task_info(mach_task_self(), TASK_POWER_INFO, buf, &n), n);

  task_vm_info_data_t vm;
  n = TASK_VM_INFO_COUNT;
  task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&vm, &n);
  printf("vm page %d peak>=resident %d footprint %llu\\n", vm.page_size, vm.resident_size_peak >= vm.resident_size, (unsigned long long)vm.phys_footprint);

  task_dyld_info_data_t dyld;
  n = TASK_DYLD_INFO_COUNT;
  task_info(mach_task_self(), TASK_DYLD_INFO, (task_info_t)&dyld, &n);
  printf("dyld format %d\\n", dyld.all_image_info_format);

  task_affinity_tag_info_data_t aff;
  n = TASK_AFFINITY_TAG_INFO_COUNT;
  kern_return_t kr = task_info(mach_task_self(), TASK_AFFINITY_TAG_INFO, (task_info_t)&aff, &n);
  printf("affinity %d %u sets %d min %d max %d\\n", kr, n, aff.set_count, aff.min, aff.max);

  task_flags_info_data_t fl;
  n = TASK_FLAGS_INFO_COUNT;
  task_info(mach_task_self(), TASK_FLAGS_INFO, (task_info_t)&fl, &n);
  printf("flags 0x%x\\n", fl.flags);
  return 0;
}
`,
  );
  assert.deepEqual(lines, [
    "times 0 4", "times-1 4",
    "abstime 0 8", "abstime-1 4",
    "events 0 8", "events-1 4",
    "basic2 0 8", "basic2-1 4",
    "kmem 0 8", "kmem-1 4",
    "extmod 0 16", "extmod-1 4",
    "power_v2 0 20", "power_v2-1 4",
    "wait 0 8", "wait-1 4",
    "flags 0 1", "flags-1 4",
    "vm 0 38", "vm-1 0",
    "vm_rev0 0 36", "vm_rev0-1 4",
    "dyld 0 5", "dyld-1 0",
    "dyld_legacy 0 4", "dyld_legacy-1 4",
    "sched_fifo 28 0", "sched_fifo-1 4",
    "sched_rr 28 0", "sched_rr-1 4",
    "sched_ts 0 1", "sched_ts-1 4",
    "sched 4 0", "sched-1 4",
    "purgeable_account 46 0", "purgeable_account-1 46",
    "debug_internal 46 0", "debug_internal-1 46",
    "power 0 20",
    "vm page 4096 peak>=resident 1 footprint 0",
    "dyld format 1",
    "affinity 0 4 sets 0 min 0 max 0",
    "flags 0x1",
  ]);
});
