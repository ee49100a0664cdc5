/** mach_host (200), processor (3000) and processor_set (4000) as raw MIG requests. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, type Actor } from "../helpers/kernel.js";
import {
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  HOST_BASIC_INFO,
  HOST_CPU_LOAD_INFO,
  HOST_LOAD_INFO,
  HOST_PRIORITY_INFO,
  HOST_SCHED_INFO,
  HOST_VM_INFO,
  HOST_VM_INFO64,
  IKOT_PROCESSOR,
  IKOT_PSET,
  IKOT_PSET_NAME,
  IKOT_TASK,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_HOST,
  KERN_INVALID_PROCESSOR_SET,
  KERN_SUCCESS,
  MIG_BAD_ID,
  PROCESSOR_BASIC_INFO,
  PROCESSOR_CPU_LOAD_INFO,
  PROCESSOR_SET_BASIC_INFO,
  PROCESSOR_SET_LOAD_INFO,
} from "../../src/index.js";

const GiB = 1024n * 1024n * 1024n;
const machine = {
  memorySize: 16n * GiB,
  pageSize: 4096,
  cpuTicks: () => [[100, 50, 1000, 0], [200, 60, 900, 0], [10, 5, 2000, 0], [1, 2, 3, 0]],
  loadAverage: () => [1.5, 1.25, 0.75],
};

function hostInfoReq(a: Actor, host: number, id: number, flavor: number, cap: number): Msg {
  const m = new Msg(2048);
  m.header({ bits: 0x1513, size: 40, remote: host, local: a.reply, id }).ndr(24).i32(32, flavor).u32(36, cap);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  assert.equal(m.geti(20), id + 100);
  return m;
}
const words = (m: Msg, at: number, n: number) => Array.from({ length: n }, (_, i) => m.get(at + 4 * i));
async function kotype(a: Actor, name: number): Promise<number> {
  return (await a.thread.call(3230, a.self, { name }))["object_type"] as number;
}
function simple(a: Actor, target: number, id: number): Msg {
  const m = new Msg(512);
  m.header({ bits: 0x1513, size: 24, remote: target, local: a.reply, id });
  assert.equal(rpc(a.thread, m, 24, a.reply), 0);
  return m;
}

test("host_info(HOST_BASIC_INFO): 12 words with the 2 GiB cap and the real max_mem; 5 words for an old caller; KERN_FAILURE below 5", () => {
  const kernel = boot({ cpus: 4, machine });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const m = hostInfoReq(a, host, 200, HOST_BASIC_INFO, 68);
  assert.equal(m.get(0), 0x1200);
  assert.equal(m.get(4), 40 + 48);
  assert.deepEqual(Array.from(m.buf.subarray(24, 32)), [0, 0, 0, 0, 1, 0, 0, 0]);
  assert.equal(m.geti(32), KERN_SUCCESS);
  assert.equal(m.get(36), 12);
  assert.deepEqual(words(m, 40, 12), [4, 4, 0x80000000, CPU_TYPE_X86_64, 3, 0, 4, 4, 4, 4, 0, 4]);
  const old = hostInfoReq(a, host, 200, HOST_BASIC_INFO, 5);
  assert.equal(old.get(36), 5);
  assert.equal(old.get(4), 60);
  const tiny = hostInfoReq(a, host, 200, HOST_BASIC_INFO, 4);
  assert.equal(tiny.get(4), 36);
  assert.equal(tiny.geti(32), KERN_FAILURE);
  assertInvariant(kernel);
});

test("host_info: arm64 cpu type, scheduler and priority info, unknown flavor, null host via a task port", () => {
  const kernel = boot({ cpus: 2, arch: "arm64", machine });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  assert.equal(hostInfoReq(a, host, 200, HOST_BASIC_INFO, 12).get(40 + 12), CPU_TYPE_ARM64);
  assert.deepEqual(words(hostInfoReq(a, host, 200, HOST_SCHED_INFO, 68), 36, 3), [2, 10, 10]);
  assert.deepEqual(words(hostInfoReq(a, host, 200, HOST_PRIORITY_INFO, 68), 40, 8), [80, 80, 64, 31, 0, 0, 0, 79]);
  assert.equal(hostInfoReq(a, host, 200, 99, 68).geti(32), KERN_INVALID_ARGUMENT);
  assert.equal(hostInfoReq(a, a.self, 200, HOST_BASIC_INFO, 68).geti(32), KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("host_statistics and host_statistics64: load (LOAD_SCALE), CPU ticks summed, VM counts by capacity; KERN_INVALID_HOST for a task port", () => {
  const kernel = boot({ cpus: 4, machine });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  assert.deepEqual(words(hostInfoReq(a, host, 216, HOST_LOAD_INFO, 68), 36, 7), [6, 1500, 1250, 750, 2500, 2750, 3250]);
  assert.deepEqual(words(hostInfoReq(a, host, 216, HOST_CPU_LOAD_INFO, 68), 36, 5), [4, 311, 117, 3903, 0]);
  assert.equal(hostInfoReq(a, host, 216, HOST_VM_INFO, 68).get(36), 15);
  assert.equal(hostInfoReq(a, host, 216, HOST_VM_INFO, 12).get(36), 12);
  assert.equal(hostInfoReq(a, host, 216, HOST_VM_INFO, 11).geti(32), KERN_FAILURE);
  assert.equal(hostInfoReq(a, host, 219, HOST_VM_INFO64, 256).get(36), 38);
  assert.equal(hostInfoReq(a, host, 219, HOST_LOAD_INFO, 256).get(36), 6, "falls back to host_statistics");
  assert.equal(hostInfoReq(a, a.self, 216, HOST_LOAD_INFO, 68).geti(32), KERN_INVALID_HOST);
  assert.equal(hostInfoReq(a, a.self, 219, HOST_VM_INFO64, 256).geti(32), KERN_INVALID_HOST);
  assertInvariant(kernel);
});

test("host_kernel_version (c_string) and _host_page_size (u64 at +36)", () => {
  const kernel = boot({ kernelVersion: "Darwin Kernel Version 15.4.0: test" });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const v = simple(a, host, 201);
  assert.equal(v.geti(32), KERN_SUCCESS);
  assert.equal(v.get(36), 0);
  const len = v.get(40);
  const text = "Darwin Kernel Version 15.4.0: test";
  assert.equal(len, text.length + 1);
  assert.equal(new TextDecoder().decode(v.buf.subarray(44, 44 + len - 1)), text);
  assert.equal(v.get(4), 44 + ((len + 3) & ~3));
  const p = simple(a, host, 202);
  assert.equal(p.get(4), 44);
  assert.equal(p.view.getBigUint64(36, true), 4096n);
  assertInvariant(kernel);
});

test("host_processor_info: one OOL array of every processor's info, in processor order", () => {
  const kernel = boot({ cpus: 4, machine });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  for (const [flavor, icount] of [[PROCESSOR_BASIC_INFO, 5], [PROCESSOR_CPU_LOAD_INFO, 4]] as const) {
    const m = new Msg(512);
    m.header({ bits: 0x1513, size: 36, remote: host, local: a.reply, id: 204 }).ndr(24).i32(32, flavor);
    assert.equal(rpc(a.thread, m, 36, a.reply), 0);
    assert.equal(m.get(0), 0x80001200);
    assert.equal(m.get(4), 60);
    assert.equal(m.get(24), 1);
    assert.equal(m.buf[39], 1, "OOL descriptor");
    assert.equal(m.get(40), 4 * 4 * icount);
    assert.equal(m.get(52), 4);
    assert.equal(m.get(56), 4 * icount);
    const data = a.task.vm.read(m.view.getBigUint64(28, true), 16 * icount)!;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (flavor === PROCESSOR_BASIC_INFO) {
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => dv.getUint32(4 * i, true)), [CPU_TYPE_X86_64, 3, 1, 0, 1]);
      assert.equal(dv.getUint32(20 + 12, true), 1, "slot_num of cpu 1");
      assert.equal(dv.getUint32(20 + 16, true), 0, "not master");
    } else assert.deepEqual([0, 1, 2, 3].map((i) => dv.getUint32(16 + 4 * i, true)), [200, 60, 900, 0]);
  }
  const bad = new Msg(128);
  bad.header({ bits: 0x1513, size: 36, remote: host, local: a.reply, id: 204 }).ndr(24).i32(32, 0x10000002);
  assert.equal(rpc(a.thread, bad, 36, a.reply), 0);
  assert.equal(bad.geti(32), KERN_FAILURE);
  assertInvariant(kernel);
});

test("processor_set_default gives the name port; host_processor_set_priv turns it into the control port", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  const d = simple(root, priv, 213);
  assert.equal(d.get(0), 0x80001200);
  assert.equal(d.get(4), 40);
  const name = d.get(28);
  assert.equal(await kotype(root, name), IKOT_PSET_NAME);
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 40, remote: priv, local: root.reply, id: 420 }).u32(24, 1).portDesc(28, name, 19);
  assert.equal(rpc(root.thread, m, 40, root.reply), 0);
  assert.equal(m.get(4), 40);
  const control = m.get(28);
  assert.equal(await kotype(root, control), IKOT_PSET);
  // processor_set_tasks needs the control port; the name port is refused.
  const t = simple(root, control, 4005);
  assert.equal(t.get(0), 0x80001200);
  const count = t.get(52);
  assert.equal(count, kernel.tasks.size);
  const names = root.task.vm.read(t.view.getBigUint64(28, true), 4 * count)!;
  const first = new DataView(names.buffer, names.byteOffset).getUint32(0, true);
  assert.equal(await kotype(root, first), IKOT_TASK);
  assert.equal(simple(root, name, 4005).geti(32), KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("host_processors: a send right to each processor; processor_info and processor_get_assignment on one", async () => {
  const kernel = boot({ cpus: 3, machine });
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  const m = simple(root, priv, 407);
  assert.equal(m.get(4), 56);
  assert.equal(m.buf[38], 17);
  assert.equal(m.get(52), 3);
  const data = root.task.vm.read(m.view.getBigUint64(28, true), 12)!;
  const dv = new DataView(data.buffer, data.byteOffset);
  const cpus = [0, 1, 2].map((i) => dv.getUint32(4 * i, true));
  for (const c of cpus) assert.equal(await kotype(root, c), IKOT_PROCESSOR);
  const pi = new Msg(256);
  pi.header({ bits: 0x1513, size: 40, remote: cpus[1]!, local: root.reply, id: 3002 }).ndr(24).i32(32, PROCESSOR_BASIC_INFO).u32(36, 12);
  assert.equal(rpc(root.thread, pi, 40, root.reply), 0);
  assert.equal(pi.get(0), 0x80001200);
  assert.equal(pi.get(4), 52 + 20);
  assert.equal(pi.get(48), 5);
  assert.deepEqual(words(pi, 52, 5), [CPU_TYPE_X86_64, 3, 1, 1, 0]);
  const ga = simple(root, cpus[0]!, 3005);
  assert.equal(await kotype(root, ga.get(28)), IKOT_PSET_NAME);
  // The host port is not a processor: processor_info answers KERN_INVALID_ARGUMENT.
  pi.header({ bits: 0x1513, size: 40, remote: priv, local: root.reply, id: 3002 }).ndr(24).i32(32, PROCESSOR_BASIC_INFO).u32(36, 12);
  assert.equal(rpc(root.thread, pi, 40, root.reply), 0);
  assert.equal(pi.geti(32), KERN_INVALID_ARGUMENT);
  // An unprivileged caller's host port cannot list processors.
  const user = actor(kernel);
  assert.equal(simple(user, user.thread.hostSelfTrap(), 407).geti(32), KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("processor_set_info and processor_set_statistics on pset0's name port", () => {
  const kernel = boot({ cpus: 4, machine });
  const a = actor(kernel);
  const name = simple(a, a.thread.hostSelfTrap(), 213).get(28);
  const i = hostInfoReq(a, name, 4009, PROCESSOR_SET_BASIC_INFO, 5);
  assert.equal(i.get(0), 0x80001200);
  assert.equal(i.get(48), 2);
  assert.deepEqual(words(i, 52, 2), [4, 1]);
  const bad = hostInfoReq(a, name, 4009, PROCESSOR_SET_LOAD_INFO, 5);
  assert.equal(bad.geti(32), KERN_INVALID_ARGUMENT);
  const s = hostInfoReq(a, name, 4000, PROCESSOR_SET_LOAD_INFO, 5);
  assert.equal(s.get(36), 4);
  assert.equal(s.get(48), 1500);
  assert.equal(hostInfoReq(a, a.self, 4000, PROCESSOR_SET_LOAD_INFO, 5).geti(32), KERN_INVALID_PROCESSOR_SET);
  assertInvariant(kernel);
});

test("skipped mach_host slots answer MIG_BAD_ID", () => {
  const kernel = boot();
  const a = actor(kernel);
  for (const id of [210, 211, 212, 226, 229, 230]) assert.equal(simple(a, a.thread.hostSelfTrap(), id).geti(32), MIG_BAD_ID);
  assertInvariant(kernel);
});

test("host_get_clock_service then clock_get_time and clock_get_attributes (1000, 1001) on the system and calendar clocks", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: host, local: a.reply, id: 206 }).ndr(24).i32(32, 1);
  assert.equal(rpc(a.thread, m, 36, a.reply), 0);
  assert.equal(m.get(0), 0x80001200);
  const calendar = m.get(28);
  assert.equal(await kotype(a, calendar), 25, "IKOT_CLOCK");
  const t = simple(a, calendar, 1000);
  assert.equal(t.get(4), 44);
  assert.equal(t.geti(32), KERN_SUCCESS);
  const secs = t.get(36);
  assert.ok(Math.abs(secs - Date.now() / 1000) < 5, "calendar time is wall time");
  const res = hostInfoReq(a, calendar, 1001, 1, 1);
  assert.equal(res.get(36), 1);
  assert.equal(res.get(40), 1000, "1 µs resolution");
  assert.equal(hostInfoReq(a, calendar, 1001, 99, 1).geti(32), 18, "KERN_INVALID_VALUE");
  // A non-clock target: KERN_INVALID_ARGUMENT.
  assert.equal(simple(a, host, 1000).geti(32), KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});
