/**
 * Every disposition, in the header (remote and local, and both naming one
 * entry) and in port / OOL-ports descriptors: what the sender is left with,
 * and what the receiver sees (ipc_right_copyin, ipc_right_copyin_two,
 * ipc_kmsg_copyout_header).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  KERN_INVALID_NAME,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_DEAD,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_REPLY,
  OOL_PORTS_DESCRIPTOR,
  msghBits,
} from "../../src/index.js";

const COMPLEX = 0x80000000;
const complexBits = (remote: number, local = 0) => (msghBits(remote, local) | COMPLEX) >>> 0;
const modRefs = (a: Actor, name: number, right: number, delta: number) => a.thread.call(3208, a.self, { name, right, delta });

test("remote dispositions: MOVE_SEND, COPY_SEND, MAKE_SEND arrive as PORT_SEND (17), MOVE/MAKE_SEND_ONCE as PORT_SEND_ONCE (18)", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const s = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  await modRefs(client, s, MACH_PORT_RIGHT_SEND, 1);
  const so = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, client);

  const cases: [Actor, number, number, number][] = [
    [client, s, MACH_MSG_TYPE_COPY_SEND, 17],
    [client, s, MACH_MSG_TYPE_MOVE_SEND, 17],
    [client, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 18],
    [server, port, MACH_MSG_TYPE_MAKE_SEND, 17],
    [server, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, 18],
  ];
  for (const [who, name, disp, carried] of cases) {
    assert.equal(send(who, simpleMsg(name, msghBits(disp, 0), 24, disp), 24), 0, `send with ${disp}`);
    const { mr, m } = recv(server, port);
    assert.equal(mr, 0);
    assert.equal(m.get(0), msghBits(0, carried), `bits seen for ${disp}`);
    assert.equal(m.get(8), 0, "no reply port");
    assert.equal(m.get(12), port, "the receiver's own name for the port");
    assert.equal(m.geti(20), disp);
  }
  // COPY_SEND kept both references, MOVE_SEND took one, MOVE_SEND_ONCE took the right.
  assert.equal(await getRefs(client, s, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await portType(client, so)).kr, KERN_INVALID_NAME);
  const st = await status(server, port);
  assert.equal(st[2], 2, "mscount: the transfer and the MAKE_SEND");
  assert.equal(st[5], 0, "no send-once rights left: the ones used as destinations were consumed");
  assert.equal(st[1], 5, "five messages dequeued");
  assertInvariant(kernel);
});

test("local (reply) dispositions: each arrives as its carried type and the reply right works", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const dest = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const mine = await allocate(client);
  // The client holds its own receive right with a send right under the same name (2 refs).
  transfer(client, mine, MACH_MSG_TYPE_MAKE_SEND, client);
  await modRefs(client, mine, MACH_PORT_RIGHT_SEND, 1);
  const soName = transfer(client, mine, MACH_MSG_TYPE_MAKE_SEND_ONCE, client);

  const cases: [number, number, number][] = [
    [mine, MACH_MSG_TYPE_MAKE_SEND, 17],
    [mine, MACH_MSG_TYPE_COPY_SEND, 17],
    [mine, MACH_MSG_TYPE_MOVE_SEND, 17],
    [mine, MACH_MSG_TYPE_MAKE_SEND_ONCE, 18],
    [soName, MACH_MSG_TYPE_MOVE_SEND_ONCE, 18],
  ];
  let sendName = 0;
  for (const [reply, disp, carried] of cases) {
    assert.equal(send(client, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, disp), 24, disp, reply), 24), 0);
    const { m } = recv(server, port);
    assert.equal(m.get(0), msghBits(carried, 17), `bits for reply ${disp}`);
    const r = m.get(8);
    const t = (await portType(server, r)).type;
    if (carried === 17) {
      assert.equal(t, MACH_PORT_TYPE_SEND);
      // Send rights for one port coalesce under one name in the receiver.
      if (sendName) assert.equal(r, sendName);
      sendName = r;
    } else {
      assert.equal(t, MACH_PORT_TYPE_SEND_ONCE);
      // Answer on the send-once right: it is used up.
      assert.equal(send(server, simpleMsg(r, msghBits(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), 24, 77), 24), 0);
      assert.equal((await portType(server, r)).kr, KERN_INVALID_NAME);
      const back = recv(client, mine).m;
      assert.equal(back.get(0), msghBits(0, 18));
      assert.equal(back.geti(20), 77);
    }
  }
  assert.equal(await getRefs(server, sendName, MACH_PORT_RIGHT_SEND), 3);
  // MOVE_SEND took one of the client's two references; COPY_SEND none; MAKE_SEND made a new right.
  assert.equal(await getRefs(client, mine, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await portType(client, soName)).kr, KERN_INVALID_NAME);
  assert.equal((await status(client, mine))[2], 2, "mscount: the client's own MAKE_SEND and the reply's");
  assertInvariant(kernel);
});

test("destination and reply naming one entry are copied in together (ipc_right_copyin_two)", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const one = () => transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const both = (name: number, dest: number, reply: number) => send(client, simpleMsg(name, msghBits(dest, reply), 24, 1, name), 24);

  // On one's own receive right: MAKE_SEND + MAKE_SEND_ONCE. The receiver gets a send-once right to its own port.
  assert.equal(send(server, simpleMsg(port, msghBits(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, 2, port), 24), 0);
  let m = recv(server, port).m;
  assert.equal(m.get(0), msghBits(18, 17));
  assert.equal(m.get(12), port);
  assert.equal((await portType(server, m.get(8))).type, MACH_PORT_TYPE_SEND_ONCE);
  await server.thread.call(3206, server.self, { name: m.get(8) });
  assert.equal(recv(server, port).m.geti(20), MACH_NOTIFY_SEND_ONCE);

  // COPY_SEND + MOVE_SEND with a single reference: the move is done once and the right copied.
  let s = one();
  assert.equal(both(s, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND), 0);
  assert.equal((await portType(client, s)).kr, KERN_INVALID_NAME);
  m = recv(server, port).m;
  assert.equal(m.get(0), msghBits(17, 17));
  assert.equal(m.get(8), port, "a send right to one's own port joins the receive right's name");
  assert.equal((await portType(server, port)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  await server.thread.call(3208, server.self, { name: port, right: MACH_PORT_RIGHT_SEND, delta: -1 });

  // MOVE_SEND + COPY_SEND with a single reference: the same.
  s = one();
  assert.equal(both(s, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_COPY_SEND), 0);
  assert.equal((await portType(client, s)).kr, KERN_INVALID_NAME);
  recv(server, port);
  await server.thread.call(3208, server.self, { name: port, right: MACH_PORT_RIGHT_SEND, delta: -1 });

  // MOVE_SEND + MOVE_SEND needs two references: with one, INVALID_DEST and nothing is taken.
  s = one();
  assert.equal(both(s, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND), MACH_SEND_INVALID_DEST);
  assert.equal(await getRefs(client, s, MACH_PORT_RIGHT_SEND), 1);
  await modRefs(client, s, MACH_PORT_RIGHT_SEND, 1);
  assert.equal(both(s, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND), 0);
  assert.equal((await portType(client, s)).kr, KERN_INVALID_NAME);
  recv(server, port);
  assert.equal(await getRefs(server, port, MACH_PORT_RIGHT_SEND), 1, "the reply's send right; the destination's was used up");
  // Even beside a receive right, two moved sends need two references.
  assert.equal(send(server, simpleMsg(port, msghBits(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND), 24, 1, port), 24), MACH_SEND_INVALID_DEST);
  assert.equal(await getRefs(server, port, MACH_PORT_RIGHT_SEND), 1);
  await server.thread.call(3208, server.self, { name: port, right: MACH_PORT_RIGHT_SEND, delta: -1 });

  // A send-once move in either place: the reply is checked first (INVALID_REPLY), then the pair refused (INVALID_DEST).
  s = one();
  assert.equal(both(s, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_SEND_INVALID_REPLY);
  assert.equal(both(s, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_COPY_SEND), MACH_SEND_INVALID_DEST);
  assert.equal(await getRefs(client, s, MACH_PORT_RIGHT_SEND), 1);
  const so = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, client);
  assert.equal(both(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_SEND_INVALID_DEST);
  assert.equal((await portType(client, so)).type, MACH_PORT_TYPE_SEND_ONCE, "the send-once right is still there");
  // A disposition needing the receive right, on a send right: the reply check fails first.
  assert.equal(both(s, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), MACH_SEND_INVALID_REPLY);
  assert.equal(both(s, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_COPY_SEND), MACH_SEND_INVALID_DEST);
  assert.equal(await getRefs(client, s, MACH_PORT_RIGHT_SEND), 1);
  assertInvariant(kernel);
});

test("port descriptors: each disposition, what the sender keeps and what the receiver is given", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const dest = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const third = actor(kernel);
  const tp = await allocate(third);
  const ts = transfer(third, tp, MACH_MSG_TYPE_MAKE_SEND, client);
  await modRefs(client, ts, MACH_PORT_RIGHT_SEND, 2);
  const tso = transfer(third, tp, MACH_MSG_TYPE_MAKE_SEND_ONCE, client);
  const own = await allocate(client);

  const cases: [number, number, number, number][] = [
    // name, disposition, carried type, type the receiver holds
    [ts, MACH_MSG_TYPE_COPY_SEND, 17, MACH_PORT_TYPE_SEND],
    [ts, MACH_MSG_TYPE_MOVE_SEND, 17, MACH_PORT_TYPE_SEND],
    [tso, MACH_MSG_TYPE_MOVE_SEND_ONCE, 18, MACH_PORT_TYPE_SEND_ONCE],
    [own, MACH_MSG_TYPE_MAKE_SEND, 17, MACH_PORT_TYPE_SEND],
    [own, MACH_MSG_TYPE_MAKE_SEND_ONCE, 18, MACH_PORT_TYPE_SEND_ONCE],
    [own, MACH_MSG_TYPE_MOVE_RECEIVE, 16, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND],
  ];
  const got: number[] = [];
  for (const [name, disp, carried, held] of cases) {
    const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
    m.u32(24, 1).portDesc(28, name, disp);
    assert.equal(send(client, m, 40), 0, `descriptor ${disp}`);
    const r = recv(server, port).m;
    assert.equal(r.get(0), (msghBits(0, 17) | COMPLEX) >>> 0);
    assert.equal(r.get(24), 1);
    assert.equal(r.buf[38], carried, `carried type for ${disp}`);
    assert.equal(r.buf[39], 0, "port descriptor type");
    assert.equal((await portType(server, r.get(28))).type, held, `held after ${disp}`);
    got.push(r.get(28));
  }
  // The send rights to `tp` coalesced; the MAKE_SEND right to `own` joined the receive right that came after it.
  assert.equal(got[0], got[1]);
  assert.equal(await getRefs(server, got[0]!, MACH_PORT_RIGHT_SEND), 2);
  assert.equal(got[3], got[5]);
  assert.equal(await getRefs(client, ts, MACH_PORT_RIGHT_SEND), 2, "three references, one moved");
  assert.equal((await portType(client, tso)).kr, KERN_INVALID_NAME);
  assert.equal((await portType(client, own)).kr, KERN_INVALID_NAME, "the receive right left");
  assert.equal((await status(third, tp))[5], 1, "one send-once right, now the server's");
  assertInvariant(kernel);
});

test("MOVE_RECEIVE: the name stays as a send right, mscount/seqno/context reset, set membership dropped, and coming home merges names", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const bport = await allocate(b);
  const toB = transfer(b, bport, MACH_MSG_TYPE_MAKE_SEND, a);
  const p = await allocate(a);
  const set = await allocate(a, MACH_PORT_RIGHT_PORT_SET);
  assert.equal((await a.thread.call(3226, a.self, { name: p, pset: set })).kr, KERN_SUCCESS);
  await a.thread.call(3229, a.self, { name: p, context: 99n });
  transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  // Two messages through the port, one left queued: it travels with the receive right.
  for (const id of [1, 2]) assert.equal(send(a, simpleMsg(p, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, id), 24), 0);
  assert.equal(recv(a, p).m.geti(20), 1);
  let st = await status(a, p);
  assert.deepEqual([st[0], st[1], st[2]], [1, 1, 1], "in one set, seqno 1, mscount 1");

  const m = simpleMsg(toB, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, p, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(a, m, 40), 0);
  assert.equal((await portType(a, p)).type, MACH_PORT_TYPE_SEND, "the name keeps its send right");
  const members = await a.thread.call(3211, a.self, { name: set });
  assert.equal((members["members"] as Uint8Array).length, 0, "no longer a member of the sender's set");

  const r = recv(b, bport).m;
  const inB = r.get(28);
  assert.equal((await portType(b, inB)).type, MACH_PORT_TYPE_RECEIVE);
  st = await status(b, inB);
  assert.deepEqual([st[0], st[1], st[2], st[4]], [0, 0, 0, 1], "no set, seqno 0, mscount 0, the queued message came along");
  assert.equal((await b.thread.call(3228, b.self, { name: inB }))["context"], 0n);
  const q = recv(b, inB, 256, 0x01000000);
  assert.equal(q.m.geti(20), 2);
  assert.equal(q.m.get(32), 0, "trailer seqno restarts at 0");

  // b sends the receive right back: a already names the port (its send right), so the names merge.
  const mailbox = await allocate(a);
  const toA = transfer(a, mailbox, MACH_MSG_TYPE_MAKE_SEND, b);
  const back = simpleMsg(toA, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  back.u32(24, 1).portDesc(28, inB, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(b, back, 40), 0);
  const home = recv(a, mailbox).m;
  assert.equal(home.get(28), p, "the receive right joins the send right's name");
  assert.equal((await portType(a, p)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assert.equal(await getRefs(a, p, MACH_PORT_RIGHT_SEND), 1);
  assertInvariant(kernel);
});

test("OOL ports: every disposition, null and dead names in the array, and the receiver's copy", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const dest = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const victim = actor(kernel);
  const vp = await allocate(victim);
  const dead = transfer(victim, vp, MACH_MSG_TYPE_MAKE_SEND, client);
  victim.task.terminate();
  const r1 = await allocate(client);
  const r2 = await allocate(client);

  const put = (names: number[]) => {
    const arr = new Uint8Array(names.length * 4);
    const v = new DataView(arr.buffer);
    names.forEach((n, i) => v.setUint32(i * 4, n, true));
    return client.task.vm.allocate(arr);
  };
  const sendOol = (names: number[], disp: number) => {
    const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 44);
    m.u32(24, 1);
    OOL_PORTS_DESCRIPTOR.write(m.view, 28, { address: put(names), deallocate: 0, copy: 0, disposition: disp, type: 2, count: names.length });
    return send(client, m, 44);
  };
  const receive = () => {
    const r = recv(server, port).m;
    const d = OOL_PORTS_DESCRIPTOR.read(r.view, 28);
    const bytes = d.count === 0 ? new Uint8Array(0) : server.task.vm.read(d.address, d.count * 4)!;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { d, names: Array.from({ length: d.count }, (_, i) => v.getUint32(i * 4, true)) };
  };

  // MAKE_SEND of two receive rights, a null and a dead name (dead names are allowed in bodies).
  assert.equal(sendOol([r1, 0, r2], MACH_MSG_TYPE_MAKE_SEND), 0);
  let got = receive();
  assert.equal(got.d.disposition, 17);
  assert.equal(got.d.copy, 1);
  assert.equal(got.d.deallocate, 1);
  assert.equal(got.names[1], 0);
  for (const n of [got.names[0]!, got.names[2]!]) assert.equal((await portType(server, n)).type, MACH_PORT_TYPE_SEND);
  assert.equal(sendOol([dead], MACH_MSG_TYPE_COPY_SEND), 0);
  assert.deepEqual(receive().names, [MACH_PORT_DEAD]);
  assert.equal((await portType(client, dead)).type, MACH_PORT_TYPE_DEAD_NAME, "COPY_SEND of a dead name leaves it");
  // MAKE_SEND_ONCE twice for one port: two separate send-once names.
  assert.equal(sendOol([r1, r1], MACH_MSG_TYPE_MAKE_SEND_ONCE), 0);
  got = receive();
  assert.equal(got.d.disposition, 18);
  assert.notEqual(got.names[0], got.names[1]);
  // MOVE_RECEIVE of both receive rights.
  assert.equal(sendOol([r1, r2], MACH_MSG_TYPE_MOVE_RECEIVE), 0);
  got = receive();
  assert.equal(got.d.disposition, 16);
  for (const n of got.names) assert.equal((await portType(server, n)).type & MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_RECEIVE);
  assert.equal((await portType(client, r1)).kr, KERN_INVALID_NAME);
  // An empty array: no memory, address 0.
  assert.equal(sendOol([], MACH_MSG_TYPE_COPY_SEND), 0);
  got = receive();
  assert.equal(got.d.count, 0);
  assert.equal(got.d.address, 0n);
  assertInvariant(kernel);
});
