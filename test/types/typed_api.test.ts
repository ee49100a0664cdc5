/**
 * The typed API: routine types generated from the descriptions and kept in
 * step; wrong calls refused by the compiler (a fixture that must fail to
 * type-check, with exactly the errors it marks) and at run time (with an
 * error naming the argument); info structures decoded by name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { startServer } from "../server/helpers.js";
import { renderRoutineTypes } from "../../src/mig/ts_types.js";
import { servedSubsystems } from "../../src/subsystems/index.js";
import {
  HOST_BASIC_INFO,
  HOST_LOAD_INFO,
  HOST_VM_INFO64,
  KERN_SUCCESS,
  MACH_PORT_RIGHT_RECEIVE,
  MigArgumentError,
  PROCESSOR_BASIC_INFO,
  PROCESSOR_SET_LOAD_INFO,
  THREAD_IDENTIFIER_INFO,
  decodeInfo,
} from "../../src/index.js";
import * as clientApi from "../../src/client/index.js";

test("src/mig/routine_types.ts is the descriptions rendered (run `npm run gen:types` after changing one)", () => {
  assert.equal(readFileSync("src/mig/routine_types.ts", "utf8"), renderRoutineTypes(servedSubsystems.flatMap((s) => s.routines)));
});

test("the fixture of wrong calls fails to type-check with exactly the errors it marks", () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  let out = "";
  try {
    execFileSync(process.execPath, [tsc, "-p", "test/types/fixtures/tsconfig.json"], { encoding: "utf8" });
    assert.fail("the fixture type-checked");
  } catch (e) {
    out = (e as { stdout: string }).stdout;
  }
  const got = [...out.matchAll(/bad_calls\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
  const expected = readFileSync("test/types/fixtures/bad_calls.ts", "utf8")
    .split("\n")
    .flatMap((line, i) => [...line.matchAll(/\/\/! (TS\d+)/g)].map((m) => `${i + 1} ${m[1]}`));
  assert.ok(expected.length >= 15);
  assert.deepEqual(got, expected, out);
});

test("at run time, unknown, missing and mistyped arguments throw MigArgumentError naming them; nothing is sent", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const call = a.thread.call.bind(a.thread) as (r: string | number, t: number, args?: unknown) => Promise<unknown>;
  const cases: [string | number, unknown, RegExp][] = [
    ["mach_port_allocate", { rigth: 1 }, /^mach_port_allocate: unknown argument 'rigth' \(it takes right\)$/],
    ["mach_port_allocate", { right: "1" }, /^mach_port_allocate: argument 'right' must be a 32-bit integer \(mach_port_right_t\), not the string "1"$/],
    ["mach_port_allocate", {}, /^mach_port_allocate: argument 'right' is missing$/],
    [3204, { right: 1.5 }, /^mach_port_allocate: argument 'right' must be a 32-bit integer/],
    [3204, { right: 2 ** 33 }, /^mach_port_allocate: argument 'right' must be a 32-bit integer/],
    ["mach_port_set_context", { name: 0x103, context: "x" }, /^mach_port_set_context: argument 'context' must be a 64-bit integer/],
    ["mach_port_insert_right", { name: 0x103, poly: { name: 0x103 } }, /^mach_port_insert_right: argument 'poly' must be a port name, or \{ name, disposition \}/],
    ["host_info", { flavor: 1, host_info_outCnt: -1 }, /^host_info: argument 'host_info_outCnt' must be a count/],
    ["mach_port_allocate", [1], /^mach_port_allocate: the arguments must be an object, not an array of 1$/],
    ["no_such_routine", {}, /^no MIG routine no_such_routine$/],
  ];
  const before = a.task.space.used;
  for (const [routine, args, re] of cases) await assert.rejects(call(routine, a.self, args), (e: Error) => e instanceof MigArgumentError && re.test(e.message));
  assert.equal(a.task.space.used, before, "no reply port, no right: nothing was sent");
  const ok = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(ok.kr, KERN_SUCCESS);
  if (ok.kr === KERN_SUCCESS) assert.equal(typeof ok.name, "number");
  assertInvariant(kernel);
});

test("the Node client refuses the same way, and exports the constants and the decoder", async () => {
  const server = await startServer();
  const c = await clientApi.MachClient.connect({ socketPath: server.socketPath, name: "typed" });
  try {
    const t = c.mainThread;
    const call = t.call.bind(t) as (r: string, tg: number, args?: unknown) => Promise<unknown>;
    await assert.rejects(call("host_info", await t.hostSelfTrap(), { flavour: 1 }), /^MigArgumentError: host_info: unknown argument 'flavour' \(it takes flavor, host_info_outCnt\)$/);
    assert.equal(clientApi.KERN_SUCCESS, 0);
    assert.equal(clientApi.HOST_BASIC_INFO, 1);
    assert.equal(clientApi.MACH_PORT_RIGHT_RECEIVE, 1);
    const host = await t.hostSelfTrap();
    const r = await t.call("host_info", host, { flavor: clientApi.HOST_BASIC_INFO });
    assert.equal(r.kr, clientApi.KERN_SUCCESS);
    if (r.kr !== clientApi.KERN_SUCCESS) return;
    const info = clientApi.decodeInfo("host_info", clientApi.HOST_BASIC_INFO, r.host_info_out);
    assert.equal(info.maxCpus, 2);
    assert.equal(typeof info.maxMem, "bigint");
    assert.equal(info.maxMem, server.kernel.machine.memorySize);
  } finally {
    c.close();
    await server.close();
  }
});

test("info structures decode into named fields, 64-bit ones as bigint, from the words the routines return", async () => {
  const kernel = boot({ cpus: 3, machine: { memorySize: 6n << 30n, loadAverage: () => [1.5, 1, 0.5] } });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const hi = await a.thread.call("host_info", host, { flavor: HOST_BASIC_INFO });
  assert.ok(hi.kr === KERN_SUCCESS);
  const basic = decodeInfo("host_info", HOST_BASIC_INFO, hi.host_info_out);
  assert.deepEqual(
    { ...basic },
    { maxCpus: 3, availCpus: 3, memorySize: 0x80000000, cpuType: basic.cpuType, cpuSubtype: basic.cpuSubtype, cpuThreadtype: 0, physicalCpu: 3, physicalCpuMax: 3, logicalCpu: 3, logicalCpuMax: 3, maxMem: 6n << 30n },
  );
  const load = await a.thread.call("host_statistics", host, { flavor: HOST_LOAD_INFO });
  assert.ok(load.kr === KERN_SUCCESS);
  const l = decodeInfo("host_statistics", HOST_LOAD_INFO, load.host_info_out);
  assert.deepEqual([l.avenrun0, l.avenrun1, l.avenrun2], [1500, 1000, 500]);
  assert.equal(l.machFactor0, 1500);
  const vm = await a.thread.call("host_statistics64", host, { flavor: HOST_VM_INFO64 });
  assert.ok(vm.kr === KERN_SUCCESS);
  const v = decodeInfo("host_statistics64", HOST_VM_INFO64, vm.host_info64_out);
  assert.equal(typeof v.pageins, "bigint");
  assert.equal(typeof v.freeCount, "number");
  const procs = await a.thread.call("host_processor_info", host, { flavor: PROCESSOR_BASIC_INFO });
  assert.ok(procs.kr === KERN_SUCCESS);
  const third = decodeInfo("host_processor_info", PROCESSOR_BASIC_INFO, procs.out_processor_info, 2);
  assert.equal(third.slotNum, 2);
  assert.equal(third.isMaster, 0);
  assert.equal(decodeInfo("host_processor_info", PROCESSOR_BASIC_INFO, procs.out_processor_info, 0).isMaster, 1);
  const pset = await a.thread.call("processor_set_default", host, {});
  assert.ok(pset.kr === KERN_SUCCESS);
  const ps = await a.thread.call("processor_set_statistics", pset.default_set, { flavor: PROCESSOR_SET_LOAD_INFO });
  assert.ok(ps.kr === KERN_SUCCESS);
  assert.equal(decodeInfo("processor_set_statistics", PROCESSOR_SET_LOAD_INFO, ps.info_out).taskCount, kernel.tasks.size);
  const th = await a.thread.call("thread_info", a.thread.threadSelfTrap(), { flavor: THREAD_IDENTIFIER_INFO });
  assert.ok(th.kr === KERN_SUCCESS);
  assert.equal(typeof decodeInfo("thread_info", THREAD_IDENTIFIER_INFO, th.thread_info_out).threadId, "bigint");
  assert.throws(() => decodeInfo("host_info", HOST_BASIC_INFO, [1, 2, 3]), /host_basic_info needs 48 bytes at 0; the reply has 12/);
  assertInvariant(kernel);
});
