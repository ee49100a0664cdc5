/**
 * mach_port (3200) answers pinned to xnu-3248's own functions, as raw MIG
 * requests with the whole reply checked: names, allocation, peek, status,
 * request tables, send-possible types, vouchers, bodies and queue limits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, Msg, replyHead, replyWords, rpc, simpleRpc, transfer, type Actor } from "../helpers/kernel.js";
import {
  IKOT_HOST_NOTIFY,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_TASK,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_NO_SPACE,
  KERN_RESOURCE_SHORTAGE,
  KERN_RIGHT_EXISTS,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSGH_BITS_COMPLEX,
  MACH_PORT_DNREQUESTS_SIZE,
  MACH_PORT_IMPORTANCE_RECEIVER,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TEMPOWNER,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SPREQUEST,
  MACH_PORT_TYPE_SPREQUEST_DELAYED,
  MACH_RCV_VOUCHER,
  MACH_SEND_NO_BUFFER,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_SEND_POSSIBLE,
  msghBits,
} from "../../src/index.js";
import { allocate, recv, send, simpleMsg } from "./lib.js";

const NOTIFY_SO = MACH_MSG_TYPE_MAKE_SEND_ONCE;

async function sendRight(a: Actor, name: number): Promise<void> {
  const r = await a.thread.call("mach_port_insert_right", a.self, { name, poly: { name, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal(r.kr, KERN_SUCCESS);
}

/** mach_port_insert_right: 52 bytes, one port descriptor, NDR, the name. */
function insertRight(a: Actor, name: number, port: number, disposition: number): Msg {
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 52, remote: a.self, local: a.reply, id: 3214 }).u32(24, 1).portDesc(28, port, disposition).ndr(40).u32(48, name);
  assert.equal(rpc(a.thread, m, 52, a.reply), 0);
  return m;
}

const errorReply = (a: Actor, id: number, kr: number) => [...replyHead(a, 36, id), kr >>> 0, ...MIN_TRAILER];

test("ipc_entry_alloc_name: mach_port_insert_right at index 0 or under another generation is KERN_FAILURE, the right destroyed with the request", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  // Index 0 with a non-zero generation is a valid name, but slot 0 is reserved.
  assert.deepEqual(replyWords(insertRight(a, 0x03, p, MACH_MSG_TYPE_MAKE_SEND)), errorReply(a, 3314, KERN_FAILURE));
  // p's slot is in use under generation 0x03; the same index with 0x07 collides.
  const other = ((p & ~0xff) | ((p + 4) & 0xff)) >>> 0;
  assert.deepEqual(replyWords(insertRight(a, other, p, MACH_MSG_TYPE_MAKE_SEND)), errorReply(a, 3314, KERN_FAILURE));
  // Only a name that can be allocated reaches ipc_right_reverse: p's right under another name is KERN_RIGHT_EXISTS.
  assert.deepEqual(replyWords(insertRight(a, 0x7707, p, MACH_MSG_TYPE_MAKE_SEND)), errorReply(a, 3314, KERN_RIGHT_EXISTS));
  assert.deepEqual(replyWords(insertRight(a, p, p, MACH_MSG_TYPE_MAKE_SEND)), errorReply(a, 3314, KERN_SUCCESS));
  const srights = await a.thread.call("mach_port_get_srights", a.self, { name: p });
  assert.equal(srights["srights"], 1, "only the successful insert left a send right");
  assertInvariant(kernel);
});

test("mach_port_allocate_name: the name is checked before the space; index 0 and other generations KERN_FAILURE; a dead name ignores the name (ipc_object_alloc_dead)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const req = (target: number, right: number, name: number) => replyWords(simpleRpc(a, target, 3203, [right, name]));
  // A host port is no space, but an invalid name is reported first.
  assert.deepEqual(req(host, MACH_PORT_RIGHT_RECEIVE, 0), errorReply(a, 3303, KERN_INVALID_VALUE));
  assert.deepEqual(req(host, MACH_PORT_RIGHT_RECEIVE, 0x1203), errorReply(a, 3303, KERN_INVALID_TASK));
  assert.deepEqual(req(a.self, MACH_PORT_RIGHT_RECEIVE, 0x03), errorReply(a, 3303, KERN_FAILURE));
  assert.deepEqual(req(a.self, MACH_PORT_RIGHT_RECEIVE, 0x1203), errorReply(a, 3303, KERN_SUCCESS));
  assert.deepEqual(req(a.self, MACH_PORT_RIGHT_PORT_SET, 0x1203), errorReply(a, 3303, KERN_NAME_EXISTS));
  assert.deepEqual(req(a.self, MACH_PORT_RIGHT_PORT_SET, 0x1207), errorReply(a, 3303, KERN_FAILURE));
  assert.deepEqual(req(a.self, 9, 0x1303), errorReply(a, 3303, KERN_INVALID_VALUE));
  // MACH_PORT_RIGHT_DEAD_NAME allocates a fresh name and leaves the chosen one free.
  assert.deepEqual(req(a.self, MACH_PORT_RIGHT_DEAD_NAME, 0x1303), errorReply(a, 3303, KERN_SUCCESS));
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: 0x1303 })).kr, KERN_INVALID_NAME);
  const names = await a.thread.call("mach_port_names", a.self);
  const types = new DataView((names["types"] as Uint8Array).buffer.slice(0));
  const dead = Array.from({ length: types.byteLength / 4 }, (_, i) => types.getUint32(4 * i, true)).filter((t) => t === MACH_PORT_TYPE_DEAD_NAME);
  assert.equal(dead.length, 1);
  assertInvariant(kernel);
});

test("mach_port_allocate_qos refuses qos.name; mach_port_allocate_full honours qos.name and checks qos.prealloc", async () => {
  const kernel = boot();
  const a = actor(kernel);
  /** allocate_qos: 44 bytes, right then the 8-byte qos; reply RetCode, qos, name (48). */
  const qos = (right: number, q0: number, len: number) => replyWords(simpleRpc(a, a.self, 3219, [right, q0, len]));
  assert.deepEqual(qos(MACH_PORT_RIGHT_RECEIVE, 1, 0), errorReply(a, 3319, KERN_INVALID_ARGUMENT));
  const got = qos(MACH_PORT_RIGHT_RECEIVE, 0, 0);
  assert.deepEqual(got.slice(0, 11), [...replyHead(a, 48, 3319), KERN_SUCCESS, 0, 0]);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: got[11]! }))["ptype"], MACH_PORT_TYPE_RECEIVE);

  /** allocate_full: 64 bytes, the proto port descriptor, NDR, right, qos, name. */
  const full = (right: number, q0: number, len: number, name: number, proto = 0) => {
    const m = new Msg(256);
    m.header({ bits: 0x80001513, size: 64, remote: a.self, local: a.reply, id: 3220 }).u32(24, 1).portDesc(28, proto, MACH_MSG_TYPE_MAKE_SEND).ndr(40);
    m.u32(48, right).u32(52, q0).u32(56, len).u32(60, name);
    assert.equal(rpc(a.thread, m, 64, a.reply), 0);
    return replyWords(m);
  };
  assert.deepEqual(full(MACH_PORT_RIGHT_RECEIVE, 1, 0, 0x5503), [...replyHead(a, 48, 3320), KERN_SUCCESS, 1, 0, 0x5503, ...MIN_TRAILER]);
  assert.deepEqual(full(MACH_PORT_RIGHT_RECEIVE, 1, 0, 0), errorReply(a, 3320, KERN_INVALID_VALUE));
  assert.deepEqual(full(MACH_PORT_RIGHT_PORT_SET, 2, 64, 0), errorReply(a, 3320, KERN_INVALID_VALUE), "prealloc is for receive rights only");
  assert.deepEqual(full(MACH_PORT_RIGHT_RECEIVE, 2, 0xffffffff, 0), errorReply(a, 3320, KERN_RESOURCE_SHORTAGE));
  assert.deepEqual(full(MACH_PORT_RIGHT_RECEIVE, 0, 0, 0, 0x5503), errorReply(a, 3320, KERN_INVALID_VALUE), "a prototype port is refused");
  assertInvariant(kernel);
});

test("ipc_kmsg_get_from_kernel: a preallocated port takes one kernel message at a time; the next is dropped with MACH_SEND_NO_BUFFER", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const pre = (await a.thread.call("mach_port_allocate_full", a.self, { right: MACH_PORT_RIGHT_RECEIVE, proto: 0, qos: Uint8Array.of(2, 0, 0, 0, 64, 0, 0, 0), name: 0 }))["name"] as number;
  const q = [await allocate(a), await allocate(a), await allocate(a)];
  for (const port of q) {
    await sendRight(a, port);
    const r = await a.thread.call("mach_port_request_notification", a.self, { name: port, msgid: MACH_NOTIFY_DEAD_NAME, sync: 0, notify: { name: pre, disposition: NOTIFY_SO } });
    assert.equal(r.kr, KERN_SUCCESS);
  }
  // Two ports die: the first dead-name notification takes the buffer, the second finds it in use.
  await a.thread.call("mach_port_mod_refs", a.self, { name: q[0]!, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  await a.thread.call("mach_port_mod_refs", a.self, { name: q[1]!, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  const first = recv(a, pre);
  assert.equal(first.mr, 0);
  assert.deepEqual(replyWords(first.m), [0x1200, 36, 0, pre, 0, MACH_NOTIFY_DEAD_NAME, 0, 1, q[0]!, ...MIN_TRAILER]);
  assert.notEqual(recv(a, pre).mr, 0, "the second notification was dropped");
  // Received, the buffer is free again.
  await a.thread.call("mach_port_mod_refs", a.self, { name: q[2]!, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  assert.equal(recv(a, pre).m.get(32), q[2]);
  for (const port of q) await a.thread.call("mach_port_deallocate", a.self, { name: port });
  assertInvariant(kernel);
});

test("mach_port_peek (ipc_mqueue_peek): the kernel-form size, and the queued message's own trailer at the requested size", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 501, gid: 20 });
  const p = await allocate(a);
  await sendRight(a, p);
  assert.equal(send(a, simpleMsg(p, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 32, 4242), 32), 0);
  // name, trailer type MACH_RCV_TRAILER_AUDIT, seqno 0 (the head), a 68-byte capacity.
  const m = simpleRpc(a, a.self, 3209, [p, 3 << 24, 0, 68]);
  const audit = a.task.auditToken;
  const trailer = [0, 8, 0, 501, 20, ...Array.from(audit)];
  assert.deepEqual(replyWords(m), [...replyHead(a, 52 + 52, 3309), KERN_SUCCESS, 0, 40, 4242, 52, ...trailer, ...MIN_TRAILER]);
  // A trailer larger than the caller's capacity: KERN_INVALID_VALUE.
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3209, [p, 3 << 24, 0, 20])), errorReply(a, 3309, KERN_INVALID_VALUE));
  assertInvariant(kernel);
});

test("mach_port_get_status_helper: mps_pset says in a set or not; TEMPOWNER shows only with IMP_DONATION", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  for (let i = 0; i < 2; i++) {
    const set = await allocate(a, MACH_PORT_RIGHT_PORT_SET);
    assert.equal((await a.thread.call("mach_port_insert_member", a.self, { name: p, pset: set })).kr, KERN_SUCCESS);
  }
  const status = () => replyWords(simpleRpc(a, a.self, 3217, [p, MACH_PORT_RECEIVE_STATUS, 17]));
  const word = (flags: number) => [...replyHead(a, 80, 3317), KERN_SUCCESS, 10, 1, 0, 0, 5, 0, 0, 0, 0, 0, flags, ...MIN_TRAILER];
  assert.deepEqual(status(), word(0));
  assert.equal((await a.thread.call("mach_port_set_attributes", a.self, { name: p, flavor: MACH_PORT_IMPORTANCE_RECEIVER, port_info: [] })).kr, KERN_SUCCESS);
  assert.deepEqual(status(), word(0x08));
  assert.equal((await a.thread.call("mach_port_set_attributes", a.self, { name: p, flavor: MACH_PORT_TEMPOWNER, port_info: [] })).kr, KERN_SUCCESS);
  assert.deepEqual(status(), word(0x09));
  assertInvariant(kernel);
});

test("host_request_notification binds the port (IKOT_HOST_NOTIFY): a second registration is KERN_FAILURE, importance attributes KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const p = await allocate(a);
  /** host_request_notification: 52 bytes, the send-once port descriptor, NDR, notify_type. */
  const request = () => {
    const m = new Msg(256);
    m.header({ bits: 0x80001513, size: 52, remote: host, local: a.reply, id: 217 }).u32(24, 1).portDesc(28, p, NOTIFY_SO).ndr(40).u32(48, 0);
    assert.equal(rpc(a.thread, m, 52, a.reply), 0);
    return replyWords(m);
  };
  assert.deepEqual(request(), errorReply(a, 317, KERN_SUCCESS));
  assert.deepEqual(request(), errorReply(a, 317, KERN_FAILURE));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3225, [p])), [...replyHead(a, 44, 3325), KERN_SUCCESS, IKOT_HOST_NOTIFY, 0, ...MIN_TRAILER]);
  for (const flavor of [MACH_PORT_TEMPOWNER, MACH_PORT_IMPORTANCE_RECEIVER]) {
    assert.deepEqual(replyWords(simpleRpc(a, a.self, 3218, [p, flavor, 0])), errorReply(a, 3318, KERN_INVALID_ARGUMENT));
  }
  // Destroying the port drops the registration and its send-once right.
  await a.thread.call("mach_port_mod_refs", a.self, { name: p, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  assert.equal(kernel.hostNotify.heldSendOnce().length, 0);
  assertInvariant(kernel);
});

test("ipc_port_request_grow: DNREQUESTS_SIZE and mach_port_dnrequest_info report ipc_table_requests sizes", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  await sendRight(a, p);
  const size = () => replyWords(simpleRpc(a, a.self, 3217, [p, MACH_PORT_DNREQUESTS_SIZE, 17]));
  const sizeIs = (n: number) => [...replyHead(a, 44, 3317), KERN_SUCCESS, 1, n, ...MIN_TRAILER];
  const info = (name: number) => replyWords(simpleRpc(a, a.self, 3224, [name]));
  assert.deepEqual(size(), sizeIs(0));
  assert.deepEqual(info(p), [...replyHead(a, 44, 3324), KERN_SUCCESS, 0, 0, ...MIN_TRAILER]);
  // One request: a table of 2 (its header and one slot). A second name's request grows it to 4.
  const so = await allocate(a);
  const dn = async (name: number) =>
    (await a.thread.call("mach_port_request_notification", a.self, { name, msgid: MACH_NOTIFY_DEAD_NAME, sync: 0, notify: { name: so, disposition: NOTIFY_SO } })).kr;
  assert.equal(await dn(p), KERN_SUCCESS);
  assert.deepEqual(size(), sizeIs(2));
  const b = actor(kernel);
  const inB = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, b);
  const soB = await allocate(b);
  const r = await b.thread.call("mach_port_request_notification", b.self, { name: inB, msgid: MACH_NOTIFY_DEAD_NAME, sync: 0, notify: { name: soB, disposition: NOTIFY_SO } });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.deepEqual(size(), sizeIs(4));
  // Growing on request: 100 is rounded to the next size, 128; shrinking is a no-op.
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3218, [p, MACH_PORT_DNREQUESTS_SIZE, 1, 100])), errorReply(a, 3318, KERN_SUCCESS));
  assert.deepEqual(size(), sizeIs(128));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3218, [p, MACH_PORT_DNREQUESTS_SIZE, 1, 3])), errorReply(a, 3318, KERN_SUCCESS));
  assert.deepEqual(info(p), [...replyHead(a, 44, 3324), KERN_SUCCESS, 128, 2, ...MIN_TRAILER]);
  // Past the largest size (47616): KERN_NO_SPACE. A null name is simply not found.
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3218, [p, MACH_PORT_DNREQUESTS_SIZE, 1, 50000])), errorReply(a, 3318, KERN_NO_SPACE));
  assert.deepEqual(info(0), errorReply(a, 3324, KERN_INVALID_NAME));
  assertInvariant(kernel);
});

test("ipc_port_request_type: SPREQUEST and SPREQUEST_DELAYED in mach_port_type, mach_port_names and mach_port_space_info; a fired request keeps its slot", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  await sendRight(a, p);
  const so = await allocate(a);
  const spRequest = async (sync: number) => {
    const r = await a.thread.call("mach_port_request_notification", a.self, { name: p, msgid: MACH_NOTIFY_SEND_POSSIBLE, sync, notify: { name: so, disposition: NOTIFY_SO } });
    assert.equal(r.kr, KERN_SUCCESS);
  };
  const typeOf = () => replyWords(simpleRpc(a, a.self, 3201, [p]));
  const typeIs = (t: number) => [...replyHead(a, 40, 3301), KERN_SUCCESS, t >>> 0, ...MIN_TRAILER];
  const listed = async () => {
    const n = await a.thread.call("mach_port_names", a.self);
    const nv = new DataView((n["names"] as Uint8Array).slice().buffer);
    const tv = new DataView((n["types"] as Uint8Array).slice().buffer);
    let fromNames = -1;
    for (let i = 0; i < nv.byteLength / 4; i++) if (nv.getUint32(4 * i, true) === p) fromNames = tv.getUint32(4 * i, true);
    const info = await a.thread.call("mach_port_space_info", a.self);
    const table = new DataView((info["table_info"] as Uint8Array).slice().buffer);
    return { fromNames, fromSpaceInfo: table.getUint32((p >>> 8) * 28 + 8, true) };
  };
  const base = MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND;
  // sync 0: registered, not armed.
  await spRequest(0);
  const delayed = (base | MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED) >>> 0;
  assert.deepEqual(typeOf(), typeIs(delayed));
  assert.deepEqual(await listed(), { fromNames: delayed, fromSpaceInfo: delayed });
  // sync 1 on a full queue: armed at once.
  assert.equal((await a.thread.call("mach_port_set_attributes", a.self, { name: p, flavor: 1, port_info: [1] })).kr, KERN_SUCCESS);
  assert.equal(send(a, simpleMsg(p, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24), 24), 0);
  await spRequest(1);
  const armed = (base | MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST) >>> 0;
  assert.deepEqual(typeOf(), typeIs(armed));
  // Taking the message fires it: the notification uses the right, the slot stays.
  assert.equal(recv(a, p).mr, 0);
  const fired = recv(a, so);
  assert.deepEqual(replyWords(fired.m), [0x1200, 36, 0, so, 0, MACH_NOTIFY_SEND_POSSIBLE, 0, 1, p, ...MIN_TRAILER]);
  assert.deepEqual(typeOf(), typeIs(base));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3224, [p])), [...replyHead(a, 44, 3324), KERN_SUCCESS, 2, 1, ...MIN_TRAILER]);
  assertInvariant(kernel);
});

test("a complex message of a bare 24-byte header is accepted: its descriptor count is read where the trailer starts (0)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  await sendRight(a, p);
  assert.equal(send(a, simpleMsg(p, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX) >>> 0, 24, 55), 24), 0);
  const r = recv(a, p);
  assert.equal(r.mr, 0);
  assert.deepEqual(replyWords(r.m), [0x80001100, 24, 0, p, 0, 55, ...MIN_TRAILER]);
  assertInvariant(kernel);
});

test("ipc_kmsg_copyout_header: the voucher name as the receiver sees it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  await sendRight(a, p);
  const bits = msghBits(MACH_MSG_TYPE_COPY_SEND, 0);
  // No voucher disposition: the sender's msgh_voucher_port comes through untouched.
  const m = simpleMsg(p, bits, 24, 1);
  m.u32(16, 0x1234);
  assert.equal(send(a, m, 24), 0);
  assert.deepEqual(replyWords(recv(a, p).m), [0x1100, 24, 0, p, 0x1234, 1, ...MIN_TRAILER]);
  // A null voucher with COPY_SEND: carried as MOVE_SEND, shown only to MACH_RCV_VOUCHER.
  const v = simpleMsg(p, (bits | (MACH_MSG_TYPE_COPY_SEND << 16)) >>> 0, 24, 2);
  assert.equal(send(a, v, 24), 0);
  assert.deepEqual(replyWords(recv(a, p).m), [0x1100, 24, 0, p, 0, 2, ...MIN_TRAILER]);
  assert.equal(send(a, v, 24), 0);
  assert.deepEqual(replyWords(recv(a, p, 1024, MACH_RCV_VOUCHER).m), [(0x1100 | (MACH_MSG_TYPE_MOVE_SEND << 16)) >>> 0, 24, 0, p, 0, 2, ...MIN_TRAILER]);
  assertInvariant(kernel);
});

test("ipc_mqueue_send at MACH_PORT_QLIMIT_KERNEL: a zero timeout first, then MACH_SEND_NO_BUFFER without waiting, send-once or not", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  await sendRight(a, p);
  // Send-once destinations pass the queue limit, up to the kernel's.
  const so = simpleMsg(p, msghBits(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), 24, 9);
  for (let i = 0; i < 65534; i++) assert.equal(send(a, so, 24), 0);
  assert.equal(send(a, so, 24, MACH_SEND_TIMEOUT, 0), MACH_SEND_TIMED_OUT);
  assert.equal(send(a, so, 24), MACH_SEND_NO_BUFFER);
  const plain = simpleMsg(p, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 9);
  assert.equal(send(a, plain, 24), MACH_SEND_NO_BUFFER, "no wait at the kernel limit");
  assert.equal(send(a, plain, 24, MACH_SEND_TIMEOUT, 0), MACH_SEND_TIMED_OUT);
  // The failed sends came back to the sender (pseudo-received), leaving nothing behind.
  await a.thread.call("mach_port_mod_refs", a.self, { name: p, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  assertInvariant(kernel);
});

test("mach_port_space_basic_info and mach_port_space_info: iis_table_next is the size the table grows to next (ipc_table's steps: 21, 42, 85, ...)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const words = (b: Uint8Array) => [...new Uint32Array(b.slice().buffer)];
  const basic = async () => words((await a.thread.call("mach_port_space_basic_info", a.self, {}))["basic_info"] as Uint8Array).slice(0, 3);
  assert.deepEqual(await basic(), [0xff, 21, 42]);
  const made: number[] = [];
  for (let i = 0; i < 30; i++) made.push((await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number);
  assert.deepEqual(await basic(), [0xff, 42, 85]);
  const info = words((await a.thread.call("mach_port_space_info", a.self, {}))["space_info"] as Uint8Array);
  assert.deepEqual(info, [0xff, 42, 85, 0, 0, 0]);
  for (const name of made) await a.thread.call("mach_port_mod_refs", a.self, { name, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
  assertInvariant(kernel);
});
