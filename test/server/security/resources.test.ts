/**
 * What a client can make the server hold, bounded: names (XNU's table sizes,
 * KERN_NO_SPACE, no table for a huge name), OOL mirrors freed after every
 * send, frames before HELLO, receive buffers sized by what arrives, memory per
 * client (MACH_SEND_NO_BUFFER), tasks and threads; well-behaved clients lose
 * nothing. Each against a real server process, as uid 501 and 502.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ALICE, BOB, client, serve, serverHeld, serverViolations, testDir, until } from "./processes.js";
import { KERN_NO_SPACE, KERN_SUCCESS, MACH_MSG_SUCCESS, MACH_SEND_INVALID_DEST, MACH_SEND_NO_BUFFER } from "../../../src/index.js";

assert.equal(process.getuid?.(), 0, "the security tests switch uids: they run as root (as npm test does here and in CI)");

const MiB = 1024 * 1024;
const system = (...args: string[]) => serve(["--system", "--socket", join(testDir(), "machipc.sock"), ...args]);

test("names: 0xfffffe03 is KERN_NO_SPACE, the largest valid name costs one entry, 20 tasks doing both leave the server's memory and other clients alone", async () => {
  const server = await system();
  try {
    const before = server.rss();
    const attacker = client(
      ALICE,
      server.socketPath,
      `
      const out = [];
      for (let i = 0; i < 20; i++) {
        const c = await MachClient.connect({ socketPath, name: "names" + i });
        const t = c.mainThread;
        const self = await t.taskSelfTrap();
        const p = (await t.call("mach_port_allocate", self, { right: 1 })).name;
        const huge = await t.call("mach_port_insert_right", self, { name: 0xfffffe03, poly: { name: p, disposition: 20 } });
        const top = await t.call("mach_port_allocate_name", self, { right: 1, name: (32768 << 8) | 3 });
        const past = await t.call("mach_port_allocate_name", self, { right: 1, name: (32769 << 8) | 3 });
        const type = await t.call("mach_port_type", self, { name: (32768 << 8) | 3 });
        const next = await t.call("mach_port_allocate", self, { right: 1 });
        out.push([huge.kr, top.kr, past.kr, type.ptype, next.kr]);
      }
      say({ out });
      await new Promise((r) => process.stdin.once("data", r));
      `,
    );
    const out = (await attacker.line("out"))["out"] as number[][];
    for (const [huge, top, past, type, next] of out) {
      assert.equal(huge, KERN_NO_SPACE, "an index past the table's largest size");
      assert.equal(top, KERN_SUCCESS, "the largest index the server's --max-names allows");
      assert.equal(past, KERN_NO_SPACE, "one past it");
      assert.equal(type, 0x20000, "MACH_PORT_TYPE_RECEIVE at the high name");
      assert.equal(next, KERN_SUCCESS);
    }
    const grown = server.rss() - before;
    assert.ok(grown < 128 * MiB, `the server grew by ${(grown / MiB).toFixed(0)} MiB (a 16M-entry table each would be gigabytes)`);
    const bob = client(BOB, server.socketPath, `const c = await MachClient.connect({ socketPath }); const t = c.mainThread; say({ kr: (await t.call("mach_port_allocate", await t.taskSelfTrap(), { right: 1 })).kr }); c.close();`);
    assert.equal((await bob.line("kr"))["kr"], KERN_SUCCESS);
    attacker.child.stdin!.write("x");
    await attacker.done;
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("OOL regions sent with deallocate=0 leave the server's copy of the task's memory when the send completes, and when it fails", async () => {
  const server = await system();
  try {
    const c = client(
      ALICE,
      server.socketPath,
      `
      const c = await MachClient.connect({ socketPath, name: "ool" });
      const t = c.mainThread;
      const self = await t.taskSelfTrap();
      // task_info reports the whole Node process; what the server holds of its memory is the task list's.
      const vsize = async () => (await c.tasks()).find((x) => x.pid === process.pid).heldBytes;
      const p = await newPort(t, self);
      const data = new Uint8Array(256 * 1024).map((_, i) => i * 7);
      const addr = c.memory.allocate(data);
      const start = await vsize();
      let ok = 0, same = 0;
      const buf = new Uint8Array(512);
      for (let i = 0; i < 300; i++) {
        if ((await t.machMsg(oolMessage(p, addr, data.length), 1, 44, 0, 0)) !== 0) continue;
        if ((await t.machMsg(buf, 2, 0, buf.length, p)) !== 0) continue;
        ok++;
        const d = M.OOL_DESCRIPTOR.read(new DataView(buf.buffer), 28);
        const got = c.memory.read(d.address, d.size);
        if (got && got.length === data.length && got[1000] === data[1000]) same++;
        c.memory.deallocate(d.address, d.size);
      }
      const failed = await t.machMsg(oolMessage(0x12345603, addr, data.length), 1, 44, 0, 0);
      say({ start, end: await vsize(), ok, same, failed });
      c.close();
      `,
    );
    const r = await c.line("ok", 60000);
    assert.equal(r["ok"], 300);
    assert.equal(r["same"], 300, "every region arrives intact");
    assert.equal(r["failed"], MACH_SEND_INVALID_DEST);
    assert.equal(r["end"], r["start"], "nothing of the 300 x 256 KiB stays mapped in the task");
    await c.done;
    await until(async () => (await serverHeld(server.socketPath)) === 0, "every byte the client held to be released");
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("before HELLO: a frame claiming 64 MiB is refused at once, silence ends with the HELLO timeout, an oversized name is a protocol error; each logged", async () => {
  const server = await system("--hello-timeout", "1000");
  try {
    const c = client(
      BOB,
      server.socketPath,
      `
      const big = await raw();
      const head = new Uint8Array(16); new DataView(head.buffer).setUint32(0, 64 * 1024 * 1024, true); new DataView(head.buffer).setUint32(4, P.OP_HELLO, true);
      big.sock.write(head);
      const bigClosed = await big.closedSoon(3000);
      const quiet = await raw();
      const t0 = Date.now();
      const quietClosed = await quiet.closedSoon(8000);
      const waited = Date.now() - t0;
      const name = await raw();
      name.send(P.OP_HELLO, [P.struct(P.HELLO, { uid: 0, gid: 0, pid: 0, nameLength: 300 }), new Uint8Array(200)]);
      say({ bigClosed, quietClosed, waited, nameClosed: await name.closedSoon(3000) });
      `,
    );
    const r = await c.line("bigClosed", 30000);
    assert.equal(r["bigClosed"], true);
    assert.equal(r["quietClosed"], true);
    assert.ok((r["waited"] as number) >= 800, `closed after ${r["waited"]} ms`);
    assert.equal(r["nameClosed"], true);
    await until(() => /no HELLO or JOIN within 1000 ms/.test(server.err()), "the timeout to be logged");
    assert.match(server.err(), /protocol error: bad frame length 67108864 \(16 to \d+\)/);
    assert.match(server.err(), /protocol error: HELLO: a name of 300 bytes \(at most 255\)/);
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("16 receives blocked with rcv_size 64 MiB reserve nothing up front; the messages that come are received whole", async () => {
  const server = await system();
  try {
    const c = client(
      ALICE,
      server.socketPath,
      `
      const c = await MachClient.connect({ socketPath, name: "receivers" });
      const t0 = c.mainThread;
      const self = await t0.taskSelfTrap();
      const p = await newPort(t0, self);
      const threads = await Promise.all(Array.from({ length: 16 }, () => c.createThread()));
      const bufs = threads.map(() => new Uint8Array(200 * 1024));
      const waits = threads.map((t, i) => t.machMsg(bufs[i], 2, 0, 64 * 1024 * 1024, p));
      say({ blocked: true });
      await new Promise((r) => process.stdin.once("data", r));
      const body = new Uint8Array(100 * 1024).map((_, i) => i % 251);
      for (let i = 0; i < 16; i++) {
        const m = inlineMessage(p, i === 0 ? body : new Uint8Array(8), 100 + i);
        if ((await t0.machMsg(m, 1, m.length, 0, 0)) !== 0) throw new Error("send");
      }
      const results = await Promise.all(waits);
      const big = bufs.find((b) => new DataView(b.buffer).getInt32(20, true) === 100);
      const intact = !!big && big.subarray(24, 24 + body.length).every((x, i) => x === body[i]);
      say({ results, intact });
      c.close();
      `,
    );
    await c.line("blocked");
    // The blocked receives hold a small look-ahead buffer each, nothing near 16 x 64 MiB.
    await until(async () => (await serverHeld(server.socketPath)) > 0, "the receives to block");
    const held = await serverHeld(server.socketPath);
    assert.ok(held <= 16 * 16384, `the server holds ${held} bytes for 16 receives of 64 MiB`);
    assert.ok(server.rss() < 512 * MiB, `server RSS ${(server.rss() / MiB).toFixed(0)} MiB`);
    c.child.stdin!.write("x");
    const r = await c.line("results");
    assert.deepEqual(r["results"], new Array(16).fill(MACH_MSG_SUCCESS));
    assert.equal(r["intact"], true, "the 100 KiB message arrives whole");
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("per-client memory: queued messages past --client-memory get MACH_SEND_NO_BUFFER and lose nothing; kernel calls and other clients go on; receiving makes room", async () => {
  const server = await system("--client-memory", String(8 * MiB));
  try {
    const c = client(
      ALICE,
      server.socketPath,
      `
      const c = await MachClient.connect({ socketPath, name: "hoarder" });
      const t = c.mainThread;
      const self = await t.taskSelfTrap();
      const ports = [];
      for (let i = 0; i < 20; i++) ports.push(await newPort(t, self));
      const data = new Uint8Array(1 << 20).fill(9);
      const addr = c.memory.allocate(data);
      const results = [];
      for (const p of ports) results.push(await t.machMsg(oolMessage(p, addr, data.length), 1, 44, 0, 0));
      const rpc = (await t.call("mach_port_allocate", self, { right: 1 })).kr;
      say({ results, rpc });
      await new Promise((r) => process.stdin.once("data", r));
      let received = 0;
      const buf = new Uint8Array(256);
      for (let i = 0; i < ports.length; i++) {
        if (results[i] !== 0) continue;
        const mr = await t.machMsg(buf, 2, 0, 256, ports[i]);
        const d = M.OOL_DESCRIPTOR.read(new DataView(buf.buffer), 28);
        if (mr === 0 && c.memory.read(d.address, d.size)?.[5] === 9) received++;
        c.memory.deallocate(d.address, d.size);
      }
      const again = await t.machMsg(oolMessage(ports[0], addr, data.length), 1, 44, 0, 0);
      say({ received, again });
      c.close();
      `,
    );
    const r = await c.line("results", 60000);
    const results = r["results"] as number[];
    const sent = results.filter((x) => x === MACH_MSG_SUCCESS).length;
    assert.ok(sent >= 4 && sent < 10, `${sent} messages of 1 MiB queued under an 8 MiB limit`);
    assert.ok(results.slice(sent).every((x) => x === MACH_SEND_NO_BUFFER), `then MACH_SEND_NO_BUFFER: ${results.map((x) => x.toString(16))}`);
    assert.equal(r["rpc"], KERN_SUCCESS, "a kernel call queues nothing and is served");
    assert.match(server.err(), /MACH_SEND_NO_BUFFER: holds \d+ bytes \(limit 8388608\)/);
    const bob = client(BOB, server.socketPath, `const c = await MachClient.connect({ socketPath }); const t = c.mainThread; const self = await t.taskSelfTrap(); const p = await newPort(t, self); const d = new Uint8Array(1 << 20); say({ mr: await t.machMsg(oolMessage(p, c.memory.allocate(d), d.length), 1, 44, 0, 0) }); c.close();`);
    assert.equal((await bob.line("mr"))["mr"], MACH_MSG_SUCCESS, "another client is not held to Alice's limit");
    c.child.stdin!.write("x");
    const after = await c.line("received");
    assert.equal(after["received"], sent, "every accepted message is received whole");
    assert.equal(after["again"], MACH_MSG_SUCCESS, "and there is room again");
    await c.done;
    await until(async () => (await serverHeld(server.socketPath)) === 0, "every byte the clients held to be released");
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("--max-tasks and --max-threads: past them HELLO gets KERN_RESOURCE_SHORTAGE and THREAD no thread; a task that leaves makes room", async () => {
  const server = await system("--max-tasks", "2", "--max-threads", "3");
  try {
    const c = client(
      BOB,
      server.socketPath,
      `
      const a = await MachClient.connect({ socketPath, name: "a" });
      const b = await MachClient.connect({ socketPath, name: "b" });
      let third = "";
      try { await MachClient.connect({ socketPath, name: "c" }); } catch (e) { third = e.message; }
      await a.createThread(); await a.createThread();
      let thread = "";
      try { await a.createThread(); } catch (e) { thread = e.message; }
      b.close();
      let fourth = "";
      for (let i = 0; i < 100 && !fourth; i++) { try { const d = await MachClient.connect({ socketPath, name: "d" }); fourth = "ok"; d.close(); } catch { await new Promise((r) => setTimeout(r, 20)); } }
      say({ third, thread, fourth, works: (await a.mainThread.taskSelfTrap()) !== 0 });
      a.close();
      `,
    );
    const r = await c.line("third", 30000);
    assert.match(String(r["third"]), /the server refused this process \(kern_return 6\)/);
    assert.match(String(r["thread"]), /refused a new thread/);
    assert.equal(r["fourth"], "ok");
    assert.equal(r["works"], true);
    assert.match(server.err(), /refused: the server's task limit \(2\) is reached/);
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});

test("per user: --max-tasks-per-user and --user-memory hold one uid's clients together, and the other uid is served as before", async () => {
  const server = await system("--max-tasks-per-user", "2", "--user-memory", String(4 * MiB), "--client-memory", String(64 * MiB));
  try {
    const alice = client(
      ALICE,
      server.socketPath,
      `
      const clients = [await MachClient.connect({ socketPath, name: "a1" }), await MachClient.connect({ socketPath, name: "a2" })];
      let third = "";
      try { await MachClient.connect({ socketPath, name: "a3" }); } catch (e) { third = e.message; }
      const results = [];
      for (const c of clients) {
        const t = c.mainThread;
        const self = await t.taskSelfTrap();
        const data = new Uint8Array(1 << 20);
        const addr = c.memory.allocate(data);
        for (let i = 0; i < 4; i++) results.push(await t.machMsg(oolMessage(await newPort(t, self), addr, data.length), 1, 44, 0, 0));
      }
      say({ third, results });
      await new Promise((r) => process.stdin.once("data", r));
      `,
    );
    const r = await alice.line("third", 60000);
    assert.match(String(r["third"]), /kern_return 6/);
    const results = r["results"] as number[];
    const sent = results.filter((x) => x === MACH_MSG_SUCCESS).length;
    assert.ok(sent >= 3 && sent < 7, `uid 501 queued ${sent} MiB under a 4 MiB user limit (each client far under its own)`);
    assert.ok(results.includes(MACH_SEND_NO_BUFFER));
    assert.match(server.err(), /refused: uid 501 has its 2 tasks \(maxTasksPerUser\)/);
    const bob = client(BOB, server.socketPath, `const c = await MachClient.connect({ socketPath }); const t = c.mainThread; const self = await t.taskSelfTrap(); const d = new Uint8Array(1 << 20); say({ mr: await t.machMsg(oolMessage(await newPort(t, self), c.memory.allocate(d), d.length), 1, 44, 0, 0) }); c.close();`);
    assert.equal((await bob.line("mr"))["mr"], MACH_MSG_SUCCESS, "uid 502 has its own room and its own task slots");
    alice.child.stdin!.write("x");
    await alice.done;
    await until(async () => (await serverHeld(server.socketPath)) === 0, "every byte to be released");
    assert.deepEqual(await serverViolations(server.socketPath), []);
  } finally {
    await server.stop();
  }
});
