/** fork's inheritance (ipc_task_init from the parent) and exec (rights survive; a set-id exec resets). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, type Actor } from "../helpers/kernel.js";
import { KERN_INVALID_NAME, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND } from "../../src/abi/port.js";
import { EXC_MASK_BAD_ACCESS, EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT, EXCEPTION_STATE, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { MACH_MSG_SUCCESS, MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import { IKOT_HOST, IKOT_HOST_PRIV } from "../../src/abi/ikot.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";
import { TASK_ACCESS_PORT, TASK_BOOTSTRAP_PORT, TASK_SEATBELT_PORT } from "../../src/kern/ipc_tt.js";
import { taskExec, taskFork, taskSetCredential } from "../../src/kern/proc.js";
import { Msg } from "../helpers/kernel.js";
import type { Task } from "../../src/index.js";

const MAKE_SEND = 20;

async function newPort(a: Actor): Promise<number> {
  const name = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await a.thread.call("mach_port_insert_right", a.self, { name, poly: { name, disposition: MAKE_SEND } })).kr, KERN_SUCCESS);
  return name;
}

async function kobjectType(a: Actor, name: number): Promise<number> {
  return (await a.thread.call("mach_port_kobject", a.self, { name }))["object_type"] as number;
}

/** The port a name denotes in a task's space (to compare across spaces). */
function portOf(task: Task, name: number): unknown {
  const i = task.space.lookup(name);
  return i < 0 ? null : task.space.objs[i];
}

function forkActor(parent: Actor): Actor {
  const task = taskFork(parent.task);
  const thread = task.createThread();
  return { task, thread, self: thread.taskSelfTrap(), reply: thread.machReplyPort() };
}

test("fork: the child's space is fresh and empty; the parent's names mean nothing there", async () => {
  const kernel = boot();
  const parent = actor(kernel);
  const p = await newPort(parent);
  const child = forkActor(parent);
  assert.notEqual(child.task.pid, parent.task.pid);
  const r = await child.thread.call("mach_port_type", child.self, { name: p });
  assert.equal(r.kr, KERN_INVALID_NAME);
  const names = await child.thread.call("mach_port_names", child.self);
  // Only what the child itself made: its task self right, its reply port and the MIG reply port of this call.
  const list = names["names"] as Uint8Array;
  assert.equal(list.byteLength / 4, 3);
  assert.equal((await parent.thread.call("mach_port_type", parent.self, { name: p }))["ptype"], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assertInvariant(kernel);
});

test("fork: root's child keeps host priv, a user's child the plain host port", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const user = actor(kernel, { uid: 501 });
  const rc = forkActor(root);
  const uc = forkActor(user);
  assert.equal(await kobjectType(rc, rc.thread.hostSelfTrap()), IKOT_HOST_PRIV);
  assert.equal(await kobjectType(uc, uc.thread.hostSelfTrap()), IKOT_HOST);
  assertInvariant(kernel);
});

test("fork: bootstrap, seatbelt and task-access ports are the parent's", async () => {
  const kernel = boot({ bootstrap: true });
  const parent = actor(kernel);
  const sb = await newPort(parent);
  const ta = await newPort(parent);
  assert.equal((await parent.thread.call("task_set_special_port", parent.self, { which_port: TASK_SEATBELT_PORT, special_port: sb })).kr, KERN_SUCCESS);
  assert.equal((await parent.thread.call("task_set_special_port", parent.self, { which_port: TASK_ACCESS_PORT, special_port: ta })).kr, KERN_SUCCESS);
  const child = forkActor(parent);
  for (const which of [TASK_BOOTSTRAP_PORT, TASK_SEATBELT_PORT, TASK_ACCESS_PORT]) {
    const pp = (await parent.thread.call("task_get_special_port", parent.self, { which_port: which }))["special_port"] as number;
    const cp = (await child.thread.call("task_get_special_port", child.self, { which_port: which }))["special_port"] as number;
    assert.ok(portOf(parent.task, pp) !== null);
    assert.equal(portOf(child.task, cp), portOf(parent.task, pp), `special port ${which}`);
  }
  assertInvariant(kernel);
});

test("fork: task exception ports are inherited with mask, behavior, flavor and a send right each", async () => {
  const kernel = boot();
  const parent = actor(kernel);
  const h = await newPort(parent);
  const behavior = (EXCEPTION_STATE | MACH_EXCEPTION_CODES) >>> 0;
  assert.equal(
    (await parent.thread.call("task_set_exception_ports", parent.self, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: h, behavior, new_flavor: x86_THREAD_STATE64 })).kr,
    KERN_SUCCESS,
  );
  assert.equal(
    (await parent.thread.call("task_set_exception_ports", parent.self, { exception_mask: EXC_MASK_BREAKPOINT, new_port: h, behavior: EXCEPTION_DEFAULT, new_flavor: 0 })).kr,
    KERN_SUCCESS,
  );
  const child = forkActor(parent);
  const got = await child.thread.call("task_get_exception_ports", child.self, { exception_mask: EXC_MASK_BAD_ACCESS | EXC_MASK_BREAKPOINT });
  assert.equal(got.kr, KERN_SUCCESS);
  assert.deepEqual(got["masks"], [EXC_MASK_BAD_ACCESS, EXC_MASK_BREAKPOINT]);
  assert.deepEqual(got["old_behaviors"], [behavior | 0, EXCEPTION_DEFAULT]);
  assert.deepEqual(got["old_flavors"], [x86_THREAD_STATE64, 0]);
  const handlers = got["old_handlers"] as number[];
  assert.equal(portOf(child.task, handlers[0]!), portOf(parent.task, h));
  // An exception in the child reaches the parent's handler.
  const raised = child.thread.raiseException(1, [1, 0]);
  const buf = new Uint8Array(1024);
  assert.equal(await parent.thread.machMsg(buf, MACH_RCV_MSG, 0, buf.length, h), MACH_MSG_SUCCESS);
  assert.equal(new DataView(buf.buffer).getInt32(20, true), 2406);
  const reply = new Msg(64).header({ bits: 18, size: 36, remote: new DataView(buf.buffer).getUint32(8, true), id: 2506 }).ndr(24).i32(32, 5);
  assert.equal(await parent.thread.machMsg(reply.buf, MACH_SEND_MSG, 36, 0, 0), MACH_MSG_SUCCESS);
  await raised;
  assertInvariant(kernel);
});

test("fork: registered ports (mach_ports_register) are the parent's; nothing else of its space", async () => {
  const kernel = boot();
  const parent = actor(kernel);
  const a = await newPort(parent);
  const b = await newPort(parent);
  assert.equal((await parent.thread.call("mach_ports_register", parent.self, { init_port_set: [a, b] })).kr, KERN_SUCCESS);
  const child = forkActor(parent);
  const look = await child.thread.call("mach_ports_lookup", child.self);
  const got = look["init_port_set"] as number[];
  assert.equal(portOf(child.task, got[0]!), portOf(parent.task, a));
  assert.equal(portOf(child.task, got[1]!), portOf(parent.task, b));
  assert.equal(got[2], 0);
  child.task.terminate();
  // The parent is unaffected by the child's death.
  assert.equal((await parent.thread.call("mach_port_type", parent.self, { name: a }))["ptype"], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assertInvariant(kernel);
});

test("fork: a parent thread blocked in mach_msg is unaffected and still receives", async () => {
  const kernel = boot();
  const parent = actor(kernel);
  const p = await newPort(parent);
  const buf = new Uint8Array(256);
  const blocked = parent.thread.machMsg(buf, MACH_RCV_MSG, 0, buf.length, p);
  assert.ok(blocked instanceof Promise);
  const child = forkActor(parent);
  const other = parent.task.createThread();
  const m = new Msg(64).header({ bits: 19, size: 24, remote: p, id: 99 });
  assert.equal(await other.machMsg(m.buf, MACH_SEND_MSG, 24, 0, 0), MACH_MSG_SUCCESS);
  assert.equal(await blocked, MACH_MSG_SUCCESS);
  child.task.terminate();
  assertInvariant(kernel);
});

test("exec: the task, its space and its rights survive; other threads end", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await newPort(a);
  const other = a.task.createThread();
  assert.equal(taskExec(a.task, a.thread, { name: "newimage" }), false);
  assert.equal(other.active, false);
  assert.equal(a.task.name, "newimage");
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: p }))["ptype"], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assert.equal(a.thread.taskSelfTrap(), a.self, "the same task port");
  assertInvariant(kernel);
});

test("set-id exec: new task and thread ports (old names die), unprivileged exception ports dropped, P_SUGID", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 501 });
  const keep = await newPort(a);
  const h = await newPort(a);
  assert.equal((await a.thread.call("task_set_exception_ports", a.self, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: h, behavior: EXCEPTION_DEFAULT, new_flavor: 0 })).kr, KERN_SUCCESS);
  const oldThread = a.thread.threadSelfTrap();
  assert.equal(taskExec(a.task, a.thread, { setId: { uid: 0, gid: 0 } }), true);
  assert.equal(a.task.sugid, true);
  assert.equal(a.task.uid, 0);
  const self2 = a.thread.taskSelfTrap();
  assert.notEqual(self2, a.self);
  assert.equal((await a.thread.call("mach_port_type", self2, { name: a.self }))["ptype"], MACH_PORT_TYPE_DEAD_NAME);
  assert.equal((await a.thread.call("mach_port_type", self2, { name: oldThread }))["ptype"], MACH_PORT_TYPE_DEAD_NAME);
  assert.notEqual(a.thread.threadSelfTrap(), oldThread);
  // Rights in the space itself survive.
  assert.equal((await a.thread.call("mach_port_type", self2, { name: keep }))["ptype"], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  const got = await a.thread.call("task_get_exception_ports", self2, { exception_mask: EXC_MASK_BAD_ACCESS });
  // ipc_task_reset nulls the port and leaves behavior and flavor, which get still lists.
  assert.deepEqual(got["old_handlers"], [0]);
  // Now root: the host port is host priv.
  assert.equal(await kobjectType({ ...a, self: self2 }, a.thread.hostSelfTrap()), IKOT_HOST_PRIV);
  assertInvariant(kernel);
});

test("setuid (taskSetCredential): tokens and host port follow the effective uid; ports and rights stay; P_SUGID only on a change", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 0, gid: 0 });
  const keep = await newPort(a);
  assert.equal(await kobjectType(a, a.thread.hostSelfTrap()), IKOT_HOST_PRIV);
  // An unchanged credential: set_security_token still runs, nothing is marked.
  assert.equal(taskSetCredential(a.task, { uid: 0, gid: 0, ruid: 0, rgid: 0 }), false);
  assert.equal(a.task.sugid, false);
  assert.equal(taskSetCredential(a.task, { uid: 501, gid: 20, ruid: 501, rgid: 20 }), true);
  assert.equal(a.task.sugid, true);
  assert.deepEqual(a.task.secToken, [501, 20]);
  assert.deepEqual([...a.task.auditToken], [0, 501, 20, 501, 20, a.task.pid, 100000 + a.task.pid, 1]);
  assert.equal(a.task.realUid, 501);
  // The host port is the plain one now; the task port and the space's rights are kept (no reset, unlike a set-id exec).
  assert.equal(await kobjectType(a, a.thread.hostSelfTrap()), IKOT_HOST);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: keep }))["ptype"], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assert.equal(a.thread.taskSelfTrap(), a.self);
  assertInvariant(kernel);
});
