/** task subsystem routines beyond the host interface: register/lookup, create, set_info, thread creation. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND } from "../../src/abi/port.js";
import { IKOT_THREAD } from "../../src/abi/ikot.js";
import type { IpcPort } from "../../src/ipc/port.js";

const MACH_MSG_TYPE_MAKE_SEND = 20;

/** A receive right with `n` send rights made into the same name. */
async function portWithSends(a: ReturnType<typeof actor>, n: number): Promise<number> {
  const r = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  const name = r["name"] as number;
  for (let i = 0; i < n; i++) {
    assert.equal((await a.thread.call("mach_port_insert_right", a.self, { name, poly: { name, disposition: MACH_MSG_TYPE_MAKE_SEND } })).kr, KERN_SUCCESS);
  }
  return name;
}

async function sendRefs(a: ReturnType<typeof actor>, name: number): Promise<number> {
  return (await a.thread.call("mach_port_get_refs", a.self, { name, right: MACH_PORT_RIGHT_SEND }))["refs"] as number;
}

test("mach_ports_register stashes send rights that mach_ports_lookup copies out, padded with nulls", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await portWithSends(a, 2);
  // Sent as COPY_SEND: the caller keeps its references; the kernel holds its own.
  assert.equal((await a.thread.call("mach_ports_register", a.self, { init_port_set: [p] })).kr, KERN_SUCCESS);
  assert.equal(await sendRefs(a, p), 2);
  const look = await a.thread.call("mach_ports_lookup", a.self);
  assert.equal(look.kr, KERN_SUCCESS);
  assert.deepEqual(look["init_port_set"], [p, 0, 0]);
  assert.equal(await sendRefs(a, p), 3);
  assertInvariant(kernel);

  // Registering again releases the old stash.
  assert.equal((await a.thread.call("mach_ports_register", a.self, { init_port_set: [] })).kr, KERN_SUCCESS);
  assert.deepEqual((await a.thread.call("mach_ports_lookup", a.self))["init_port_set"], [0, 0, 0]);
  assertInvariant(kernel);
});

test("mach_ports_register refuses more than TASK_PORT_REGISTER_MAX rights and loses none", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await portWithSends(a, 1);
  const r = await a.thread.call("mach_ports_register", a.self, { init_port_set: [p, p, p, p] });
  assert.equal(r.kr, KERN_INVALID_ARGUMENT);
  assert.equal(await sendRefs(a, p), 1);
  assert.deepEqual((await a.thread.call("mach_ports_lookup", a.self))["init_port_set"], [0, 0, 0]);
  assertInvariant(kernel);
});

test("a task's stash is released when it dies, and child tasks inherit it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await portWithSends(a, 1);
  assert.equal((await a.thread.call("mach_ports_register", a.self, { init_port_set: [p, 0, p] })).kr, KERN_SUCCESS);
  const child = kernel.createTask({ parent: a.task });
  const port = a.task.ports.itkRegistered[0] as IpcPort;
  assert.deepEqual(child.ports.itkRegistered, [port, null, port]);
  const sendsBefore = port.srights;
  child.terminate();
  assert.equal(port.srights, sendsBefore - 2);
  a.task.terminate();
  assertInvariant(kernel);
});

test("task_create checks its target and then refuses, as xnu-3248 does", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await portWithSends(a, 1);
  const r = await a.thread.call("task_create", a.self, { ledgers: [p], inherit_memory: 1 });
  assert.equal(r.kr, KERN_FAILURE);
  assert.equal(await sendRefs(a, p), 1);
  assertInvariant(kernel);
});

test("task_set_info: no settable flavor but ATM's trace memory, which is not modelled", async () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.equal((await a.thread.call("task_set_info", a.self, { flavor: 4, task_info_in: [1, 2] })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("task_set_info", a.self, { flavor: 24, task_info_in: [1, 2] })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("task_set_info", a.self, { flavor: 24, task_info_in: [1, 2, 3, 4] })).kr, KERN_NOT_SUPPORTED);
  assertInvariant(kernel);
});

test("thread_create makes a suspended thread and hands back its port; thread_create_running checks the state", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const before = a.task.threads.length;
  const r = await a.thread.call("thread_create", a.self);
  assert.equal(r.kr, KERN_SUCCESS);
  const t = r["child_act"] as number;
  assert.equal((await a.thread.call("mach_port_kobject", a.self, { name: t }))["object_type"], IKOT_THREAD);
  assert.equal(a.task.threads.length, before + 1);
  assert.equal(a.task.threads.at(-1)!.suspendCount, 1);
  assert.equal((await a.thread.call("thread_resume", t)).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("thread_resume", t)).kr, KERN_FAILURE);

  // x86_THREAD_STATE64 (4) takes 42 words; a bad flavor ends the new thread before anyone sees it.
  const ok = await a.thread.call("thread_create_running", a.self, { flavor: 4, new_state: new Array(42).fill(0) });
  assert.equal(ok.kr, KERN_SUCCESS);
  const active = a.task.threads.filter((x) => x.active).length;
  const bad = await a.thread.call("thread_create_running", a.self, { flavor: 9999, new_state: [0] });
  assert.equal(bad.kr, KERN_INVALID_ARGUMENT);
  assert.equal(a.task.threads.filter((x) => x.active).length, active);
  assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: t })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: ok["child_act"] as number })).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});
