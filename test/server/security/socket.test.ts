/**
 * The socket as a deployment has it: a user's own server in a directory only
 * that user can enter, its socket 0600 from bind on whatever the umask; a
 * root-run system server in a root-owned directory others may not write; a
 * squatted directory refused by server and clients alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ALICE, BOB, ROOT, client, command, serve, serverViolations, testDir } from "./processes.js";

assert.equal(process.getuid?.(), 0, "the security tests switch uids: they run as root (as npm test does here and in CI)");

const mode = (p: string): number => lstatSync(p).mode & 0o7777;

test("a user's server (uid 501, umask 000, default path under TMPDIR): directory 0700 and socket 0600 from the start; uid 502 cannot get in, uid 501 is served", async () => {
  const tmp = testDir(0o1777);
  const env = { TMPDIR: tmp };
  const server = await serve([], { who: ALICE, umask: 0, env });
  try {
    const dir = join(tmp, `machipc-${ALICE.uid}`);
    assert.equal(server.socketPath, join(dir, "machipc.sock"));
    assert.equal(lstatSync(dir).uid, ALICE.uid);
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(server.socketPath), 0o600, "the socket's mode is right despite umask 000");
    // Bob is refused by the client's own check before it says anything, and by the kernel if he tries anyway.
    const bob = client(
      BOB,
      server.socketPath,
      `
      let refused = "";
      try { await MachClient.connect({ socketPath }); } catch (e) { refused = e.message; }
      let errno = "";
      await new Promise((r) => { const s = net.connect(socketPath); s.on("connect", () => { errno = "connected"; s.destroy(); r(); }); s.on("error", (e) => { errno = e.code; r(); }); });
      say({ refused, errno });
      `,
    );
    const b = await bob.line("refused");
    assert.match(String(b["refused"]), /refusing to connect to .*machipc-501\/machipc\.sock: .*machipc-501 is owned by uid 501, neither you \(uid 502\) nor root/);
    assert.equal(b["errno"], "EACCES");
    // Alice finds it by the same default path, from Node and from C.
    const alice = client(ALICE, "", `const c = await MachClient.connect(); say({ ok: (await c.mainThread.taskSelfTrap()) !== 0 }); c.close();`, env);
    assert.equal((await alice.line("ok"))["ok"], true, alice.err());
    const c = command(ALICE, join(ROOT, "native/build/examples/hostinfo"), [], env);
    const done = await c.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Darwin Kernel Version 15\.4\.0/);
    assert.deepEqual(await serverViolations(server.socketPath, ALICE), []);
  } finally {
    await server.stop();
  }
});

test("a squatted per-uid directory: uid 502 makes /tmp/machipc-501 first; uid 501's server refuses to start there, its clients refuse to connect, and the squatter hears no HELLO", async () => {
  const tmp = testDir(0o1777);
  const env = { TMPDIR: tmp };
  const squatter = client(
    BOB,
    "",
    `
    const fs = await import("node:fs");
    const dir = process.env.TMPDIR + "/machipc-501";
    fs.mkdirSync(dir, { mode: 0o777 }); fs.chmodSync(dir, 0o777);
    let heard = 0;
    const srv = net.createServer((s) => s.on("data", (d) => { heard += d.length; }));
    await new Promise((r) => srv.listen(dir + "/machipc.sock", r));
    fs.chmodSync(dir + "/machipc.sock", 0o777);
    say({ listening: true });
    await new Promise((r) => process.stdin.once("data", r));
    say({ heard });
    `,
    env,
  );
  await squatter.line("listening");
  await assert.rejects(serve([], { who: ALICE, env }), /refusing to serve on .*machipc-501\/machipc\.sock: .*machipc-501 is owned by uid 502, not 501/);
  const node = client(ALICE, "", `let e = ""; try { await MachClient.connect(); } catch (x) { e = x.message; } say({ e });`, env);
  assert.match(String((await node.line("e"))["e"]), /refusing to connect to .*machipc-501\/machipc\.sock: .*is owned by uid 502, neither you \(uid 501\) nor root/);
  const c = await command(ALICE, join(ROOT, "native/build/examples/hostinfo"), [], env).done;
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /machipc: refusing to connect to .*machipc-501\/machipc\.sock: .*machipc-501 is owned by another user \(uid 502, mode 0777\)/);
  squatter.child.stdin!.write("x");
  assert.equal((await squatter.line("heard"))["heard"], 0, "no client handed the squatter its HELLO");
  await squatter.done;
});

test("MACHIPC_SOCKET in a directory others can write is refused by the clients; a server refuses such a directory too", async () => {
  const open = testDir(0o777);
  chownSync(open, ALICE.uid, ALICE.gid);
  const sock = join(open, "machipc.sock");
  await assert.rejects(serve(["--socket", sock], { who: ALICE }), /refusing to serve on .*: .* has mode 0777 \(it must not be open to group or others: 0700\)/);
  const node = client(ALICE, sock, `let e = ""; try { await MachClient.connect({ socketPath }); } catch (x) { e = x.message; } say({ e });`);
  assert.match(String((await node.line("e"))["e"]), /has mode 0777: others could replace the socket/);
  const c = await command(ALICE, join(ROOT, "native/build/examples/hostinfo"), [], { MACHIPC_SOCKET: sock }).done;
  assert.match(c.stderr, /writable by others, who could replace the socket/);
});

test("the system server (root, umask 000): socket 0666 in a root-owned 0755 directory; every user is served as who the kernel says", async () => {
  const dir = testDir(0o755);
  const server = await serve(["--system", "--socket", join(dir, "machipc.sock")], { umask: 0 });
  try {
    assert.equal(mode(server.socketPath), 0o666);
    for (const who of [ALICE, BOB]) {
      const c = client(who, server.socketPath, `const c = await MachClient.connect({ socketPath }); const s = await c.mainThread.call("task_info", await c.mainThread.taskSelfTrap(), { flavor: 13 }); say({ sec: s.task_info_out }); c.close();`);
      assert.deepEqual((await c.line("sec"))["sec"], [who.uid, who.gid]);
    }
    // A user cannot start the system server, nor one in a directory it does not own.
    await assert.rejects(serve(["--system", "--socket", join(testDir(0o755), "m.sock")], { who: ALICE }), /a system-wide server \(--system\) must run as root/);
    mkdirSync(join(dir, "sub"), { mode: 0o755 });
    await assert.rejects(serve(["--socket", join(dir, "sub", "m.sock")], { who: ALICE }), /owned by uid 0, not 501/);
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});
