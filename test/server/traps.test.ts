/** The TRAP_ARGS wire operation from the Node client: kernel-RPC traps and semaphores across the socket. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { startServer, until } from "./helpers.js";
import { KERN_OPERATION_TIMED_OUT, KERN_SUCCESS, KERN_TERMINATED } from "../../src/abi/kern_return.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_SEND_INVALID_DEST } from "../../src/abi/message.js";
import { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_SEND_RECEIVE } from "../../src/abi/port.js";

test("kernel-RPC traps over the socket: on the client's own task, and MACH_SEND_INVALID_DEST for another", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "traps" });
  const t = c.mainThread;
  const self = await t.taskSelfTrap();
  const a = await t.trap("_kernelrpc_mach_port_allocate_trap", { target: self, right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(a.kr, KERN_SUCCESS);
  const name = a["name"] as number;
  assert.equal((await t.trap("_kernelrpc_mach_port_insert_right", { target: self, name, poly: name, polyPoly: MACH_MSG_TYPE_MAKE_SEND })).kr, KERN_SUCCESS);
  assert.equal((await t.call("mach_port_type", self, { name }))["ptype"], MACH_PORT_TYPE_SEND_RECEIVE);
  assert.equal((await t.trap(16, { target: name, right: MACH_PORT_RIGHT_RECEIVE })).kr, MACH_SEND_INVALID_DEST);
  const vm = await t.trap("_kernelrpc_mach_vm_allocate_trap", { target: self, addr: 0n, size: 8192n, flags: 1 });
  assert.equal(vm.kr, KERN_SUCCESS);
  assert.equal((vm["addr"] as bigint) % 4096n, 0n);
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("a semaphore wait blocks its client thread only: another thread of the task signals it; timeouts and destruction answer", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "sema" });
  const t = c.mainThread;
  const self = await t.taskSelfTrap();
  const created = await t.call("semaphore_create", self, { policy: 0, value: 0 });
  assert.equal(created.kr, KERN_SUCCESS);
  const sem = created["semaphore"] as number;
  const other = await c.createThread();
  const waiting = other.trap("semaphore_wait_trap", { wait_name: sem });
  // The server answers this thread while the other waits.
  assert.equal((await t.trap("semaphore_timedwait_trap", { wait_name: sem, sec: 0, nsec: 20_000_000 })).kr, KERN_OPERATION_TIMED_OUT);
  assert.equal((await t.trap("semaphore_signal_trap", { signal_name: sem })).kr, KERN_SUCCESS);
  assert.equal((await waiting).kr, KERN_SUCCESS);
  const again = other.trap("semaphore_wait_trap", { wait_name: sem });
  assert.equal((await t.call("semaphore_destroy", self, { semaphore: { name: sem, disposition: 17 } })).kr, KERN_SUCCESS);
  assert.equal((await again).kr, KERN_TERMINATED);
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});
