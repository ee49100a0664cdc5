/**
 * HOST_NOTIFY_CALENDAR_CHANGE from a served kernel: setting the machine's wall
 * clock (here to the time it already has, as XNU notifies on every set) posts
 * host_calendar_changed to every registration, which a client receives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MachClient } from "../../src/client/index.js";
import { startServer } from "./helpers.js";
import { KERN_SUCCESS, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_PORT_RIGHT_RECEIVE, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_RCV_TIMED_OUT } from "../../src/index.js";

/** A program that sets CLOCK_REALTIME to what it reads from it (settimeofday's effect, no change of time). */
function settimeProgram(): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-settime-"));
  const src = join(dir, "settime.c");
  writeFileSync(src, "#include <stdio.h>\n#include <time.h>\nint main(void) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); if (clock_settime(CLOCK_REALTIME, &ts) != 0) { perror(\"clock_settime\"); return 1; } return 0; }\n");
  const exe = join(dir, "settime");
  execFileSync("cc", ["-o", exe, src]);
  return exe;
}

test("clock_set_calendar_microtime's host_notify_calendar_change: a served kernel tells every registration when the wall clock is set, even to the same time", async () => {
  const settime = settimeProgram();
  const server = await startServer();
  assert.equal(server.calendarWatchError, null);
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "cal" });
  const th = c.mainThread;
  const self = await th.taskSelfTrap();
  const host = await th.hostSelfTrap();
  const port = (await th.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const reg = await th.call("host_request_notification", host, { notify_type: 0, notify_port: { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });
  assert.equal(reg.kr, KERN_SUCCESS);
  const buf = new Uint8Array(128);
  const view = new DataView(buf.buffer);
  assert.equal(await th.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 128, port, 0), MACH_RCV_TIMED_OUT, "nothing before the clock is set");
  execFileSync(settime);
  // The watch thread posts the change; the client's receive waits for it.
  assert.equal(await th.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 128, port, 5000), 0);
  assert.deepEqual([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true), view.getInt32(20, true)], [0x1200, 24, 0, port, 950]);
  // Once per registration: a second set reaches no one until the client registers again.
  execFileSync(settime);
  assert.equal(await th.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 128, port, 200), MACH_RCV_TIMED_OUT);
  c.close();
  await server.close();
  assert.deepEqual(server.kernel.findViolations(), []);
});
