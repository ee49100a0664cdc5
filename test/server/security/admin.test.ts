/**
 * Who may look: lsmp, tasks and trace follow task_for_pid's rule (root sees
 * every task, a user only its own uid's), against a root-run system server
 * with users 501 and 502; and a served kernel booted with --fixes pegs user
 * references as xnu-3789.31.2 does (CVE-2016-7637).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ALICE, BOB, ROOT, client, command, serve, serverViolations, testDir, until } from "./processes.js";
import { MachClient } from "../../../src/client/index.js";
import { KERN_SUCCESS, KERN_UREFS_OVERFLOW, MACH_PORT_UREFS_MAX } from "../../../src/index.js";

assert.equal(process.getuid?.(), 0, "the security tests switch uids: they run as root (as npm test does here and in CI)");

const cli = (who: typeof ALICE, socketPath: string, ...args: string[]) => command(who, process.execPath, [join(ROOT, "dist/cli/main.js"), ...args, "--socket", socketPath]).done;
/** A client that stays connected (with a port of its own) until told to go. */
const resident = (who: typeof ALICE, socketPath: string, name: string) =>
  client(who, socketPath, `const c = await MachClient.connect({ socketPath, name: ${JSON.stringify(name)} }); const t = c.mainThread; await t.call("mach_port_allocate", await t.taskSelfTrap(), { right: 1 }); say({ pid: c.pid }); await new Promise((r) => process.stdin.once("data", r)); c.close();`);
const rpc = (who: typeof ALICE, socketPath: string, name: string) =>
  client(who, socketPath, `const c = await MachClient.connect({ socketPath, name: ${JSON.stringify(name)} }); const t = c.mainThread; say({ kr: (await t.call("mach_port_allocate", await t.taskSelfTrap(), { right: 1 })).kr }); c.close();`).done;

test("machipc tasks and lsmp as uid 501: its own tasks only; lsmp of uid 502's task or of kernel_task is refused; root sees all", async () => {
  const server = await serve(["--system", "--socket", join(testDir(), "machipc.sock")]);
  const alice = resident(ALICE, server.socketPath, "alice-task");
  const bob = resident(BOB, server.socketPath, "bob-task");
  try {
    const alicePid = (await alice.line("pid"))["pid"] as number;
    const bobPid = (await bob.line("pid"))["pid"] as number;
    const tasks = await cli(ALICE, server.socketPath, "tasks");
    assert.equal(tasks.code, 0, tasks.stderr);
    assert.match(tasks.stdout, /alice-task/);
    assert.doesNotMatch(tasks.stdout, /bob-task|kernel_task/);
    const own = await cli(ALICE, server.socketPath, "lsmp", String(alicePid));
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`Process \\(${alicePid}\\) : alice-task`));
    for (const pid of [bobPid, 0]) {
      const other = await cli(ALICE, server.socketPath, "lsmp", String(pid));
      assert.equal(other.code, 1);
      assert.match(other.stderr, new RegExp(`machipc lsmp: not permitted to inspect pid ${pid}: only root and the task's own user may \\(task_for_pid\\)`));
    }
    const byName = await cli(ALICE, server.socketPath, "lsmp", "bob-task");
    assert.match(byName.stderr, /no task named 'bob-task'/, "a name it cannot see is not found");
    const rootTasks = await cli({ uid: 0, gid: 0 }, server.socketPath, "tasks");
    assert.match(rootTasks.stdout, /alice-task[\s\S]*bob-task|bob-task[\s\S]*alice-task/);
    const rootLsmp = await cli({ uid: 0, gid: 0 }, server.socketPath, "lsmp", String(bobPid));
    assert.equal(rootLsmp.code, 0, rootLsmp.stderr);
  } finally {
    alice.child.stdin!.write("x");
    bob.child.stdin!.write("x");
    await Promise.all([alice.done, bob.done]);
    assert.deepEqual(await serverViolations(server.socketPath), []);
    await server.stop();
  }
});

test("machipc trace as uid 501 shows only messages of tasks it may see; root's trace shows uid 502's too", async () => {
  const server = await serve(["--system", "--socket", join(testDir(), "machipc.sock")]);
  const tracer = command(ALICE, process.execPath, [join(ROOT, "dist/cli/main.js"), "trace", "--socket", server.socketPath]);
  const rootLines: string[] = [];
  const root = await MachClient.connect({ socketPath: server.socketPath, name: "root-tracer" });
  root.trace((l) => rootLines.push(l));
  try {
    // Alice's first call shows her tracer is subscribed; Bob's comes next; Alice's second closes the window.
    await until(async () => {
      await rpc(ALICE, server.socketPath, "alice-one");
      return tracer.out().includes("alice-one -> IKOT_TASK: mach_port_allocate");
    }, "the tracer to see alice-one");
    await rpc(BOB, server.socketPath, "bob-secret");
    await rpc(ALICE, server.socketPath, "alice-two");
    await until(() => tracer.out().includes("alice-two -> IKOT_TASK") && rootLines.some((l) => l.includes("alice-two")), "both tracers to see alice-two");
    assert.match(tracer.out(), /kernel_task -> alice-two's port 0x[0-9a-f]+: mach_port_allocate reply/, "the kernel's reply to her own task is hers to see");
    assert.doesNotMatch(tracer.out(), /bob-secret/);
    assert.ok(rootLines.some((l) => /bob-secret -> IKOT_TASK: mach_port_allocate/.test(l)), "root sees uid 502's messages");
  } finally {
    tracer.child.kill("SIGINT");
    root.close();
    await tracer.done;
    assert.deepEqual(await serverViolations(server.socketPath), []);
    await server.stop();
  }
});

test("serve --fixes: a send right's references peg at MACH_PORT_UREFS_MAX (CVE-2016-7637's fix); without it, KERN_UREFS_OVERFLOW as xnu-3248", async () => {
  for (const fixes of [true, false]) {
    const server = await serve(["--system", "--socket", join(testDir(), "machipc.sock"), ...(fixes ? ["--fixes"] : [])]);
    try {
      const c = client(
        ALICE,
        server.socketPath,
        `
        const c = await MachClient.connect({ socketPath });
        const t = c.mainThread;
        const self = await t.taskSelfTrap();
        const p = await newPort(t, self);
        const up = await t.call("mach_port_mod_refs", self, { name: p, right: 0, delta: ${MACH_PORT_UREFS_MAX} });
        const refs = await t.call("mach_port_get_refs", self, { name: p, right: 0 });
        const down = await t.call("mach_port_mod_refs", self, { name: p, right: 0, delta: -1 });
        const after = await t.call("mach_port_get_refs", self, { name: p, right: 0 });
        say({ up: up.kr, refs: refs.refs, down: down.kr, after: after.refs });
        c.close();
        `,
      );
      const r = await c.line("up");
      if (fixes) assert.deepEqual(r, { up: KERN_SUCCESS, refs: MACH_PORT_UREFS_MAX, down: KERN_SUCCESS, after: MACH_PORT_UREFS_MAX });
      else assert.deepEqual(r, { up: KERN_UREFS_OVERFLOW, refs: 1, down: KERN_SUCCESS, after: 0 });
      assert.deepEqual(await serverViolations(server.socketPath), []);
    } finally {
      await server.stop();
    }
  }
});
