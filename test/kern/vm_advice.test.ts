/**
 * mach_vm / vm_map's inherit, behavior_set, msync, machine_attribute, page_query, page_info,
 * purgable_control and read_list on an in-process task's simulated memory, from a debugger
 * holding its task port: vm_user.c's checks in order (each refused once), vm_map.c's codes, the
 * entries clipped to what was changed as vm_region then shows them, and the right accounting
 * after every scenario.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, type Actor } from "../helpers/kernel.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_TASK,
  KERN_NO_SPACE,
  KERN_NOT_SUPPORTED,
  KERN_PROTECTION_FAILURE,
  KERN_SUCCESS,
} from "../../src/abi/kern_return.js";
import { VM_FLAGS_ANYWHERE, VM_FLAGS_PURGABLE, VM_PROT_READ } from "../../src/abi/vm.js";
import { SM_COW, SM_SHARED, VM_INHERIT_COPY, VM_INHERIT_NONE, VM_INHERIT_SHARE, VM_REGION_BASIC_INFO_64 } from "../../src/abi/vm_region.js";
import { attachProcessMemory } from "../../src/kern/vm_remote.js";
import { fakeProcess } from "../helpers/vm.js";
import * as A from "../../src/abi/vm_advice.js";
import { decodeInfo, decodeLayout } from "../../src/abi/info.js";
import { taskForPid } from "../../src/kern/task_for_pid.js";
import type { Kernel } from "../../src/kern/kernel.js";

const PAGE = 4096n;

function scene(): { kernel: Kernel; dbg: Actor; target: Actor; port: number; name: number } {
  const kernel = boot();
  const dbg = actor(kernel, { uid: 0, gid: 0 });
  const target = actor(kernel, { uid: 501 });
  const r = taskForPid(dbg.task, dbg.self, target.task.pid);
  assert.equal(r.kr, KERN_SUCCESS);
  return { kernel, dbg, target, port: r.value, name: 0 };
}

/** The target's own allocation of `pages` pages (the trap, as its libsystem makes it). */
function allocate(t: Actor, pages: number, flags = VM_FLAGS_ANYWHERE): bigint {
  const r = t.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: t.self, addr: 0n, size: BigInt(pages) * PAGE, flags }) as { kr: number; addr: bigint };
  assert.equal(r.kr, KERN_SUCCESS);
  return r.addr;
}

/** The task's name port: a port that converts to no map (VM_MAP_NULL). */
async function namePort(dbg: Actor, port: number): Promise<number> {
  const n = await dbg.thread.call("task_get_special_port", port, { which_port: 3 });
  assert.equal(n.kr, KERN_SUCCESS);
  return n.kr === KERN_SUCCESS ? n.special_port : 0;
}

/** vm_region's entries from `at` for `n` entries: [start, size, inheritance, behavior]. */
async function regions(dbg: Actor, port: number, at: bigint, n: number): Promise<[bigint, bigint, number, number][]> {
  const out: [bigint, bigint, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const r = await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_BASIC_INFO_64 });
    assert.equal(r.kr, KERN_SUCCESS);
    if (r.kr !== KERN_SUCCESS) break;
    const info = decodeInfo("mach_vm_region", VM_REGION_BASIC_INFO_64, r.info);
    out.push([r.address, r.size, info.inheritance, info.behavior]);
    at = r.address + r.size;
  }
  return out;
}

test("mach_vm_inherit / vm_inherit: vm_user.c's checks, then the entries in the range clipped and given the inheritance, holes passed over", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 4);
  const inherit = (address: bigint, size: bigint, new_inheritance: number, on = port) => dbg.thread.call("mach_vm_inherit", on, { address, size, new_inheritance });
  assert.equal((await inherit(at, PAGE, VM_INHERIT_NONE, await namePort(dbg, port))).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await inherit(at, -at, VM_INHERIT_NONE)).kr, KERN_INVALID_ARGUMENT, "start + size wraps");
  assert.equal((await inherit(at, PAGE, 3)).kr, KERN_INVALID_ARGUMENT, "past VM_INHERIT_LAST_VALID");
  assert.equal((await inherit(at, PAGE, -1)).kr, KERN_INVALID_ARGUMENT, "vm_inherit_t is unsigned");
  assert.equal((await inherit(0n, 0n, VM_INHERIT_NONE)).kr, KERN_SUCCESS, "a size of 0");
  assert.equal((await inherit(0x1000n, PAGE, VM_INHERIT_NONE)).kr, KERN_SUCCESS, "nothing mapped there: nothing to change");
  // Pages 1 and 2 (from inside page 1 to inside page 2): rounded out to whole pages.
  assert.equal((await inherit(at + PAGE + 5n, PAGE, VM_INHERIT_NONE)).kr, KERN_SUCCESS);
  assert.deepEqual(await regions(dbg, port, at, 3), [
    [at, PAGE, VM_INHERIT_COPY, 0],
    [at + PAGE, 2n * PAGE, VM_INHERIT_NONE, 0],
    [at + 3n * PAGE, PAGE, VM_INHERIT_COPY, 0],
  ]);
  // vm_inherit over the whole region and past its end: every entry takes it, the clips stay.
  assert.equal((await dbg.thread.call("vm_inherit", port, { address: at, size: 16n * PAGE, new_inheritance: VM_INHERIT_SHARE })).kr, KERN_SUCCESS);
  assert.deepEqual(
    (await regions(dbg, port, at, 3)).map((r) => [r[1], r[2]]),
    [
      [PAGE, VM_INHERIT_SHARE],
      [2n * PAGE, VM_INHERIT_SHARE],
      [PAGE, VM_INHERIT_SHARE],
    ],
  );
  // Memory deallocated and allocated again starts from the defaults.
  assert.equal((await dbg.thread.call("mach_vm_deallocate", port, { address: at, size: 4n * PAGE })).kr, KERN_SUCCESS);
  const again = await dbg.thread.call("mach_vm_allocate", port, { address: at, size: 4n * PAGE, flags: 0 });
  assert.equal(again.kr, KERN_SUCCESS);
  assert.deepEqual(await regions(dbg, port, at, 1), [[at, 4n * PAGE, VM_INHERIT_COPY, 0]]);
  assertInvariant(kernel);
});

test("mach_vm_behavior_set / vm_behavior_set: persistent behaviors need the range mapped and clip; immediate ones follow their own rules", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 3);
  const set = (address: bigint, size: bigint, new_behavior: number, on = port) => dbg.thread.call("mach_vm_behavior_set", on, { address, size, new_behavior });
  assert.equal((await set(at, PAGE, A.VM_BEHAVIOR_RANDOM, await namePort(dbg, port))).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await set(at, -at, A.VM_BEHAVIOR_RANDOM)).kr, KERN_INVALID_ARGUMENT, "start + size wraps");
  assert.equal((await set(at, 0n, 99)).kr, KERN_SUCCESS, "a size of 0 is success before the behavior is looked at");
  assert.equal((await set(0x7fffffe00000n, PAGE, 99)).kr, KERN_NO_SPACE, "beyond the map: before the behavior is looked at");
  assert.equal((await set(-PAGE, PAGE - 1n, A.VM_BEHAVIOR_RANDOM)).kr, KERN_NO_SPACE, "the rounded end wraps to 0: start > end");
  assert.equal((await set(at, PAGE, 99)).kr, KERN_INVALID_ARGUMENT, "no such behavior");
  assert.equal((await set(at, PAGE, A.VM_BEHAVIOR_PAGEOUT)).kr, KERN_INVALID_ARGUMENT, "a development kernel's only");
  assert.equal((await set(at + 2n * PAGE, 2n * PAGE, A.VM_BEHAVIOR_SEQUENTIAL)).kr, KERN_INVALID_ADDRESS, "running off the end");
  assert.equal((await set(at - PAGE, 2n * PAGE, A.VM_BEHAVIOR_SEQUENTIAL)).kr, KERN_INVALID_ADDRESS, "starting in a hole");
  assert.equal((await set(at + PAGE, PAGE, A.VM_BEHAVIOR_SEQUENTIAL)).kr, KERN_SUCCESS);
  assert.deepEqual(
    (await regions(dbg, port, at, 3)).map((r) => r[3]),
    [A.VM_BEHAVIOR_DEFAULT, A.VM_BEHAVIOR_SEQUENTIAL, A.VM_BEHAVIOR_DEFAULT],
  );
  assert.equal((await dbg.thread.call("vm_behavior_set", port, { address: at, size: 3n * PAGE, new_behavior: A.VM_BEHAVIOR_ZERO_WIRED_PAGES })).kr, KERN_SUCCESS);
  assert.deepEqual(
    (await regions(dbg, port, at, 3)).map((r) => r[3]),
    [A.VM_BEHAVIOR_DEFAULT, A.VM_BEHAVIOR_SEQUENTIAL, A.VM_BEHAVIOR_DEFAULT],
    "zero-wired-pages is a flag of its own, not the behavior",
  );
  for (const b of [A.VM_BEHAVIOR_WILLNEED, A.VM_BEHAVIOR_DONTNEED, A.VM_BEHAVIOR_FREE, A.VM_BEHAVIOR_REUSABLE, A.VM_BEHAVIOR_REUSE, A.VM_BEHAVIOR_CAN_REUSE]) {
    assert.equal((await set(at, 3n * PAGE, b)).kr, KERN_SUCCESS, `behavior ${b} on mapped memory`);
    assert.equal((await set(at, 4n * PAGE, b)).kr, KERN_INVALID_ADDRESS, `behavior ${b} over a hole`);
  }
  assertInvariant(kernel);
});

test("mach_vm_msync / vm_msync: KERN_INVALID_TASK for no map, both sync kinds refused, a hole matters only with VM_SYNC_CONTIGUOUS", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  const bytes = new TextEncoder().encode("kept");
  assert.ok(target.task.vm.write(at, bytes));
  const msync = (address: bigint, size: bigint, sync_flags: number, on = port) => dbg.thread.call("mach_vm_msync", on, { address, size, sync_flags });
  assert.equal((await msync(at, PAGE, A.VM_SYNC_SYNCHRONOUS, await namePort(dbg, port))).kr, KERN_INVALID_TASK);
  assert.equal((await msync(at, PAGE, A.VM_SYNC_SYNCHRONOUS | A.VM_SYNC_ASYNCHRONOUS)).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await msync(at, 0n, A.VM_SYNC_SYNCHRONOUS | A.VM_SYNC_CONTIGUOUS)).kr, KERN_SUCCESS, "nothing to sync");
  assert.equal((await msync(at + 1n, 2n * PAGE - 1n, A.VM_SYNC_SYNCHRONOUS | A.VM_SYNC_CONTIGUOUS)).kr, KERN_SUCCESS);
  assert.equal((await msync(at, 3n * PAGE, A.VM_SYNC_SYNCHRONOUS)).kr, KERN_SUCCESS, "a hole without VM_SYNC_CONTIGUOUS");
  assert.equal((await msync(at, 3n * PAGE, A.VM_SYNC_SYNCHRONOUS | A.VM_SYNC_CONTIGUOUS)).kr, KERN_INVALID_ADDRESS);
  assert.equal((await dbg.thread.call("vm_msync", port, { address: at - PAGE, size: PAGE + 1n, sync_flags: A.VM_SYNC_CONTIGUOUS })).kr, KERN_INVALID_ADDRESS, "a hole first");
  assert.equal((await msync(at, 2n * PAGE, A.VM_SYNC_INVALIDATE | A.VM_SYNC_KILLPAGES)).kr, KERN_SUCCESS);
  assert.deepEqual(target.task.vm.read(at, 4), bytes, "anonymous memory has no pager: its bytes are what they were");
  assertInvariant(kernel);
});

test("mach_vm_machine_attribute / vm_machine_attribute: x86_64's pmap answers KERN_INVALID_ADDRESS; MATTR_CACHE walks the entries first", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  const attr = (address: bigint, size: bigint, attribute: number, value = A.MATTR_VAL_CACHE_FLUSH, on = port) =>
    dbg.thread.call("mach_vm_machine_attribute", on, { address, size, attribute, value });
  assert.equal((await attr(at, PAGE, A.MATTR_CACHE, 0, await namePort(dbg, port))).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await attr(at, -at, A.MATTR_CACHE)).kr, KERN_INVALID_ARGUMENT, "start + size wraps");
  const zero = await attr(at, 0n, A.MATTR_MIGRATE, 42);
  assert.equal(zero.kr, KERN_SUCCESS, "a size of 0");
  if (zero.kr === KERN_SUCCESS) assert.equal(zero.value, 42, "the value as it came");
  assert.equal((await attr(0x7fffffe00000n, PAGE, A.MATTR_CACHE)).kr, KERN_INVALID_ADDRESS, "beyond the map");
  assert.equal((await attr(at, PAGE, A.MATTR_MIGRATE)).kr, KERN_INVALID_ADDRESS, "pmap_attribute");
  assert.equal((await dbg.thread.call("vm_machine_attribute", port, { address: at, size: PAGE, attribute: A.MATTR_REPLICATE, value: A.MATTR_VAL_GET })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await attr(at, 3n * PAGE, A.MATTR_CACHE)).kr, KERN_FAILURE, "a hole in the walk");
  assert.equal((await attr(at - PAGE, PAGE, A.MATTR_CACHE)).kr, KERN_FAILURE, "nothing mapped");
  assert.equal((await attr(at, 2n * PAGE, A.MATTR_CACHE)).kr, KERN_INVALID_ADDRESS, "resident pages: pmap_attribute_cache_sync");
  assertInvariant(kernel);
});

test("mach_vm_page_query / vm_map_page_query / mach_vm_page_info: a simulated page is resident in its region's object; the flavor and count are checked first", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  const name = await namePort(dbg, port);
  assert.equal((await dbg.thread.call("mach_vm_page_query", name, { offset: at })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await dbg.thread.call("mach_vm_page_query", port, { offset: at + 2n * PAGE })).kr, KERN_INVALID_ADDRESS);
  const q = await dbg.thread.call("vm_map_page_query", port, { offset: at + PAGE + 9n });
  assert.equal(q.kr, KERN_SUCCESS);
  if (q.kr === KERN_SUCCESS) assert.deepEqual([q.disposition, q.ref_count], [A.VM_PAGE_QUERY_PAGE_PRESENT, 1]);
  assert.equal((await dbg.thread.call("mach_vm_page_info", name, { address: at, flavor: A.VM_PAGE_INFO_BASIC })).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await dbg.thread.call("mach_vm_page_info", port, { address: at, flavor: 2 })).kr, KERN_INVALID_ARGUMENT, "no such flavor");
  assert.equal((await dbg.thread.call("mach_vm_page_info", port, { address: 0n, flavor: A.VM_PAGE_INFO_BASIC, infoCnt: 6 })).kr, KERN_INVALID_ARGUMENT, "the count before the address");
  assert.equal((await dbg.thread.call("mach_vm_page_info", port, { address: 0n, flavor: A.VM_PAGE_INFO_BASIC, infoCnt: A.VM_PAGE_INFO_BASIC_COUNT })).kr, KERN_INVALID_ADDRESS);
  const info = await dbg.thread.call("mach_vm_page_info", port, { address: at + PAGE + 9n, flavor: A.VM_PAGE_INFO_BASIC, infoCnt: A.VM_PAGE_INFO_BASIC_COUNT });
  assert.equal(info.kr, KERN_SUCCESS);
  if (info.kr === KERN_SUCCESS) {
    assert.equal(info.infoCnt, A.VM_PAGE_INFO_BASIC_COUNT);
    const b = decodeLayout(A.VM_PAGE_INFO_BASIC_LAYOUT, info.info);
    assert.deepEqual([b.disposition, b.refCount, b.offset, b.depth], [A.VM_PAGE_QUERY_PAGE_PRESENT, 1, PAGE + 9n, 0], "the offset in the object, with the offset in the page");
  }
  const short = await dbg.thread.call("mach_vm_page_info", port, { address: at, flavor: A.VM_PAGE_INFO_BASIC, infoCnt: A.VM_PAGE_INFO_BASIC_COUNT - 1 });
  assert.equal(short.kr, KERN_SUCCESS, "one word short: the structure's late padding");
  if (short.kr === KERN_SUCCESS) assert.equal(short.infoCnt, A.VM_PAGE_INFO_BASIC_COUNT - 1);
  assertInvariant(kernel);
});

test("mach_vm_purgable_control / vm_purgable_control: on memory allocated VM_FLAGS_PURGABLE, states set and read back; other memory refused in vm_map.c's order", async () => {
  const { kernel, dbg, target, port } = scene();
  const plain = allocate(target, 1);
  const purgeable = allocate(target, 2, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE);
  assert.ok(target.task.vm.write(purgeable, new Uint8Array([7, 7, 7])));
  const ctl = (address: bigint, control: number, state: number, on = port) => dbg.thread.call("mach_vm_purgable_control", on, { address, control, state });
  assert.equal((await ctl(purgeable, A.VM_PURGABLE_GET_STATE, 0, await namePort(dbg, port))).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await ctl(purgeable, 3, 0)).kr, KERN_INVALID_ARGUMENT, "no such control");
  assert.equal((await ctl(purgeable, A.VM_PURGABLE_SET_STATE, 1 << 20)).kr, KERN_INVALID_ARGUMENT, "a state bit outside VM_PURGABLE_ALL_MASKS");
  assert.equal((await ctl(0n, A.VM_PURGABLE_PURGE_ALL, 0)).kr, KERN_SUCCESS, "purge all: before any address is looked at");
  assert.equal((await ctl(0x1000n, A.VM_PURGABLE_GET_STATE, 0)).kr, KERN_INVALID_ADDRESS);
  assert.equal((await ctl(plain, A.VM_PURGABLE_GET_STATE, 0)).kr, KERN_INVALID_ARGUMENT, "not a purgeable object");
  const get = async (address: bigint): Promise<number> => {
    const r = await ctl(address, A.VM_PURGABLE_GET_STATE, 0);
    assert.equal(r.kr, KERN_SUCCESS);
    return r.kr === KERN_SUCCESS ? r.state : -1;
  };
  assert.equal(await get(purgeable + PAGE + 1n), A.VM_PURGABLE_NONVOLATILE, "any address in it, page-truncated");
  const set = async (state: number): Promise<number> => {
    const r = await dbg.thread.call("vm_purgable_control", port, { address: purgeable, control: A.VM_PURGABLE_SET_STATE, state });
    assert.equal(r.kr, KERN_SUCCESS);
    return r.kr === KERN_SUCCESS ? r.state : -1;
  };
  assert.equal(await set(A.VM_PURGABLE_VOLATILE), A.VM_PURGABLE_NONVOLATILE, "SET_STATE gives the old state");
  assert.equal(await get(purgeable), A.VM_PURGABLE_VOLATILE);
  assert.deepEqual([...target.task.vm.read(purgeable, 3)!], [7, 7, 7], "volatile: kept until the system purges it");
  assert.equal(await set(A.VM_PURGABLE_EMPTY), A.VM_PURGABLE_VOLATILE);
  assert.deepEqual([...target.task.vm.read(purgeable, 3)!], [0, 0, 0], "emptied: purged");
  assert.equal(await set(A.VM_PURGABLE_VOLATILE), A.VM_PURGABLE_EMPTY);
  assert.equal(await get(purgeable), A.VM_PURGABLE_EMPTY, "an empty object with no pages stays empty when made volatile");
  assert.equal(await set(A.VM_PURGABLE_NONVOLATILE), A.VM_PURGABLE_EMPTY);
  assert.equal(await set(A.VM_PURGABLE_DENY), A.VM_PURGABLE_NONVOLATILE);
  assert.equal((await ctl(purgeable, A.VM_PURGABLE_GET_STATE, 0)).kr, KERN_INVALID_ARGUMENT, "denied: no longer purgeable");
  // Write access is checked before the object.
  const ro = allocate(target, 1, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE);
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: ro, size: PAGE, set_maximum: 0, new_protection: VM_PROT_READ })).kr, KERN_SUCCESS);
  assert.equal((await ctl(ro, A.VM_PURGABLE_GET_STATE, 0)).kr, KERN_PROTECTION_FAILURE);
  // vm_map_enter bounds a purgeable object.
  assert.equal((await dbg.thread.call("mach_vm_allocate", port, { address: 0n, size: 0x100000000n, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("mach_vm_read_list / vm_read_list: each entry copied into the caller's map, a failed one zeroed, the last entry's code answers", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  assert.ok(target.task.vm.write(at, new TextEncoder().encode("first")));
  assert.ok(target.task.vm.write(at + PAGE, new TextEncoder().encode("second")));
  const list = (pairs: [bigint, bigint][]): Uint8Array => {
    const b = new Uint8Array(A.VM_MAP_ENTRY_MAX * 16);
    const v = new DataView(b.buffer);
    pairs.forEach(([a, s], i) => {
      v.setBigUint64(16 * i, a, true);
      v.setBigUint64(16 * i + 8, s, true);
    });
    return b;
  };
  const entry = (b: Uint8Array, i: number): [bigint, bigint] => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return [v.getBigUint64(16 * i, true), v.getBigUint64(16 * i + 8, true)];
  };
  assert.equal((await dbg.thread.call("mach_vm_read_list", await namePort(dbg, port), { data_list: list([]), count: 0 })).kr, KERN_INVALID_ARGUMENT, "no map");
  assert.equal((await dbg.thread.call("mach_vm_read_list", port, { data_list: list([]), count: A.VM_MAP_ENTRY_MAX + 1 })).kr, KERN_INVALID_ARGUMENT, "past VM_MAP_ENTRY_MAX");
  const regionsBefore = dbg.task.vm.regionCount;
  const r = await dbg.thread.call("mach_vm_read_list", port, {
    data_list: list([
      [at, 5n],
      [0x1000n, 8n],
      [at + PAGE, 6n],
      [at, 0n],
    ]),
    count: 4,
  });
  assert.equal(r.kr, KERN_SUCCESS, "the failure in the middle is hidden by the later success");
  if (r.kr === KERN_SUCCESS) {
    const [a0, s0] = entry(r.data_list, 0);
    assert.equal(s0, 5n);
    assert.equal(new TextDecoder().decode(dbg.task.vm.read(a0, 5)!), "first");
    assert.deepEqual(entry(r.data_list, 1), [0n, 0n], "unmapped: zeroed");
    const [a2] = entry(r.data_list, 2);
    assert.equal(new TextDecoder().decode(dbg.task.vm.read(a2, 6)!), "second");
    assert.deepEqual(entry(r.data_list, 3), [0n, 0n], "a size of 0 is not copied");
    assert.equal(dbg.task.vm.regionCount, regionsBefore + 2);
  }
  const bad = await dbg.thread.call("vm_read_list", port, {
    data_list: list([
      [at, 5n],
      [at + 2n * PAGE, 8n],
    ]),
    count: 2,
  });
  assert.equal(bad.kr, KERN_INVALID_ADDRESS, "the last entry failed");
  assert.equal(dbg.task.vm.regionCount, regionsBefore + 3, "what was copied out before stays in the caller's map");
  assertInvariant(kernel);
});

/** A process outside the server as the server attaches it: `entries` for its maps, `pagemap` words by page. */

const PRESENT = 1n << 63n;
const SWAPPED = 1n << 62n;
const FILE_PAGE = 1n << 61n;

test("a process outside the server: what would change its map is KERN_NOT_SUPPORTED after the same checks; queries read its maps and pagemap", async () => {
  const { kernel, dbg, target, port } = scene();
  const anon = 0x7f0000000000n;
  const file = anon + 0x10000n;
  const shared = file + 0x10000n;
  const bytes = new Uint8Array(0x30000);
  bytes.set(new TextEncoder().encode("process bytes"));
  const resident = new Set([anon / PAGE, (file + PAGE) / PAGE, shared / PAGE]);
  attachProcessMemory(
    target.task,
    fakeProcess(
      [
        { start: anon, end: anon + 0x10000n },
        { start: file, end: file + 0x10000n, externalPager: true, shareMode: SM_COW, offset: 0x3000n },
        { start: shared, end: shared + 0x10000n, externalPager: true, shared: true, shareMode: SM_SHARED, inheritance: VM_INHERIT_SHARE },
      ],
      (page) => (resident.has(page) ? PRESENT : 0n) | (page === anon / PAGE + 1n ? SWAPPED : 0n) | (page === (file + PAGE) / PAGE || page === file / PAGE || page === shared / PAGE ? FILE_PAGE : 0n),
      bytes,
    ),
  );
  // inherit: the checks, then a range with mappings cannot be changed from outside; one without has nothing to change.
  assert.equal((await dbg.thread.call("mach_vm_inherit", port, { address: anon, size: -anon, new_inheritance: VM_INHERIT_NONE })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await dbg.thread.call("mach_vm_inherit", port, { address: anon, size: PAGE, new_inheritance: VM_INHERIT_NONE })).kr, KERN_NOT_SUPPORTED);
  assert.equal((await dbg.thread.call("mach_vm_inherit", port, { address: 0x10000n, size: PAGE, new_inheritance: VM_INHERIT_NONE })).kr, KERN_SUCCESS);
  // behavior_set: a persistent behavior is the entry's, which Linux keeps from outside reach; advice may be taken or left.
  assert.equal((await dbg.thread.call("mach_vm_behavior_set", port, { address: anon, size: PAGE, new_behavior: A.VM_BEHAVIOR_RANDOM })).kr, KERN_NOT_SUPPORTED);
  assert.equal((await dbg.thread.call("mach_vm_behavior_set", port, { address: anon, size: 0x30000n, new_behavior: A.VM_BEHAVIOR_WILLNEED })).kr, KERN_SUCCESS, "three entries, no hole");
  assert.equal((await dbg.thread.call("mach_vm_behavior_set", port, { address: anon, size: 0x31000n, new_behavior: A.VM_BEHAVIOR_DONTNEED })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await dbg.thread.call("mach_vm_behavior_set", port, { address: anon, size: PAGE, new_behavior: 99 })).kr, KERN_INVALID_ARGUMENT);
  // msync: a shared file mapping cannot be written back synchronously from here; the rest has no pager.
  assert.equal((await dbg.thread.call("mach_vm_msync", port, { address: anon, size: 0x20000n, sync_flags: A.VM_SYNC_SYNCHRONOUS | A.VM_SYNC_CONTIGUOUS })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_msync", port, { address: shared, size: PAGE, sync_flags: A.VM_SYNC_SYNCHRONOUS })).kr, KERN_NOT_SUPPORTED);
  assert.equal((await dbg.thread.call("mach_vm_msync", port, { address: shared, size: PAGE, sync_flags: A.VM_SYNC_ASYNCHRONOUS })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_msync", port, { address: shared, size: 0x20000n, sync_flags: A.VM_SYNC_ASYNCHRONOUS | A.VM_SYNC_CONTIGUOUS })).kr, KERN_INVALID_ADDRESS);
  // machine_attribute MATTR_CACHE: a resident page answers as pmap_attribute_cache_sync; none resident is success.
  assert.equal((await dbg.thread.call("mach_vm_machine_attribute", port, { address: anon, size: PAGE, attribute: A.MATTR_CACHE, value: 0 })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await dbg.thread.call("mach_vm_machine_attribute", port, { address: anon + 2n * PAGE, size: 2n * PAGE, attribute: A.MATTR_CACHE, value: 0 })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_machine_attribute", port, { address: anon - PAGE, size: 2n * PAGE, attribute: A.MATTR_CACHE, value: 0 })).kr, KERN_FAILURE);
  // page_info from pagemap.
  const page = async (address: bigint) => {
    const r = await dbg.thread.call("mach_vm_page_info", port, { address, flavor: A.VM_PAGE_INFO_BASIC, infoCnt: A.VM_PAGE_INFO_BASIC_COUNT });
    assert.equal(r.kr, KERN_SUCCESS);
    if (r.kr !== KERN_SUCCESS) return null;
    const b = decodeLayout(A.VM_PAGE_INFO_BASIC_LAYOUT, r.info);
    return [b.disposition, b.refCount, b.offset, b.depth];
  };
  assert.deepEqual(await page(anon), [A.VM_PAGE_QUERY_PAGE_PRESENT, 1, 0n, 0]);
  assert.deepEqual(await page(anon + PAGE), [A.VM_PAGE_QUERY_PAGE_PAGED_OUT, 1, PAGE, 0], "swapped");
  assert.deepEqual(await page(anon + 2n * PAGE), [0, 0, 2n * PAGE, 0], "never touched: no object yet");
  assert.deepEqual(await page(file + PAGE), [A.VM_PAGE_QUERY_PAGE_PRESENT | A.VM_PAGE_QUERY_PAGE_EXTERNAL, 1, 0x4000n, 1], "the file's page, under the private mapping's copy object");
  assert.deepEqual(await page(file + 2n * PAGE), [A.VM_PAGE_QUERY_PAGE_EXTERNAL, 1, 0x5000n, 1], "not resident: still the file's");
  assert.deepEqual(await page(shared), [A.VM_PAGE_QUERY_PAGE_PRESENT | A.VM_PAGE_QUERY_PAGE_EXTERNAL, 1, 0n, 0]);
  // A private file page written to is the mapping's own copy.
  resident.add((file + 3n * PAGE) / PAGE);
  assert.deepEqual(await page(file + 3n * PAGE), [A.VM_PAGE_QUERY_PAGE_PRESENT | A.VM_PAGE_QUERY_PAGE_COPIED, 1, 0x6000n, 0]);
  const q = await dbg.thread.call("mach_vm_page_query", port, { offset: anon + PAGE });
  assert.equal(q.kr, KERN_SUCCESS);
  if (q.kr === KERN_SUCCESS) assert.equal(q.disposition, A.VM_PAGE_QUERY_PAGE_PAGED_OUT);
  // Linux memory is never a purgeable object.
  assert.equal((await dbg.thread.call("mach_vm_purgable_control", port, { address: anon, control: A.VM_PURGABLE_GET_STATE, state: 0 })).kr, KERN_INVALID_ARGUMENT);
  // read_list reads the process into an in-process caller's map.
  const list = new Uint8Array(A.VM_MAP_ENTRY_MAX * 16);
  const v = new DataView(list.buffer);
  v.setBigUint64(0, anon, true);
  v.setBigUint64(8, 13n, true);
  const r = await dbg.thread.call("mach_vm_read_list", port, { data_list: list, count: 1 });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr === KERN_SUCCESS) {
    const got = new DataView(r.data_list.buffer, r.data_list.byteOffset).getBigUint64(0, true);
    assert.equal(new TextDecoder().decode(dbg.task.vm.read(got, 13)!), "process bytes");
  }
  // A caller that is itself a process outside the server cannot be given memory from here.
  attachProcessMemory(dbg.task, fakeProcess([{ start: anon, end: anon + PAGE }], () => 0n));
  assert.equal((await dbg.thread.call("mach_vm_read_list", port, { data_list: list, count: 1 })).kr, KERN_NOT_SUPPORTED);
  assertInvariant(kernel);
});
