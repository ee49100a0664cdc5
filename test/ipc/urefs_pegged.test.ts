/**
 * CVE-2016-7637: user references past MACH_PORT_UREFS_MAX. xnu-3248 stops
 * counting send rights at MACH_PORT_UREFS_MAX - 1 while the rights keep
 * coming, so a service that deallocates once per right it received frees the
 * name early, and after 64 reuses of the slot the name denotes someone else's
 * right. xnu-3789.31.2 pegs the count at MACH_PORT_UREFS_MAX for good
 * (Kernel.boot({ fixes: { urefsPegged: true } })).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocate, getRefs, portType } from "./lib.js";
import { KERN_INVALID_NAME, KERN_INVALID_VALUE, KERN_SUCCESS, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_SEND, MACH_PORT_UREFS_MAX } from "../../src/index.js";
import { rightDealloc } from "../../src/ipc/right.js";

/** The attacker (owner of a port) sends the victim MACH_PORT_UREFS_MAX send rights to it, as messages would. */
async function flood(kernelOpts: Parameters<typeof boot>[0]): Promise<{ victim: Actor; name: number; kernel: ReturnType<typeof boot> }> {
  const kernel = boot(kernelOpts);
  const attacker = actor(kernel, { name: "attacker" });
  const victim = actor(kernel, { name: "victim", uid: 0 });
  const port = await allocate(attacker);
  let name = 0;
  for (let i = 0; i < MACH_PORT_UREFS_MAX; i++) name = transfer(attacker, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  return { victim, name, kernel };
}

test("xnu-3248 (default): the count stops at MACH_PORT_UREFS_MAX - 1, the name dies one dealloc early, and 64 reuses later it names another right", async () => {
  const { victim, name, kernel } = await flood({});
  assert.equal(await getRefs(victim, name, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX - 1);
  // The victim drops the rights it received, one by one (here in one call): the name goes one too early.
  assert.equal((await victim.thread.call("mach_port_mod_refs", victim.self, { name, right: MACH_PORT_RIGHT_SEND, delta: -(MACH_PORT_UREFS_MAX - 1) })).kr, KERN_SUCCESS);
  assert.equal((await portType(victim, name)).kr, KERN_INVALID_NAME);
  // The slot comes back with the same generation after 64 claims: the victim's last dealloc would hit this right.
  let reused = 0;
  for (let i = 0; i < 64 && reused !== name; i++) {
    reused = await allocate(victim);
    if (reused !== name) assert.equal((await victim.thread.call("mach_port_mod_refs", victim.self, { name: reused, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
  }
  assert.equal(reused, name, "the same name now denotes a new receive right");
  assertInvariant(kernel);
});

test("with urefsPegged (xnu-3789.31.2): the count reaches MACH_PORT_UREFS_MAX and stays; only removing them all frees the name", async () => {
  const { victim, name, kernel } = await flood({ fixes: { urefsPegged: true } });
  const refs = () => getRefs(victim, name, MACH_PORT_RIGHT_SEND);
  assert.equal(await refs(), MACH_PORT_UREFS_MAX);
  const modRefs = async (delta: number) => (await victim.thread.call("mach_port_mod_refs", victim.self, { name, right: MACH_PORT_RIGHT_SEND, delta })).kr;
  assert.equal(await modRefs(-(MACH_PORT_UREFS_MAX - 1)), KERN_SUCCESS);
  assert.equal(await refs(), MACH_PORT_UREFS_MAX, "pegged: a partial removal changes nothing");
  assert.equal(rightDealloc(victim.task.space, name), KERN_SUCCESS);
  assert.equal(await refs(), MACH_PORT_UREFS_MAX, "mach_port_deallocate leaves it too");
  assert.equal(await modRefs(1), KERN_SUCCESS, "no KERN_UREFS_OVERFLOW any more");
  assert.equal(await modRefs(MACH_PORT_UREFS_MAX + 1), KERN_INVALID_VALUE, "a delta beyond the maximum is refused");
  assert.equal((await portType(victim, name)).type, MACH_PORT_TYPE_SEND);
  assert.equal(await modRefs(-MACH_PORT_UREFS_MAX), KERN_SUCCESS);
  assert.equal((await portType(victim, name)).kr, KERN_INVALID_NAME, "removing all at once frees it");
  assertInvariant(kernel);
});

test("with urefsPegged: mod_refs clamps an overflowing delta at the maximum, for send rights and dead names", async () => {
  const kernel = boot({ fixes: { urefsPegged: true } });
  const a = actor(kernel);
  const dead = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_DEAD_NAME }))["name"] as number;
  const mod = async (delta: number) => (await a.thread.call("mach_port_mod_refs", a.self, { name: dead, right: MACH_PORT_RIGHT_DEAD_NAME, delta })).kr;
  assert.equal(await mod(MACH_PORT_UREFS_MAX - 1), KERN_SUCCESS);
  assert.equal(await getRefs(a, dead, MACH_PORT_RIGHT_DEAD_NAME), MACH_PORT_UREFS_MAX);
  assert.equal(await mod(-1), KERN_SUCCESS);
  assert.equal(await getRefs(a, dead, MACH_PORT_RIGHT_DEAD_NAME), MACH_PORT_UREFS_MAX);
  assert.equal(await mod(-MACH_PORT_UREFS_MAX), KERN_SUCCESS);
  assert.equal((await portType(a, dead)).kr, KERN_INVALID_NAME);
  const p = await allocate(a);
  const s = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name: s, right: MACH_PORT_RIGHT_SEND, delta: 70000 })).kr, KERN_INVALID_VALUE);
  assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name: s, right: MACH_PORT_RIGHT_SEND, delta: MACH_PORT_UREFS_MAX })).kr, KERN_SUCCESS);
  assert.equal(await getRefs(a, s, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX);
  assertInvariant(kernel);
});
