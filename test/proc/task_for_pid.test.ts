/** task_for_pid, task_name_for_pid and pid_for_task: XNU's checks, the MAC hook, and the default rule. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { KERN_FAILURE, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { IKOT_TASK, IKOT_TASK_NAME } from "../../src/abi/ikot.js";
import { EPERM } from "../../src/kern/mac.js";
import { macMayInspect, pidForTask, taskForPid, taskNameForPid } from "../../src/kern/task_for_pid.js";
import { taskExec } from "../../src/kern/proc.js";
import type { Actor } from "../helpers/kernel.js";

async function kotype(a: Actor, name: number): Promise<number> {
  return (await a.thread.call("mach_port_kobject", a.self, { name }))["object_type"] as number;
}

test("root gets any task's port; task_for_pid(0) is refused even to root", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const user = actor(kernel, { uid: 501 });
  const r = taskForPid(root.task, root.self, user.task.pid);
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(await kotype(root, r.value), IKOT_TASK);
  assert.equal(pidForTask(root.task, r.value, false).value, user.task.pid);
  assert.deepEqual(taskForPid(root.task, root.self, 0), { kr: KERN_FAILURE, value: 0 });
  assert.deepEqual(taskForPid(root.task, root.self, 99999), { kr: KERN_FAILURE, value: 0 });
  // The target_tport must name a task port.
  assert.deepEqual(taskForPid(root.task, 0x1234, user.task.pid), { kr: KERN_FAILURE, value: 0 });
  assertInvariant(kernel);
});

test("by default a user gets only its own task; the posix rule lets the same uid through, never another uid", async () => {
  for (const rule of ["root", "posix"] as const) {
    const kernel = boot({ taskForPid: rule });
    const a = actor(kernel, { uid: 501 });
    const b = actor(kernel, { uid: 501 });
    const c = actor(kernel, { uid: 502 });
    const own = taskForPid(a.task, a.self, a.task.pid);
    assert.equal(own.kr, KERN_SUCCESS);
    assert.equal(own.value, a.self, "its own task port, under its existing name");
    assert.equal(taskForPid(a.task, a.self, b.task.pid).kr, rule === "posix" ? KERN_SUCCESS : KERN_FAILURE, rule);
    assert.equal(taskForPid(a.task, a.self, c.task.pid).kr, KERN_FAILURE);
    assertInvariant(kernel);
  }
});

test("an explicit MAC policy decides after the POSIX check; a set-id task is refused to others", async () => {
  const kernel = boot({ macPolicy: { name: "taskgated", procCheckGetTask: (cred, target) => (cred.uid === target.uid ? 0 : EPERM) } });
  const a = actor(kernel, { uid: 501 });
  const b = actor(kernel, { uid: 501 });
  assert.equal(taskForPid(a.task, a.self, b.task.pid).kr, KERN_SUCCESS);
  taskExec(b.task, b.thread, { setId: { uid: 501, gid: 0 } });
  assert.equal(b.task.sugid, true);
  assert.equal(taskForPid(a.task, a.self, b.task.pid).kr, KERN_FAILURE, "P_SUGID (and a group not the caller's)");
  assertInvariant(kernel);
});

test("task_name_for_pid: same uid or root; pid_for_task takes task name ports only with the later fix", async () => {
  for (const fix of [false, true]) {
    const kernel = boot({ fixes: { pidForTaskName: fix } });
    const a = actor(kernel, { uid: 501 });
    const b = actor(kernel, { uid: 501 });
    const c = actor(kernel, { uid: 502 });
    const n = taskNameForPid(a.task, a.self, b.task.pid);
    assert.equal(n.kr, KERN_SUCCESS);
    assert.equal(await kotype(a, n.value), IKOT_TASK_NAME);
    assert.equal(taskNameForPid(a.task, a.self, c.task.pid).kr, KERN_FAILURE);
    assert.deepEqual(pidForTask(a.task, n.value, kernel.options.fixes.pidForTaskName), fix ? { kr: KERN_SUCCESS, value: b.task.pid } : { kr: KERN_FAILURE, value: -1 });
    assert.deepEqual(pidForTask(a.task, a.self, false), { kr: KERN_SUCCESS, value: a.task.pid });
    assert.deepEqual(pidForTask(a.task, 0, false), { kr: KERN_FAILURE, value: -1 });
    assertInvariant(kernel);
  }
});

test("the admin listings' visibility goes through mac_proc_check_get_task's hook, else root sees all and a user its own uid", () => {
  const plain = boot();
  const root = actor(plain, { uid: 0, gid: 0 });
  const u1 = actor(plain, { uid: 501 });
  const u2 = actor(plain, { uid: 502 });
  assert.equal(macMayInspect(root.task, u2.task), true);
  assert.equal(macMayInspect(u1.task, u2.task), false);
  assert.equal(macMayInspect(u1.task, actor(plain, { uid: 501 }).task), true);
  const strict = boot({ macPolicy: { name: "self-only", procCheckGetTask: (cred, target) => (cred.pid === target.pid ? 0 : EPERM) } });
  const r = actor(strict, { uid: 0, gid: 0 });
  const other = actor(strict, { uid: 501 });
  assert.equal(macMayInspect(r.task, other.task), false, "the policy refuses even root");
  assert.equal(macMayInspect(other.task, other.task), true);
  assert.equal(taskForPid(r.task, r.self, other.task.pid).kr, KERN_FAILURE, "and task_for_pid alike");
  assertInvariant(plain);
  assertInvariant(strict);
});

test("the three traps are in the trap table at xnu-3248's numbers and run through Thread.trap as they do over TRAP_ARGS", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const user = actor(kernel, { uid: 501 });
  const t = await root.thread.trap(45, { target_tport: root.self, pid: user.task.pid });
  assert.equal(t.kr, KERN_SUCCESS);
  assert.deepEqual(await root.thread.trap("pid_for_task", { t: t["t"] as number }), { kr: KERN_SUCCESS, x: user.task.pid });
  assert.deepEqual(await root.thread.trap("task_for_pid", { target_tport: root.self, pid: 0 }), { kr: KERN_FAILURE, t: 0 });
  const n = await user.thread.trap(44, { target_tport: user.self, pid: user.task.pid });
  assert.equal(n.kr, KERN_SUCCESS);
  // pid_for_task's -1 is the out word's all ones.
  assert.deepEqual(await user.thread.trap(46, { t: n["tn"] as number }), { kr: KERN_FAILURE, x: 0xffffffff });
  assertInvariant(kernel);
});
