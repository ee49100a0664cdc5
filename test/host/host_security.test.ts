/** host_security (600): only the kernel holds the host security port; through it a task's tokens and host port change together. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc } from "../helpers/kernel.js";
import { IKOT_HOST_PRIV, IKOT_HOST, KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_SECURITY, KERN_SUCCESS } from "../../src/index.js";
import { portMakeSend, rightCopyout } from "../../src/ipc/right.js";

test("host_security_set_task_token (601): new tokens, and the host port follows uid 0 — even given the plain host port", async () => {
  const kernel = boot();
  const admin = actor(kernel, { uid: 0, gid: 0 });
  const user = actor(kernel, { uid: 501, gid: 20 });
  // Nobody can read HOST_SECURITY_PORT; the test hands admin a right the way the kernel holds one.
  const sec = rightCopyout(admin.task.space, portMakeSend(kernel.host.hostSecurityPort), 17, true).name;
  const host = rightCopyout(admin.task.space, portMakeSend(kernel.host.hostPort), 17, true).name;
  const userTask = rightCopyout(admin.task.space, portMakeSend(user.task.ports.itkSelf), 17, true).name;
  const m = new Msg(256);
  // header | body(2) | target_task | host | NDR | sec_token(8) | audit_token(32): 100 bytes.
  m.header({ bits: 0x80001513, size: 100, remote: sec, local: admin.reply, id: 601 }).u32(24, 2).portDesc(28, userTask, 19).portDesc(40, host, 19).ndr(52);
  m.u32(60, 0).u32(64, 0);
  for (let i = 0; i < 8; i++) m.u32(68 + 4 * i, i === 5 ? user.task.pid : 0);
  assert.equal(rpc(admin.thread, m, 100, admin.reply), 0);
  assert.equal(m.geti(20), 701);
  assert.equal(m.geti(32), KERN_SUCCESS);
  assert.deepEqual(user.task.secToken, [0, 0]);
  const h = user.thread.hostSelfTrap();
  assert.equal((await user.thread.call(3230, user.self, { name: h }))["object_type"], IKOT_HOST_PRIV);
  // Through the host port (not the security port): KERN_INVALID_SECURITY; a null task first: KERN_INVALID_ARGUMENT.
  m.header({ bits: 0x80001513, size: 100, remote: host, local: admin.reply, id: 601 }).u32(24, 2).portDesc(28, userTask, 19).portDesc(40, host, 19).ndr(52);
  assert.equal(rpc(admin.thread, m, 100, admin.reply), 0);
  assert.equal(m.geti(32), KERN_INVALID_SECURITY);
  m.header({ bits: 0x80001513, size: 100, remote: sec, local: admin.reply, id: 601 }).u32(24, 2).portDesc(28, host, 19).portDesc(40, host, 19).ndr(52);
  assert.equal(rpc(admin.thread, m, 100, admin.reply), 0);
  assert.equal(m.geti(32), KERN_INVALID_ARGUMENT);
  void IKOT_HOST;
  assertInvariant(kernel);
});

test("host_security_create_task_token (600) always fails after its checks", async () => {
  const kernel = boot();
  const admin = actor(kernel, { uid: 0, gid: 0 });
  const sec = rightCopyout(admin.task.space, portMakeSend(kernel.host.hostSecurityPort), 17, true).name;
  const r = await admin.thread.call(600, sec, { parent_task: admin.self, host: admin.thread.hostSelfTrap(), sec_token: new Uint8Array(8), audit_token: new Uint8Array(32), ledgers: [], inherit_memory: 0 });
  assert.equal(r.kr, KERN_FAILURE);
  const nullParent = await admin.thread.call(600, sec, { parent_task: 0, host: 0, sec_token: new Uint8Array(8), audit_token: new Uint8Array(32), ledgers: [], inherit_memory: 0 });
  assert.equal(nullParent.kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});
