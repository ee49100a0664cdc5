/** Checks where xnu-3248's source decides beyond the layouts: notifications, dp/UND ports, processor_start, host notify, MAC. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc } from "../helpers/kernel.js";
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_CAPABILITY, KERN_NO_ACCESS, KERN_SUCCESS, MIG_BAD_ID } from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import { ESRCH, allowAllPolicy, macCheckSetHostExceptionPort } from "../../src/kern/mac.js";
import { HOST_CPU_LOAD_INFO } from "../../src/abi/host.js";

const COPY_SEND_MAKE_SEND_ONCE = 19 | (21 << 8);

test("a notification id from a task with the kernel's security token but not its audit token gets MIG_BAD_ID", () => {
  const kernel = boot();
  const impostor = actor(kernel, { uid: 0, gid: 1 });
  const hostPriv = impostor.thread.hostSelfTrap();
  const m = new Msg(128).header({ bits: COPY_SEND_MAKE_SEND_ONCE, size: 36, remote: hostPriv, local: impostor.reply, id: 70 }).ndr(24).u32(32, 1);
  assert.equal(rpc(impostor.thread, m, 36, impostor.reply), 0);
  assert.equal(m.get(20), 170);
  assert.equal(m.geti(32), MIG_BAD_ID);
  assertInvariant(kernel);
});

test("set_/get_dp_control_port keep their own port; special port 8 is untouched", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const hostPriv = root.thread.hostSelfTrap();
  const port = (await root.thread.call("mach_port_allocate", root.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await root.thread.call("set_dp_control_port", hostPriv, { control_port: { name: port, disposition: 20 } })).kr, KERN_SUCCESS);
  assert.equal((await root.thread.call("get_dp_control_port", hostPriv))["contorl_port"], port);
  assert.equal((await root.thread.call("host_get_special_port", hostPriv, { node: -1, which: 8 }))["port"], 0);
  // Replacing it releases the old right.
  assert.equal((await root.thread.call("set_dp_control_port", hostPriv, { control_port: 0 })).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("host_set_UNDServer is host_set_special_port(10): the MAC policy can refuse it, and a plain host is KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot({ macPolicy: { name: "no", procCheckSetHostSpecialPort: () => 1 } });
  const root = actor(kernel, { uid: 0, gid: 0 });
  const hostPriv = root.thread.hostSelfTrap();
  const port = (await root.thread.call("mach_port_allocate", root.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await root.thread.call("host_set_UNDServer", hostPriv, { server: { name: port, disposition: 20 } })).kr, KERN_NO_ACCESS);
  const user = actor(kernel);
  assert.equal((await user.thread.call("host_get_UNDServer", user.thread.hostSelfTrap())).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("processor_start: the master restarts; another running processor is KERN_FAILURE; an off-line one comes back", async () => {
  const kernel = boot({ cpus: 2 });
  const root = actor(kernel, { uid: 0, gid: 0 });
  const list = (await root.thread.call("host_processors", root.thread.hostSelfTrap()))["out_processor_list"] as number[];
  assert.equal((await root.thread.call("processor_start", list[0]!)).kr, KERN_SUCCESS);
  assert.equal((await root.thread.call("processor_start", list[1]!)).kr, KERN_FAILURE);
  assert.equal((await root.thread.call("processor_exit", list[1]!)).kr, KERN_SUCCESS);
  assert.equal((await root.thread.call("processor_start", list[1]!)).kr, KERN_SUCCESS);
  for (const p of list) await root.thread.call("mach_port_deallocate", root.self, { name: p });
  assertInvariant(kernel);
});

test("host_request_notification checks the host, then the port, then the type", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  assert.equal((await a.thread.call("host_request_notification", host, { notify_type: 5, notify_port: 0 })).kr, KERN_INVALID_CAPABILITY);
  const port = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await a.thread.call("host_request_notification", host, { notify_type: 5, notify_port: { name: port, disposition: 21 } })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("host_request_notification", host, { notify_type: 0, notify_port: { name: port, disposition: 21 } })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("host_request_notification", a.self, { notify_type: 0, notify_port: { name: port, disposition: 21 } })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("the host exception-port MAC check refuses a caller with no process even for an empty mask", () => {
  assert.equal(macCheckSetHostExceptionPort(allowAllPolicy, null)(0), ESRCH);
  assert.equal(macCheckSetHostExceptionPort(allowAllPolicy, { secToken: [0, 0], pid: 1 })(0), 0);
});

test("HOST_CPU_LOAD_INFO never counts nice time", async () => {
  const kernel = boot({ machine: { cpuTicks: () => [[10, 20, 30, 40], [1, 2, 3, 4]] } });
  const a = actor(kernel);
  const r = await a.thread.call("host_statistics", a.thread.hostSelfTrap(), { flavor: HOST_CPU_LOAD_INFO, host_info_outCnt: 4 });
  assert.deepEqual(r["host_info_out"], [11, 22, 33, 0]);
  assertInvariant(kernel);
});
