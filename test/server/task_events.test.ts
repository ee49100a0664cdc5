/**
 * TASK_EVENTS_INFO's message and trap counts of a task reached through the server are the ones
 * the same calls give an in-process task: each client trap is one trap, however many steps the
 * server takes for it (a large receive looks with a small buffer first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { Kernel, KERN_SUCCESS, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG, TASK_EVENTS_INFO, type Task } from "../../src/index.js";
import { taskInfo } from "../../src/kern/task_info.js";
import { startServer, until } from "./helpers.js";

interface Caller {
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout?: number): number | Promise<number>;
  call(routine: string, target: number, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  taskSelfTrap(): number | Promise<number>;
}

/** sent, received, syscalls_mach, syscalls_unix. */
function counts(task: Task): number[] {
  const r = taskInfo(task, TASK_EVENTS_INFO, 8);
  assert.equal(r.kr, KERN_SUCCESS);
  return r.info.slice(3, 7);
}

function message(dest: number, bytes: number): Uint8Array {
  const b = new Uint8Array(24 + bytes);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x13, true);
  v.setUint32(4, b.length, true);
  v.setUint32(8, dest, true);
  return b;
}

/** Two kernel RPCs, three messages sent to the task's own port, two received (one large). */
async function scenario(t: Caller): Promise<number[]> {
  const self = await t.taskSelfTrap();
  const p = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
  assert.equal((await t.call("mach_port_insert_right", self, { name: p, poly: { name: p, disposition: 20 } }))["kr"], KERN_SUCCESS);
  const results: number[] = [];
  for (const n of [8, 200_000, 8]) results.push(await t.machMsg(message(p, n), MACH_SEND_MSG, 24 + n, 0, 0));
  const recv = async (size: number) => results.push(await t.machMsg(new Uint8Array(size), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, p, 0));
  await recv(64);
  await recv(1 << 20);
  return results;
}

test("a task served out of process counts its messages and traps as an in-process one does", async () => {
  const kernel = Kernel.boot({ cpus: 2 });
  const local = kernel.createTask({ name: "events" });
  const results = await scenario(local.createThread() as unknown as Caller);
  assert.deepEqual(results, [0, 0, 0, 0, 0]);
  // 2 RPCs: 4 sent, 2 received; 3 messages sent, 2 received. task_self_trap, mach_reply_port, 2 + 5 mach_msg.
  assert.deepEqual(counts(local), [7, 4, 9, 0]);

  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "events" });
  const task = [...server.kernel.tasks.values()].find((t) => t.name === "events");
  assert.ok(task);
  const before = counts(task);
  assert.deepEqual(await scenario(c.mainThread as unknown as Caller), results);
  const after = counts(task);
  assert.deepEqual(
    after.map((n, i) => n - before[i]!),
    counts(local),
  );
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  assert.deepEqual(kernel.findViolations(), []);
  await server.close();
});
