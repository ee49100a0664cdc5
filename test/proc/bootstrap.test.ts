/** launchd's bootstrap namespace in process: check_in, register, look_up, parent, and what death does. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, type Actor } from "../helpers/kernel.js";
import { KERN_SUCCESS, MIG_BAD_ID } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND } from "../../src/abi/port.js";
import { MACH_RCV_MSG, MACH_SEND_MSG, MACH_RCV_TIMEOUT, MACH_MSG_SUCCESS } from "../../src/abi/message.js";
import { BOOTSTRAP_NOT_PRIVILEGED, BOOTSTRAP_SERVICE_ACTIVE, BOOTSTRAP_UNKNOWN_SERVICE } from "../../src/abi/bootstrap.js";
import { bootstrapCheckIn, bootstrapLookUp, bootstrapParent, bootstrapRegister, bootstrapStrerrorText } from "../../src/subsystems/bootstrap_user.js";
import { TASK_BOOTSTRAP_PORT } from "../../src/kern/ipc_tt.js";
import type { Kernel } from "../../src/index.js";
import { Msg } from "../helpers/kernel.js";

async function bootstrapPort(a: Actor): Promise<number> {
  const r = await a.thread.call("task_get_special_port", a.self, { which_port: TASK_BOOTSTRAP_PORT });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["special_port"] as number;
}

async function ptype(a: Actor, name: number): Promise<number> {
  const r = await a.thread.call("mach_port_type", a.self, { name });
  return r.kr === KERN_SUCCESS ? (r["ptype"] as number) : -r.kr;
}

/** launchd answers from its own thread: let it run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

async function sendSimple(a: Actor, dest: number, id: number): Promise<number> {
  const m = new Msg(64).header({ bits: 19, size: 24, remote: dest, id });
  return a.thread.machMsg(m.buf, MACH_SEND_MSG, 24, 0, 0);
}

async function receiveId(a: Actor, name: number): Promise<number> {
  const buf = new Uint8Array(256);
  const mr = await a.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, name, 100);
  return mr === MACH_MSG_SUCCESS ? new DataView(buf.buffer).getInt32(20, true) : -mr;
}

function withBootstrap(services: string[] = []): Kernel {
  return boot({ bootstrap: { services } });
}

test("every task's TASK_BOOTSTRAP_PORT is a send right to launchd, whose root is its own parent", async () => {
  const kernel = withBootstrap();
  const a = actor(kernel);
  const bp = await bootstrapPort(a);
  assert.equal(await ptype(a, bp), MACH_PORT_TYPE_SEND);
  const parent = await bootstrapParent(a.thread, bp);
  assert.equal(parent.kr, KERN_SUCCESS);
  assert.equal(parent.port, bp, "the same port, so the same name");
  assert.equal(kernel.bootstrap!.launchd.pid, 1);
  assertInvariant(kernel);
});

test("check_in makes a service whose receive right goes to the caller; look_up finds it for others", async () => {
  const kernel = withBootstrap();
  const server = actor(kernel);
  const client = actor(kernel);
  const sbp = await bootstrapPort(server);
  const cbp = await bootstrapPort(client);
  const ci = await bootstrapCheckIn(server.thread, sbp, "com.example.echo");
  assert.equal(ci.kr, KERN_SUCCESS);
  assert.equal(await ptype(server, ci.port), MACH_PORT_TYPE_RECEIVE);
  const lu = await bootstrapLookUp(client.thread, cbp, "com.example.echo");
  assert.equal(lu.kr, KERN_SUCCESS);
  assert.equal(await sendSimple(client, lu.port, 1234), MACH_MSG_SUCCESS);
  assert.equal(await receiveId(server, ci.port), 1234);
  // Checked in again while active; and by another task: launchd's answers.
  assert.equal((await bootstrapCheckIn(server.thread, sbp, "com.example.echo")).kr, BOOTSTRAP_SERVICE_ACTIVE);
  assert.equal((await bootstrapCheckIn(client.thread, cbp, "com.example.echo")).kr, BOOTSTRAP_NOT_PRIVILEGED);
  assert.equal((await bootstrapLookUp(client.thread, cbp, "com.example.none")).kr, BOOTSTRAP_UNKNOWN_SERVICE);
  assert.equal(bootstrapStrerrorText(BOOTSTRAP_UNKNOWN_SERVICE), "Unknown service name");
  assert.deepEqual(kernel.bootstrap!.serviceNames(findPort(kernel, "com.example.echo")), ["com.example.echo"]);
  assertInvariant(kernel);
});

function findPort(kernel: Kernel, name: string) {
  const s = (kernel.bootstrap as unknown as { services: Map<string, { port: import("../../src/ipc/port.js").IpcPort }> }).services.get(name);
  return s!.port;
}

test("a registered service's owner dies: holders see a dead name and the name is free again", async () => {
  const kernel = withBootstrap();
  const owner = actor(kernel);
  const looker = actor(kernel);
  const obp = await bootstrapPort(owner);
  const lbp = await bootstrapPort(looker);
  const port = (await owner.thread.call("mach_port_allocate", owner.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  await owner.thread.call("mach_port_insert_right", owner.self, { name: port, poly: { name: port, disposition: 20 } });
  assert.equal(await bootstrapRegister(owner.thread, obp, "com.example.reg", port), KERN_SUCCESS);
  // The same job may not register an active name again; another job may not take it.
  assert.equal(await bootstrapRegister(owner.thread, obp, "com.example.reg", port), BOOTSTRAP_SERVICE_ACTIVE);
  assert.equal(await bootstrapRegister(looker.thread, lbp, "com.example.reg", MACH_PORT_NULL_NAME), BOOTSTRAP_NOT_PRIVILEGED);
  const lu = await bootstrapLookUp(looker.thread, lbp, "com.example.reg");
  assert.equal(lu.kr, KERN_SUCCESS);
  owner.task.terminate();
  await settle();
  assert.equal(await ptype(looker, lu.port), MACH_PORT_TYPE_DEAD_NAME);
  assert.equal((await bootstrapLookUp(looker.thread, lbp, "com.example.reg")).kr, BOOTSTRAP_UNKNOWN_SERVICE);
  // Free again: another task checks the name in.
  assert.equal((await bootstrapCheckIn(looker.thread, lbp, "com.example.reg")).kr, KERN_SUCCESS);
  await settle();
  assertInvariant(kernel);
  assert.equal(launchdNames(kernel).filter((t) => t === MACH_PORT_TYPE_DEAD_NAME).length, 0, "launchd keeps no dead names");
});

const MACH_PORT_NULL_NAME = 0;

function launchdNames(kernel: Kernel): number[] {
  const space = kernel.bootstrap!.launchd.space;
  return [...space.entries()].map(([, i]) => space.bits[i]! & 0x1f0000);
}

test("a looker's death releases its send right and nothing else", async () => {
  const kernel = withBootstrap();
  const owner = actor(kernel);
  const looker = actor(kernel);
  const ci = await bootstrapCheckIn(owner.thread, await bootstrapPort(owner), "com.example.looked");
  const lu = await bootstrapLookUp(looker.thread, await bootstrapPort(looker), "com.example.looked");
  assert.equal(lu.kr, KERN_SUCCESS);
  const port = findPort(kernel, "com.example.looked");
  const before = port.srights;
  looker.task.terminate();
  await settle();
  assert.equal(port.srights, before - 1);
  assert.equal((await bootstrapLookUp(owner.thread, await bootstrapPort(owner), "com.example.looked")).kr, KERN_SUCCESS);
  assert.equal(await ptype(owner, ci.port), MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assertInvariant(kernel);
});

test("a declared service queues messages until check-in, and its receive right comes back to launchd when the holder dies", async () => {
  const kernel = withBootstrap(["com.example.declared"]);
  const client = actor(kernel);
  const cbp = await bootstrapPort(client);
  const lu = await bootstrapLookUp(client.thread, cbp, "com.example.declared");
  assert.equal(lu.kr, KERN_SUCCESS);
  assert.equal(await sendSimple(client, lu.port, 77), MACH_MSG_SUCCESS);
  const first = actor(kernel);
  const ci = await bootstrapCheckIn(first.thread, await bootstrapPort(first), "com.example.declared");
  assert.equal(ci.kr, KERN_SUCCESS);
  assert.equal(await receiveId(first, ci.port), 77, "the message sent before check-in");
  assert.equal(await sendSimple(client, lu.port, 78), MACH_MSG_SUCCESS);
  first.task.terminate();
  await settle();
  // The client's right still works: the port lives on in launchd, message 78 with it.
  assert.equal(await ptype(client, lu.port), MACH_PORT_TYPE_SEND);
  const second = actor(kernel);
  const ci2 = await bootstrapCheckIn(second.thread, await bootstrapPort(second), "com.example.declared");
  assert.equal(ci2.kr, KERN_SUCCESS);
  assert.equal(await receiveId(second, ci2.port), 78);
  assertInvariant(kernel);
});

test("launchd's demux answers ids outside its subsystem with MIG_BAD_ID", async () => {
  const kernel = withBootstrap();
  const a = actor(kernel);
  const bp = await bootstrapPort(a);
  const t = await a.thread.call("mach_port_type", bp, { name: 0 });
  assert.equal(t.kr, MIG_BAD_ID);
  assertInvariant(kernel);
});
