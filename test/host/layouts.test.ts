/**
 * Every served routine's request and reply sizes against the sizes MIG-generated
 * 64-bit stubs use (../shared/reference §3), and what each of the remaining
 * routines answers with and without the right kind of target port.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { encodeRequest } from "../../src/mig/user.js";
import { MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
} from "../../src/index.js";

/** [id, request bytes, reply bytes (fixed successful reply), from the reference tables]. */
const SIZES: [number, number, number | null][] = [
  [200, 40, null], [201, 24, null], [202, 24, 44], [203, 64, 40], [204, 36, 60], [205, 24, 40], [206, 36, 40], [207, 24, 56],
  [208, 24, 76], [209, 24, 56], [213, 24, 40], [214, 24, 52], [215, 64, 40], [216, 40, null], [217, 52, 36], [218, 24, 56],
  [219, 40, null], [220, 24, 76], [221, 24, 36], [223, 56, 52], [224, 60, 40], [225, 36, 36], [227, 24, 96], [228, 36, 36],
  [400, 24, null], [401, 36, 36], [402, 40, null], [403, 52, 40], [404, 68, 36], [405, 52, 36], [406, 68, 44], [407, 24, 56],
  [408, 36, 40], [409, 40, 40], [410, 36, 36], [411, 64, 56], [412, 40, 40], [413, 52, 36], [414, 60, 36], [415, 36, null],
  [416, 60, null], [418, 68, 36], [419, 24, 56], [420, 40, 40], [421, 40, 36], [422, 24, 40], [423, 40, 36], [424, 24, 40],
  [425, 60, 80], [600, 124, 40], [601, 100, 36], [3000, 24, 36], [3001, 24, 36], [3002, 40, null], [3004, 52, 36], [3005, 24, 40],
  [4000, 40, null], [4001, 24, 36], [4002, 40, 36], [4003, 36, 36], [4004, 40, 36], [4005, 24, 56], [4006, 24, 56], [4008, 24, 72],
  [4009, 40, null],
];

test("request and reply sizes of every routine match MIG's 64-bit layouts", () => {
  const kernel = boot();
  for (const [id, req, rep] of SIZES) {
    const r = kernel.registry.routines.get(id);
    assert.ok(r, `routine ${id} is served`);
    assert.equal(r.requestMinSize, req, `${r.name} (${id}) request`);
    if (rep !== null) assert.equal(r.encodeReply({}, {}).data.byteLength, rep, `${r.name} (${id}) reply`);
  }
});

/** What each remaining routine answers: [id, with host priv (or the routine's object), with a task port]. */
const ANSWERS: [number, number, number][] = [
  [203, KERN_INVALID_ARGUMENT, KERN_INVALID_HOST],
  [207, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
  [208, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [209, KERN_FAILURE, KERN_INVALID_HOST],
  [214, KERN_FAILURE, KERN_FAILURE],
  [215, KERN_INVALID_ARGUMENT, KERN_INVALID_HOST],
  [218, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [220, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [221, KERN_SUCCESS, KERN_INVALID_HOST],
  [222, KERN_NOT_SUPPORTED, KERN_INVALID_ARGUMENT],
  [223, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [224, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [225, KERN_SUCCESS, KERN_INVALID_ARGUMENT],
  [227, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [228, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
  [400, KERN_SUCCESS, KERN_INVALID_HOST],
  [401, KERN_SUCCESS, KERN_INVALID_HOST],
  [403, KERN_SUCCESS, KERN_INVALID_HOST],
  [404, 16 /* KERN_INVALID_TASK: the task argument is null */, KERN_INVALID_HOST],
  [405, KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT],
  [406, KERN_FAILURE, KERN_INVALID_HOST],
  [408, KERN_SUCCESS, KERN_INVALID_ARGUMENT],
  [409, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
  [410, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
  [411, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
  [418, 16, KERN_INVALID_HOST],
  [421, KERN_SUCCESS, KERN_INVALID_HOST],
  [422, KERN_SUCCESS, KERN_INVALID_HOST],
  // host_set/get_user_notification_port: host_set/get_special_port, so a null host_priv is KERN_INVALID_ARGUMENT.
  [423, KERN_SUCCESS, KERN_INVALID_ARGUMENT],
  [424, KERN_SUCCESS, KERN_INVALID_ARGUMENT],
  [425, KERN_NOT_SUPPORTED, KERN_INVALID_HOST],
  [4001, KERN_FAILURE, KERN_FAILURE],
  [4002, KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT],
  [4003, KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT],
  [4004, KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT],
  [4007, KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT],
  [4008, KERN_NOT_SUPPORTED, KERN_NOT_SUPPORTED],
];

test("the remaining routines answer as XNU does with and without the right target (docs/host_priv.md, docs/mach_host.md)", () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  for (const [id, withPriv, withTask] of ANSWERS) {
    const r = kernel.registry.routines.get(id)!;
    for (const [target, expect] of [[priv, withPriv], [root.self, withTask]] as const) {
      const req = encodeRequest(r as never, target, root.reply, {}, root.task.vm);
      const buf = new Uint8Array(8192);
      buf.set(req);
      const mr = root.thread.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, req.length, buf.length, root.reply, 0, 0);
      assert.equal(mr, 0);
      const v = new DataView(buf.buffer);
      assert.equal(v.getInt32(20, true), id + 100, `${r.name} reply id`);
      const complex = (v.getUint32(0, true) & 0x80000000) !== 0;
      const kr = complex ? KERN_SUCCESS : v.getInt32(32, true);
      assert.equal(kr, expect, `${r.name} (${id}) on ${target === priv ? "host priv" : "a task port"}`);
    }
  }
  assert.deepEqual(kernel.rebootRequests, [0]);
  assertInvariant(kernel);
});
