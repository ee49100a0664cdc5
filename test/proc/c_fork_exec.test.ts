/**
 * Processes out of process, from C: fork's inheritance, rights surviving exec
 * (and a set-id exec's reset), task_for_pid's policy as root and not. The
 * tests run as root; other users' processes are spawned with
 * their uid against a system server.
 */
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MachClient } from "../../src/client/index.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { EXC_BAD_ACCESS, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { IKOT_HOST_PRIV } from "../../src/abi/ikot.js";
import type { MachipcServer } from "../../src/server/server.js";
import type { Task } from "../../src/kern/task.js";
import { Proc, serve, example, idle, killLeftovers, proctest, serverEnv as env, taskOf } from "./c_helpers.js";

let bin = "";
before(() => {
  bin = proctest();
});
afterEach(killLeftovers);

const INHERITED_BEHAVIOR = (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0;

/** A debugger-like Node client (root) gives the C parent exception ports and registered ports; the caller closes it. */
async function giveInheritables(server: MachipcServer, parent: Task): Promise<MachClient> {
  const dbg = await MachClient.connect({ socketPath: server.socketPath, name: "setup" });
  const t = dbg.mainThread;
  const self = await t.taskSelfTrap();
  const ptask = (await t.taskForPid(self, parent.pid)).task;
  const h = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
  await t.call("mach_port_insert_right", self, { name: h, poly: { name: h, disposition: 20 } });
  const kr = (await t.call("task_set_exception_ports", ptask, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: h, behavior: INHERITED_BEHAVIOR, new_flavor: 0 })).kr;
  assert.equal(kr, KERN_SUCCESS);
  assert.equal((await t.call("mach_ports_register", ptask, { init_port_set: [h] })).kr, KERN_SUCCESS);
  return dbg;
}

/** What ipc_task_init gives a child task from its parent. */
function assertInherited(child: Task, parent: Task): void {
  assert.notEqual(child, parent);
  assert.equal(child.excActions[EXC_BAD_ACCESS]!.port, parent.excActions[EXC_BAD_ACCESS]!.port);
  assert.equal(child.excActions[EXC_BAD_ACCESS]!.behavior, INHERITED_BEHAVIOR | 0);
  assert.equal(child.ports.itkRegistered[0], parent.ports.itkRegistered[0]);
  assert.equal(child.ports.itkBootstrap, parent.ports.itkBootstrap);
}

test("fork: the child is a task of its own, with the parent's host, bootstrap, exception and registered ports and nothing else", async () => {
  const server = await serve({ bootstrap: true });
  const p = new Proc(bin, ["fork"], env(server));
  const m = await p.line(/^parent (\d+) port 0x([0-9a-f]+)/);
  const parent = taskOf(server, Number(m[1]));
  const dbg = await giveInheritables(server, parent);
  p.send();
  const c = await p.line(/^child (\d+) type-of-parent-port (\S+) bootstrap (\S+)/);
  assert.equal(c[2], "KERN_INVALID_NAME", "the parent's receive right is no name in the child");
  assert.equal(c[3], "set", "bootstrap_port is set in the child");
  const child = taskOf(server, Number(c[1]));
  assertInherited(child, parent);
  assert.equal(child.ports.itkBootstrap, server.kernel.bootstrap!.port);
  // root's child keeps host priv.
  assert.equal(child.ports.itkHost, parent.ports.itkHost);
  assert.equal((child.ports.itkHost as { kotype: number }).kotype, IKOT_HOST_PRIV);
  p.send();
  const after = await p.line(/^parent after child: (.*) type 0x([0-9a-f]+)/);
  assert.equal(after[1], "(os/kern) successful");
  assert.equal(parseInt(after[2]!, 16), 0x30000, "the parent still holds its receive and send rights");
  await p.line(/^blocked call completed: \(os\/kern\) successful id 778$/);
  p.send();
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  dbg.close();
  await idle(server, 2);
});

test("posix_spawn: the spawned image is a task of its own made from the parent's, as on macOS (host, bootstrap, exception and registered ports)", async () => {
  const server = await serve({ bootstrap: true });
  const p = new Proc(bin, ["spawn"], env(server));
  const m = await p.line(/^parent (\d+) port 0x([0-9a-f]+)/);
  const parent = taskOf(server, Number(m[1]));
  const dbg = await giveInheritables(server, parent);
  p.send();
  const c = await p.line(/^spawned (\d+) type-of-parent-port (\S+) bootstrap (\S+) registered (.*) (first-\S+) env (\S+)/);
  assert.equal(c[2], "KERN_INVALID_NAME", "the parent's receive right is no name in the child");
  assert.deepEqual([c[3], c[4], c[5], c[6]], ["set", "(os/kern) successful", "first-set", "gone"]);
  const child = taskOf(server, Number(c[1]));
  assertInherited(child, parent);
  assert.equal(child.ports.itkHost, parent.ports.itkHost);
  p.send();
  const after = await p.line(/^parent after child: exit (\d+), (.*) type 0x([0-9a-f]+)/);
  assert.deepEqual([after[1], after[2], parseInt(after[3]!, 16)], ["0", "(os/kern) successful", 0x30000]);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  dbg.close();
  await idle(server, 2);
});

test("exec: the task and every right survive; other threads end", async () => {
  const server = await serve();
  const p = new Proc(bin, ["exec"], env(server));
  const m = await p.line(/^before exec (\d+) port 0x([0-9a-f]+) self 0x([0-9a-f]+)/);
  const task = taskOf(server, Number(m[1]));
  const selfPort = task.ports.itkSelf;
  p.send();
  const a = await p.line(/^after exec (\d+) port 0x([0-9a-f]+): (.*) type 0x([0-9a-f]+) self 0x([0-9a-f]+) euid (\d+)/);
  assert.equal(Number(a[1]), task.pid);
  assert.equal(a[2], m[2]);
  assert.equal(a[3], "(os/kern) successful");
  assert.equal(parseInt(a[4]!, 16), 0x30000);
  assert.equal(a[5], m[3], "the same task port under the same name");
  assert.equal(server.kernel.tasks.get(task.pid), task);
  assert.equal(task.ports.itkSelf, selfPort);
  assert.equal(task.sugid, false);
  assert.equal((await p.line(/^a thread after exec: (.*) type 0x([0-9a-f]+)/))[1], "(os/kern) successful", "the new image's threads join the task");
  p.send();
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  await idle(server, 1);
});

test("set-id exec: the task goes on with its rights, but its ports are reset and it is P_SUGID", async () => {
  const server = await serve({ system: true });
  const dir = mkdtempSync(join(tmpdir(), "machipc-suid-"));
  chmodSync(dir, 0o755);
  const suid = join(dir, "proctest-suid");
  copyFileSync(bin, suid);
  chmodSync(suid, 0o4755);
  const p = new Proc(bin, ["exec", suid], env(server), { uid: 501, gid: 20 });
  const m = await p.line(/^before exec (\d+) port 0x([0-9a-f]+) self 0x([0-9a-f]+)/);
  const task = taskOf(server, Number(m[1]));
  assert.equal(task.uid, 501);
  const oldSelf = task.ports.itkSelf;
  p.send();
  const a = await p.line(/^after exec (\d+) port 0x([0-9a-f]+): (.*) type 0x([0-9a-f]+) self 0x([0-9a-f]+) euid (\d+)/);
  assert.equal(a[6], "0", "the image runs set-uid root");
  assert.equal(server.kernel.tasks.get(task.pid), task, "the same task");
  assert.equal(a[3], "(os/kern) successful", "rights in the space survive");
  assert.equal(task.uid, 0);
  assert.equal(task.sugid, true);
  assert.equal(oldSelf.active, false, "ipc_task_reset: the old task port is dead");
  assert.notEqual(a[5], m[3], "mach_task_self() is a new name");
  assert.equal((await p.line(/^a thread after exec: (.*) type 0x([0-9a-f]+)/))[1], "(os/kern) successful", "its threads join with the new credential");
  p.send();
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  await idle(server, 1);
});

test("task_for_pid from C: root gets a child's task; a user does not by default, and does under --task-for-pid posix", async () => {
  for (const [uid, rule, works] of [
    [0, "root", true],
    [501, "root", false],
    [501, "posix", true],
  ] as const) {
    const server = await serve({ system: true, taskForPid: rule });
    const p = new Proc(example("crashreporter"), ["resume"], env(server), uid ? { uid, gid: 20 } : {});
    const r = await p.exited;
    const out = p.lines.join("\n");
    if (works) {
      assert.equal(r.code, 0, `${uid}/${rule}: ${out} ${p.stderr}`);
      assert.match(out, /crash report for pid \d+: exception 1, codes 0x1 0x0/);
      assert.match(out, /child \d+: resumed after the fault/);
    } else {
      assert.equal(r.code, 1);
      assert.match(p.stderr, /task_for_pid: \(os\/kern\) failure/);
    }
    // A refused reporter's child waits on its pipe, which closed with the reporter.
    await idle(server, 1);
  }
});

