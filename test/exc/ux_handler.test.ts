/** bsdinit's ux exception handler: installed on the host at boot, exceptions into signals. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer } from "../helpers/kernel.js";
import { EXC_ARITHMETIC, EXC_BAD_ACCESS, EXC_BREAKPOINT, EXC_MASK_ALL, EXC_SOFTWARE, EXCEPTION_STATE, EXCEPTION_DEFAULT, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { SIGABRT, SIGFPE, SIGSEGV, SIGTRAP, EXC_UNIX_ABORT, uxSignalFor } from "../../src/kern/ux_handler.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";

test("at boot the host's exception ports hold the ux handler for 0x19FE, as host_get_exception_ports shows", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const hostPriv = root.thread.hostSelfTrap();
  const r = await root.thread.call("host_get_exception_ports", hostPriv, { exception_mask: EXC_MASK_ALL });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.deepEqual(r["masks"], [0x19fe, 0x200]);
  assert.deepEqual(r["old_behaviors"], [EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES | 0, 0]);
  assert.deepEqual(r["old_flavors"], [0, 0]);
  const handlers = r["old_handlers"] as number[];
  assert.notEqual(handlers[0], 0);
  assert.equal(handlers[1], 0);
  // A plain port of kernel_task, not a kernel object.
  assert.equal((await root.thread.call("mach_port_kobject", root.self, { name: handlers[0]! }))["object_type"], 0);
  assert.equal((await root.thread.call("mach_port_deallocate", root.self, { name: handlers[0]! })).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("ux_exception's mapping: bad access, arithmetic, breakpoint, BSD's software codes", () => {
  assert.equal(uxSignalFor(EXC_BAD_ACCESS, 1n, "x86_64"), SIGSEGV);
  assert.equal(uxSignalFor(EXC_BAD_ACCESS, 13n, "x86_64"), SIGSEGV, "a general protection fault");
  assert.equal(uxSignalFor(EXC_BAD_ACCESS, 2n, "x86_64"), 10);
  assert.equal(uxSignalFor(EXC_ARITHMETIC, 1n, "x86_64"), SIGFPE);
  assert.equal(uxSignalFor(EXC_BREAKPOINT, 1n, "x86_64"), SIGTRAP);
  assert.equal(uxSignalFor(EXC_SOFTWARE, BigInt(EXC_UNIX_ABORT), "x86_64"), SIGABRT);
  assert.equal(uxSignalFor(EXC_SOFTWARE, 3n, "x86_64"), SIGTRAP, "#BR on x86");
  assert.equal(uxSignalFor(EXC_SOFTWARE, 3n, "arm64"), 0);
});

test("the ux port answers the state behaviors with KERN_INVALID_ARGUMENT, so the search falls through", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const victim = actor(kernel);
  const hostPriv = root.thread.hostSelfTrap();
  const got = await root.thread.call("host_get_exception_ports", hostPriv, { exception_mask: 1 << EXC_BAD_ACCESS });
  const ux = (got["old_handlers"] as number[])[0]!;
  // Point the victim task's EXC_BAD_ACCESS at the ux port with EXCEPTION_STATE (the right moves from root, through the victim, to the kernel).
  const taskPort = victim.self;
  const set = await victim.thread.call("task_set_exception_ports", taskPort, {
    exception_mask: 1 << EXC_BAD_ACCESS,
    new_port: { name: transfer(root, ux, 17, victim), disposition: 17 },
    behavior: EXCEPTION_STATE | MACH_EXCEPTION_CODES,
    new_flavor: x86_THREAD_STATE64,
  });
  assert.equal(set.kr, KERN_SUCCESS);
  const o = await victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  assert.deepEqual(
    o.attempts.map((a) => [a.level, a.kr]),
    [["thread", KERN_FAILURE], ["task", KERN_INVALID_ARGUMENT], ["host", KERN_SUCCESS]],
  );
  assertInvariant(kernel);
});

