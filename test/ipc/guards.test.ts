/** Guarded receive rights and mach_port_destruct, in ipc_right.c's order (xnu-3248). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { KERN_INVALID_ARGUMENT, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND } from "../../src/abi/port.js";

async function guarded(a: ReturnType<typeof actor>, guard: bigint, strict = 0): Promise<number> {
  const name = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await a.thread.call("mach_port_guard", a.self, { name, guard, strict })).kr, KERN_SUCCESS);
  return name;
}

test("a guarded receive right survives mach_port_destroy and mod_refs(RECEIVE, -1) with KERN_INVALID_RIGHT, and the caller is killed by EXC_GUARD", async () => {
  const kernel = boot();
  for (const call of ["destroy", "mod_refs"] as const) {
    const a = actor(kernel);
    const p = await guarded(a, 0x1234n);
    const r =
      call === "destroy"
        ? await a.thread.call("mach_port_destroy", a.self, { name: p })
        : await a.thread.call("mach_port_mod_refs", a.self, { name: p, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
    assert.equal(r.kr, KERN_INVALID_RIGHT);
    // The ux handler takes it at the host level (no signal for EXC_GUARD), and the task dies anyway.
    assert.deepEqual(a.thread.guardOutcome?.handledBy, "host");
    assert.equal(a.task.active, false);
    assertInvariant(kernel);
  }
  // Unguarded with the right guard, it goes without a violation.
  const b = actor(kernel);
  const p = await guarded(b, 0x1234n);
  assert.equal((await b.thread.call("mach_port_unguard", b.self, { name: p, guard: 0x1234n })).kr, KERN_SUCCESS);
  assert.equal((await b.thread.call("mach_port_destroy", b.self, { name: p })).kr, KERN_SUCCESS);
  assert.equal(b.task.active, true);
  assertInvariant(kernel);
});

test("mach_port_guard refuses a port with any context; set_context on a strict guard is KERN_INVALID_ARGUMENT and EXC_GUARD", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const name = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await a.thread.call("mach_port_set_context", a.self, { name, context: 7n })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_guard", a.self, { name, guard: 9n, strict: 0 })).kr, KERN_INVALID_ARGUMENT);
  const s = await guarded(a, 5n, 1);
  assert.equal((await a.thread.call("mach_port_set_context", a.self, { name: s, context: 5n })).kr, KERN_INVALID_ARGUMENT);
  assert.equal(a.task.active, false);
  assertInvariant(kernel);
});

test("mach_port_destruct: rights, then a positive srdelta, then the guard (EXC_GUARD), then an underflow", async () => {
  const kernel = boot();
  const setup = async () => {
    const a = actor(kernel);
    const p = await guarded(a, 0x55n);
    return { a, p };
  };
  let { a, p } = await setup();
  assert.equal((await a.thread.call("mach_port_destruct", a.self, { name: p, srdelta: -1, guard: 0x55n })).kr, KERN_INVALID_RIGHT, "no send right");
  assert.equal((await a.thread.call("mach_port_insert_right", a.self, { name: p, poly: { name: p, disposition: 20 } })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_destruct", a.self, { name: p, srdelta: 1, guard: 0n })).kr, KERN_INVALID_VALUE, "srdelta > 0 before the guard");
  assert.equal((await a.thread.call("mach_port_destruct", a.self, { name: p, srdelta: -2, guard: 0x55n })).kr, KERN_INVALID_VALUE, "underflow");
  assert.equal((await a.thread.call("mach_port_get_refs", a.self, { name: p, right: MACH_PORT_RIGHT_SEND }))["refs"], 1);
  assert.equal((await a.thread.call("mach_port_destruct", a.self, { name: p, srdelta: -1, guard: 0x55n })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: p })).kr, 15 /* KERN_INVALID_NAME */);
  assert.equal(a.task.active, true);
  ({ a, p } = await setup());
  assert.equal((await a.thread.call("mach_port_destruct", a.self, { name: p, srdelta: 0, guard: 0n })).kr, KERN_INVALID_ARGUMENT, "wrong guard");
  assert.equal(a.task.active, false);
  assertInvariant(kernel);
});

test("mach_port_kobject shows the type but, as a release kernel, address 0", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const r = await a.thread.call("mach_port_kobject", a.self, { name: a.self });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(r["object_addr"], 0n);
  assertInvariant(kernel);
});

test("mach_port_set_attributes(MACH_PORT_LIMITS_INFO) checks the limit before the name", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const r = await a.thread.call("mach_port_set_attributes", a.self, { name: 0, flavor: 1, port_info: [5000] });
  assert.equal(r.kr, KERN_INVALID_VALUE);
  assert.equal((await a.thread.call("mach_port_set_attributes", a.self, { name: 0, flavor: 1, port_info: [5] })).kr, KERN_INVALID_RIGHT);
  assertInvariant(kernel);
});
