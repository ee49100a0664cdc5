/** The process features from the Node client, out of process: bootstrap, task_for_pid, raising exceptions. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient, bootstrapCheckIn, bootstrapLookUp } from "../../src/client/index.js";
import { startServer, until } from "../server/helpers.js";
import { KERN_FAILURE, KERN_INVALID_ADDRESS, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_MSG_SUCCESS, MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import { EXC_BAD_ACCESS, EXC_MASK_BAD_ACCESS, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";
import { TASK_BOOTSTRAP_PORT } from "../../src/kern/ipc_tt.js";
import { BOOTSTRAP_UNKNOWN_SERVICE } from "../../src/abi/bootstrap.js";
import type { ClientThread } from "../../src/client/index.js";

async function bootstrapPort(t: ClientThread): Promise<number> {
  const self = await t.taskSelfTrap();
  return (await t.call("task_get_special_port", self, { which_port: TASK_BOOTSTRAP_PORT }))["special_port"] as number;
}

test("two unrelated clients meet through bootstrap_check_in and bootstrap_look_up; the name goes with its owner", async () => {
  const server = await startServer({ bootstrap: true });
  const a = await MachClient.connect({ socketPath: server.socketPath, name: "server-side" });
  const b = await MachClient.connect({ socketPath: server.socketPath, name: "client-side" });
  const ci = await bootstrapCheckIn(a.mainThread, await bootstrapPort(a.mainThread), "com.example.meet");
  assert.equal(ci.kr, KERN_SUCCESS);
  const bbp = await bootstrapPort(b.mainThread);
  const lu = await bootstrapLookUp(b.mainThread, bbp, "com.example.meet");
  assert.equal(lu.kr, KERN_SUCCESS);
  const msg = new Uint8Array(64);
  const v = new DataView(msg.buffer);
  v.setUint32(0, 19, true);
  v.setUint32(4, 24, true);
  v.setUint32(8, lu.port, true);
  v.setInt32(20, 4242, true);
  assert.equal(await b.mainThread.machMsg(msg, MACH_SEND_MSG, 24, 0, 0), MACH_MSG_SUCCESS);
  const got = new Uint8Array(128);
  assert.equal(await a.mainThread.machMsg(got, MACH_RCV_MSG, 0, got.length, ci.port), MACH_MSG_SUCCESS);
  assert.equal(new DataView(got.buffer).getInt32(20, true), 4242);
  // The lsmp data names the service.
  const report = await b.lsmp(1);
  assert.ok(!("error" in report), "launchd's listing");
  assert.ok(report.entries.some((e) => e.service === "com.example.meet"));
  assert.ok(report.entries.some((e) => e.service === "bootstrap"));
  a.close();
  await until(() => server.kernel.bootstrap!.list().length === 0, "the owner's name to go");
  assert.equal((await bootstrapLookUp(b.mainThread, bbp, "com.example.meet")).kr, BOOTSTRAP_UNKNOWN_SERVICE);
  b.close();
  await until(() => server.kernel.tasks.size === 2, "the clients to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("task_for_pid, pid_for_task and task_name_for_pid as traps with arguments; task_for_pid(0) refused", async () => {
  const server = await startServer();
  const a = await MachClient.connect({ socketPath: server.socketPath, name: "a" });
  const b = await MachClient.connect({ socketPath: server.socketPath, name: "b" });
  const self = await a.mainThread.taskSelfTrap();
  // This test runs as root: root may get any task.
  const t = await a.mainThread.taskForPid(self, b.pid);
  assert.equal(t.kr, KERN_SUCCESS);
  assert.deepEqual(await a.mainThread.pidForTask(t.task), { kr: KERN_SUCCESS, pid: b.pid });
  assert.deepEqual(await a.mainThread.taskForPid(self, 0), { kr: KERN_FAILURE, task: 0 });
  const n = await a.mainThread.taskNameForPid(self, b.pid);
  assert.equal(n.kr, KERN_SUCCESS);
  assert.deepEqual(await a.mainThread.pidForTask(n.name), { kr: KERN_FAILURE, pid: -1 }, "3248's pid_for_task takes task ports only");
  a.close();
  b.close();
  await until(() => server.kernel.tasks.size === 1, "the clients to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("a Node client raises an exception on its own thread; a STATE_IDENTITY handler in another client changes its registers", async () => {
  const server = await startServer();
  const victim = await MachClient.connect({ socketPath: server.socketPath, name: "victim" });
  const handler = await MachClient.connect({ socketPath: server.socketPath, name: "handler" });
  const h = handler.mainThread;
  const hself = await h.taskSelfTrap();
  const port = (await h.call("mach_port_allocate", hself, { right: 1 }))["name"] as number;
  await h.call("mach_port_insert_right", hself, { name: port, poly: { name: port, disposition: 20 } });
  const vtask = (await h.taskForPid(hself, victim.pid)).task;
  const behavior = (EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES) >>> 0;
  assert.equal((await h.call("task_set_exception_ports", vtask, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: port, behavior, new_flavor: x86_THREAD_STATE64 })).kr, KERN_SUCCESS);

  const regs = new Uint32Array(42);
  regs[32] = 0x1000; // rip
  regs[14] = 0x7000; // rsp
  const raised = victim.mainThread.raiseException(EXC_BAD_ACCESS, [KERN_INVALID_ADDRESS, 0], [{ flavor: x86_THREAD_STATE64, words: regs }]);
  const buf = new Uint8Array(2048);
  assert.equal(await h.machMsg(buf, MACH_RCV_MSG, 0, buf.length, port), MACH_MSG_SUCCESS);
  const dv = new DataView(buf.buffer);
  assert.equal(dv.getInt32(20, true), 2407, "mach_exception_raise_state_identity");
  // Request: header 24, body 4, two ports 24, NDR 8, exception 4, codeCnt 4, codes 16, flavor 4, count 4, state.
  const stateAt = 24 + 4 + 24 + 8 + 4 + 4 + 16 + 4 + 4;
  assert.equal(dv.getUint32(stateAt + 4 * 32, true), 0x1000, "the handler sees the registers the thread had");
  // The thread has an exception out: another for it is refused, and the one out is untouched.
  const refused = await victim.mainThread.raiseException(EXC_BAD_ACCESS, [KERN_INVALID_ADDRESS, 0], [{ flavor: x86_THREAD_STATE64, words: new Uint32Array(42) }]);
  assert.deepEqual([refused.kr, refused.handledBy, refused.signal, refused.states], [KERN_FAILURE, null, 0, []]);
  const reply = new Uint8Array(44 + 4 * 42);
  const rv = new DataView(reply.buffer);
  rv.setUint32(0, 18, true);
  rv.setUint32(4, reply.length, true);
  rv.setUint32(8, dv.getUint32(8, true), true);
  rv.setInt32(20, 2507, true);
  reply.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  rv.setInt32(32, 0, true);
  rv.setInt32(36, x86_THREAD_STATE64, true);
  rv.setUint32(40, 42, true);
  for (let i = 0; i < 42; i++) rv.setUint32(44 + 4 * i, dv.getUint32(stateAt + 4 * i, true), true);
  rv.setUint32(44 + 4 * 32, 0x1004, true); // resume four bytes on
  assert.equal(await h.machMsg(reply, MACH_SEND_MSG, reply.length, 0, 0), MACH_MSG_SUCCESS);
  const out = await raised;
  assert.equal(out.kr, KERN_SUCCESS);
  assert.equal(out.handledBy, "task");
  assert.equal(out.states[0]!.words[32], 0x1004);

  // Nobody but BSD's handler: the process would die of SIGSEGV.
  await h.call("task_set_exception_ports", vtask, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: 0, behavior, new_flavor: x86_THREAD_STATE64 });
  const alone = await victim.mainThread.raiseException(EXC_BAD_ACCESS, [KERN_INVALID_ADDRESS, 0], [{ flavor: x86_THREAD_STATE64, words: regs }]);
  assert.equal(alone.handledBy, null);
  assert.equal(alone.signal, 11);
  victim.close();
  handler.close();
  await until(() => server.kernel.tasks.size === 1, "the clients to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});
