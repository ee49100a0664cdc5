/**
 * Who a client is comes from the kernel (SO_PEERCRED), not from HELLO: a
 * root-run system server, users 501 and 502 connecting to it, and what each
 * one's claims can and cannot get it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ALICE, BOB, asRoot, client, serve, serverViolations, testDir } from "./processes.js";
import { IKOT_HOST, IKOT_HOST_PRIV, KERN_INVALID_ARGUMENT } from "../../../src/index.js";

assert.equal(process.getuid?.(), 0, "the security tests switch uids: they run as root (as npm test does here and in CI)");

test("HELLO claiming uid 0 and pid 1 from uid 501 gets a uid 501 task: the kernel's credentials in its tokens, the unprivileged host port, no path to host priv", async () => {
  const server = await serve(["--system", "--socket", join(testDir(), "machipc.sock")]);
  try {
    const forger = client(
      ALICE,
      server.socketPath,
      `
      forgeHello(0, 0, 1);
      const c = await MachClient.connect({ socketPath, name: "forger" });
      const t = c.mainThread;
      const self = await t.taskSelfTrap();
      const host = await t.hostSelfTrap();
      const kobj = await t.call("mach_port_kobject", self, { name: host });
      const sec = await t.call("task_info", self, { flavor: 13 });
      const audit = await t.call("task_info", self, { flavor: 15 });
      // The issue's chain starts with host priv: host_processor_set_priv on what we got.
      const pset = await t.call("processor_set_default", host, {});
      const priv = await t.call("host_processor_set_priv", host, { set_name: pset.default_set });
      say({ pid: c.pid, real: process.pid, kobj: kobj.object_type, sec: sec.task_info_out, audit: audit.task_info_out, privKr: priv.kr });
      c.close();
      `,
    );
    const r = await forger.line("kobj");
    assert.equal(r["pid"], r["real"], "the task's pid is the process's, not the claimed 1");
    assert.equal(r["kobj"], IKOT_HOST, "host_self_trap gives the host name port");
    assert.deepEqual(r["sec"], [ALICE.uid, ALICE.gid], "security token from the kernel");
    const audit = r["audit"] as number[];
    assert.deepEqual([audit[1], audit[2], audit[5]], [ALICE.uid, ALICE.gid, r["real"]], "audit token euid, egid, pid from the kernel");
    assert.notEqual(r["privKr"], 0, "host_processor_set_priv is refused without host priv");
    assert.equal((await forger.done).code, 0, forger.err());
    assert.match(server.err(), /HELLO claims uid 0 gid 0 pid 1; the kernel says uid 501 gid 20 pid \d+, which the task gets/);
    // A real root process is root, as on macOS.
    await asRoot(server.socketPath, async (c) => {
      const k = await c.mainThread.call("mach_port_kobject", await c.mainThread.taskSelfTrap(), { name: await c.mainThread.hostSelfTrap() });
      assert.equal(k["object_type"], IKOT_HOST_PRIV);
    });
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("JOIN: the token works only for the process that said HELLO; leaked to another process (same uid or not) it is refused like an unknown one", async () => {
  const server = await serve(["--system", "--socket", join(testDir(), "machipc.sock")]);
  try {
    const owner = client(
      ALICE,
      server.socketPath,
      `
      const a = await raw();
      a.send(P.OP_HELLO, [P.struct(P.HELLO, { uid: ${ALICE.uid}, gid: ${ALICE.gid}, pid: process.pid, nameLength: 5 }), new TextEncoder().encode("owner")]);
      const hello = await a.next();
      const token = new DataView(hello.result.extra.buffer, hello.result.extra.byteOffset).getBigUint64(0, true);
      // A second connection of this very process joins its task (as each C thread does).
      const b = await raw();
      b.send(P.OP_JOIN, [P.struct(P.JOIN, { token, tid: 0 })]);
      const joined = await b.next();
      say({ token: token.toString(), pid: hello.result.value, joined: joined.result.value });
      await new Promise((r) => process.stdin.once("data", r));
      `,
    );
    const o = await owner.line("token");
    assert.equal(o["joined"], o["pid"], "the owner's own second connection is a thread of its task");
    const thief = (who: typeof ALICE) =>
      client(
        who,
        server.socketPath,
        `
        const s = await raw();
        s.send(P.OP_JOIN, [P.struct(P.JOIN, { token: ${o["token"]}n, tid: 0 })]);
        const r = await s.next();
        say({ value: r?.result.value, closed: await s.closedSoon() });
        `,
      );
    for (const who of [BOB, ALICE]) {
      const t = thief(who);
      const r = await t.line("value");
      assert.equal(r["value"], KERN_INVALID_ARGUMENT, `uid ${who.uid} in another process is refused`);
      assert.equal(r["closed"], true);
      await t.done;
    }
    assert.match(server.err(), /JOIN refused: the token belongs to pid \d+ uid 501/);
    owner.child.stdin!.write("x");
    await owner.done;
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});
