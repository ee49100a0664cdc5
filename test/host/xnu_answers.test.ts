/**
 * mach_host answers pinned to xnu-3248's host.c, as raw MIG requests with the
 * whole reply checked, and the Linux counters behind HOST_VM_INFO64.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, replyHead, replyWords, simpleRpc } from "../helpers/kernel.js";
import { HOST_EXPIRED_TASK_INFO, HOST_VM_INFO, HOST_VM_INFO64, KERN_FAILURE, KERN_SUCCESS } from "../../src/index.js";
import { linuxVmStatistics, type VmStatistics } from "../../src/kern/machine.js";

const stats: VmStatistics = {
  free: 1000, active: 2000, inactive: 3000, wire: 400,
  zeroFill: 5, reactivations: 6, pageins: 0x1_0000_0007, pageouts: 8, faults: 9, cowFaults: 10, lookups: 11, hits: 12, purges: 13,
  purgeable: 14, speculative: 15,
  decompressions: 16, compressions: 17, swapins: 18, swapouts: 19,
  compressorPages: 20, throttled: 21, external: 22, internal: 23, uncompressedInCompressor: 24,
};

test("host_statistics(HOST_EXPIRED_TASK_INFO): host.c never writes *count, so the caller's count comes back", () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const m = simpleRpc(a, host, 216, [HOST_EXPIRED_TASK_INFO, 20]);
  assert.deepEqual(replyWords(m), [...replyHead(a, 40 + 80, 316), KERN_SUCCESS, 20, ...new Array(20).fill(0), ...MIN_TRAILER]);
  // Below TASK_POWER_INFO_COUNT: KERN_FAILURE.
  assert.deepEqual(replyWords(simpleRpc(a, host, 216, [HOST_EXPIRED_TASK_INFO, 11])), [...replyHead(a, 36, 316), KERN_FAILURE, ...MIN_TRAILER]);
  assertInvariant(kernel);
});

test("host_statistics64(HOST_VM_INFO64): every vm_statistics64 field in order, rev0 or rev1 by the caller's count", () => {
  const kernel = boot({ machine: { vmStatistics: () => stats } });
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const rev0 = [1000, 2000, 3000, 400, 5, 0, 6, 0, 7, 1, 8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 15];
  const rev1 = [16, 0, 17, 0, 18, 0, 19, 0, 20, 21, 22, 23, 24, 0];
  assert.deepEqual(replyWords(simpleRpc(a, host, 219, [HOST_VM_INFO64, 38])), [...replyHead(a, 40 + 4 * 38, 319), KERN_SUCCESS, 38, ...rev0, ...rev1, ...MIN_TRAILER]);
  assert.deepEqual(replyWords(simpleRpc(a, host, 219, [HOST_VM_INFO64, 30])), [...replyHead(a, 40 + 4 * 24, 319), KERN_SUCCESS, 24, ...rev0, ...MIN_TRAILER]);
  // The 32-bit HOST_VM_INFO truncates each count (VM_STATISTICS_TRUNCATE_TO_32_BIT).
  const v32 = [1000, 2000, 3000, 400, 5, 6, 7, 8, 9, 10, 11, 12, 14, 13, 15];
  assert.deepEqual(replyWords(simpleRpc(a, host, 216, [HOST_VM_INFO, 15])), [...replyHead(a, 40 + 60, 316), KERN_SUCCESS, 15, ...v32, ...MIN_TRAILER]);
  assertInvariant(kernel);
});

test("HOST_VM_INFO64 from Linux: each field from the counter that means the same, in pages (pgpgin/pgpgout are KiB)", () => {
  const meminfo = ["Unevictable: 400 kB", "KernelStack: 800 kB", "PageTables: 1600 kB", "SUnreclaim: 1200 kB", "Zswap: 4096 kB", "Zswapped: 16384 kB"].join("\n");
  const vmstat = [
    "nr_free_pages 100", "nr_active_anon 10", "nr_inactive_anon 20", "nr_active_file 30", "nr_inactive_file 40",
    "pgactivate 7", "pgpgin 4096", "pgpgout 8192", "pgfault 99", "zswpin 3", "zswpout 4", "pswpin 5", "pswpout 6",
  ].join("\n");
  assert.deepEqual(linuxVmStatistics(meminfo, vmstat, 4096), {
    free: 100, active: 40, inactive: 60, wire: 1000,
    zeroFill: 0, reactivations: 7, pageins: 1024, pageouts: 2048, faults: 99, cowFaults: 0, lookups: 0, hits: 0, purges: 0,
    purgeable: 0, speculative: 0,
    decompressions: 3, compressions: 4, swapins: 5, swapouts: 6,
    compressorPages: 1024, throttled: 0, external: 70, internal: 30, uncompressedInCompressor: 4096,
  });
});

test("processor_set_things: every task and thread by default, kernel_task's included; a MAC policy's proc_check_expose_task filters both", async () => {
  const hide501 = { name: "hide-501", procCheckExposeTask: (_c: unknown, t: { uid: number }) => (t.uid === 501 ? 1 : 0) };
  for (const policy of [undefined, hide501]) {
    const kernel = boot(policy ? { macPolicy: policy } : {});
    const root = actor(kernel, { uid: 0, gid: 0 });
    const user = actor(kernel, { uid: 501 });
    user.task.createThread();
    const host = root.thread.hostSelfTrap();
    const name = (await root.thread.call("processor_set_default", host))["default_set"] as number;
    const pset = (await root.thread.call("host_processor_set_priv", host, { set_name: name }))["set"] as number;
    // processor_set_tasks as raw bytes: a bare header; the reply's OOL port array and its count.
    const m = simpleRpc(root, pset, 4005);
    const w = replyWords(m);
    const expected = policy ? [kernel.kernelTask, root.task] : [kernel.kernelTask, root.task, user.task];
    assert.deepEqual([w[0], w[1], w[5], w[6]], [0x80001200, 56, 4105, 1]);
    // The OOL ports descriptor (address, then deallocate, copy, PORT_SEND, MACH_MSG_OOL_PORTS_DESCRIPTOR, count), NDR, task_listCnt.
    assert.deepEqual(w.slice(9), [0x02110101, expected.length, 0, 1, expected.length, ...MIN_TRAILER]);
    const tasks = (await root.thread.call("processor_set_tasks", pset))["task_list"] as number[];
    assert.ok(tasks.includes(root.self), "the caller's own task, under its own name");
    assert.equal(tasks.length, expected.length);
    const threads = (await root.thread.call("processor_set_threads", pset))["thread_list"] as number[];
    assert.equal(threads.length, expected.reduce((n, t) => n + t.threads.length, 0));
    for (const n of [name, pset, ...tasks, ...threads]) await root.thread.call("mach_port_deallocate", root.self, { name: n });
    assertInvariant(kernel);
  }
});
