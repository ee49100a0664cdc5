/**
 * mach_vm_remap / vm_remap on in-process tasks' simulated memory, from a debugger holding the
 * target's task port: vm_user.c's and vm_map_remap's checks in order (each refused once), the
 * source walked before the target is looked at, fixed and anywhere placement, page rounding (and
 * VM_FLAGS_RETURN_DATA_ADDR's), copy FALSE sharing the pages and copy TRUE copying them, the
 * protections ANDed over the source entries, and a process outside the server as source and as
 * target. The right accounting is checked after every scenario.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertInvariant, type Actor } from "../helpers/kernel.js";
import { KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { VM_FLAGS_ANYWHERE, VM_FLAGS_OVERWRITE, VM_FLAGS_PURGABLE, VM_PROT_ALL, VM_PROT_DEFAULT, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from "../../src/abi/vm.js";
import { SM_PRIVATE, SM_SHARED, VM_INHERIT_COPY, VM_INHERIT_NONE, VM_INHERIT_SHARE, VM_REGION_BASIC_INFO_64, VM_REGION_EXTENDED_INFO } from "../../src/abi/vm_region.js";
import * as A from "../../src/abi/vm_advice.js";
import { decodeInfo } from "../../src/abi/info.js";
import { attachProcessMemory } from "../../src/kern/vm_remote.js";
import { debuggerScene, fakeProcess, readText, writeText } from "../helpers/vm.js";
import { VM_FLAGS_RESILIENT_CODESIGN, VM_FLAGS_RETURN_DATA_ADDR } from "../../src/kern/vm_remap.js";

const PAGE = 4096n;
const text = (s: string) => new TextEncoder().encode(s);

const scene = debuggerScene;

/** The target's own allocation of `pages` pages (the trap), at `address` when given. */
function allocate(t: Actor, pages: number, address?: bigint): bigint {
  const r = t.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: t.self, addr: address ?? 0n, size: BigInt(pages) * PAGE, flags: address === undefined ? VM_FLAGS_ANYWHERE : 0 }) as {
    kr: number;
    addr: bigint;
  };
  assert.equal(r.kr, KERN_SUCCESS);
  return r.addr;
}

interface RemapArgs {
  target_address?: bigint;
  size?: bigint;
  mask?: bigint;
  flags?: number;
  src_task?: number;
  src_address: bigint;
  copy?: number;
  inheritance?: number;
}

/** mach_vm_remap on `on` (the target map) from `src_task` (the same task by default). */
function remap(dbg: Actor, on: number, a: RemapArgs, routine: "mach_vm_remap" | "vm_remap" = "mach_vm_remap") {
  return dbg.thread.call(routine, on, {
    target_address: 0n,
    size: PAGE,
    mask: 0n,
    flags: VM_FLAGS_ANYWHERE,
    src_task: on,
    copy: 0,
    inheritance: VM_INHERIT_COPY,
    ...a,
  });
}

const read = readText;
const write = writeText;

/** vm_region's view of the entry at `at`: [start, size, protection, max, inheritance, shared, share mode, behavior]. */
async function region(dbg: Actor, port: number, at: bigint): Promise<(bigint | number)[]> {
  const r = await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_BASIC_INFO_64 });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr !== KERN_SUCCESS) return [];
  const b = decodeInfo("mach_vm_region", VM_REGION_BASIC_INFO_64, r.info);
  const x = await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_EXTENDED_INFO });
  assert.equal(x.kr, KERN_SUCCESS);
  const shareMode = x.kr === KERN_SUCCESS ? decodeInfo("mach_vm_region", VM_REGION_EXTENDED_INFO, x.info).shareMode : -1;
  return [r.address, r.size, b.protection, b.maxProtection, b.inheritance, b.shared, shareMode, b.behavior];
}

async function namePort(dbg: Actor, port: number): Promise<number> {
  const n = await dbg.thread.call("task_get_special_port", port, { which_port: 3 });
  assert.equal(n.kr, KERN_SUCCESS);
  return n.kr === KERN_SUCCESS ? n.special_port : 0;
}

test("mach_vm_remap's checks in order: both maps, the user flags, the inheritance and size, then the source, then the target", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  const name = await namePort(dbg, port);
  assert.equal((await remap(dbg, name, { src_task: port, src_address: at })).kr, KERN_INVALID_ARGUMENT, "no target map");
  assert.equal((await remap(dbg, port, { src_task: name, src_address: at })).kr, KERN_INVALID_ARGUMENT, "no source map");
  assert.equal((await remap(dbg, port, { src_address: at, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE })).kr, KERN_INVALID_ARGUMENT, "not a remap flag");
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0x10000 })).kr, KERN_INVALID_ARGUMENT, "superpages are not a remap's");
  assert.equal((await remap(dbg, port, { src_address: at, inheritance: 3 })).kr, KERN_INVALID_ARGUMENT, "past VM_INHERIT_SHARE");
  assert.equal((await remap(dbg, port, { src_address: at, inheritance: -1 })).kr, KERN_INVALID_ARGUMENT, "vm_inherit_t taken unsigned");
  assert.equal((await remap(dbg, port, { src_address: at, size: 0n })).kr, KERN_INVALID_ARGUMENT, "a size of 0 is refused (unlike allocate)");
  // The source is walked first: an unmapped one is KERN_INVALID_ADDRESS whatever the target.
  assert.equal((await remap(dbg, port, { src_address: 0x1000n, flags: 0, target_address: 0n })).kr, KERN_INVALID_ADDRESS, "unmapped source");
  assert.equal((await remap(dbg, port, { src_address: at + PAGE, size: 2n * PAGE })).kr, KERN_INVALID_ADDRESS, "running off the source's end");
  assert.equal((await remap(dbg, port, { src_address: at - PAGE, size: 2n * PAGE })).kr, KERN_INVALID_ADDRESS, "starting in a hole");
  const later = allocate(target, 1, at + 3n * PAGE);
  assert.equal((await remap(dbg, port, { src_address: at, size: 4n * PAGE })).kr, KERN_INVALID_ADDRESS, "a hole in the middle");
  // Then the target (vm_map_remap_range_allocate): fixed.
  const free = at + 16n * PAGE;
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0, target_address: free + PAGE, mask: 2n * PAGE - 1n })).kr, KERN_NO_SPACE, "not aligned to the mask");
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0, target_address: 0n })).kr, KERN_INVALID_ADDRESS, "below the map");
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0, target_address: 0x7fffffe00000n - PAGE, size: 2n * PAGE })).kr, KERN_INVALID_ADDRESS, "past its end");
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0, target_address: later })).kr, KERN_NO_SPACE, "the address is mapped");
  assert.equal((await remap(dbg, port, { src_address: at, flags: 0, target_address: later - PAGE, size: 2n * PAGE })).kr, KERN_NO_SPACE, "the next entry overlaps the end");
  // Anywhere: from the hint up, aligned to the mask; nothing past the map's end.
  assert.equal((await remap(dbg, port, { src_address: at, target_address: 0x7fffffe00000n })).kr, KERN_NO_SPACE, "no room above the hint");
  const aligned = await remap(dbg, port, { src_address: at, mask: 0xfffffn });
  assert.equal(aligned.kr, KERN_SUCCESS);
  if (aligned.kr === KERN_SUCCESS) assert.equal(aligned.target_address & 0xfffffn, 0n, "aligned to mask + 1");
  // vm_remap (3814) is the same routine in vm_address_t terms.
  assert.equal((await remap(dbg, port, { src_address: 0x1000n }, "vm_remap")).kr, KERN_INVALID_ADDRESS);
  assert.equal((await remap(dbg, port, { src_address: at, flags: VM_FLAGS_PURGABLE }, "vm_remap")).kr, KERN_INVALID_ARGUMENT);
  const v = await remap(dbg, port, { src_address: at }, "vm_remap");
  assert.equal(v.kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("copy FALSE shares the pages: a write through either address is seen through the other, both entries are shared, across tasks and after the source goes", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  await write(dbg, port, at + 10n, "the source's bytes");
  const r = await remap(dbg, port, { src_address: at, size: 2n * PAGE, inheritance: VM_INHERIT_NONE });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr !== KERN_SUCCESS) return;
  const to = r.target_address;
  assert.notEqual(to, at);
  assert.deepEqual([r.cur_protection, r.max_protection], [VM_PROT_DEFAULT, VM_PROT_ALL]);
  assert.equal(await read(dbg, port, to + 10n, 18), "the source's bytes");
  await write(dbg, port, to + PAGE, "through the new address");
  assert.equal(await read(dbg, port, at + PAGE, 23), "through the new address");
  await write(dbg, port, at + 10n, "THE SOURCE");
  assert.equal(await read(dbg, port, to + 10n, 10), "THE SOURCE");
  // Both entries are is_shared; the new one has the call's inheritance.
  assert.deepEqual(await region(dbg, port, at), [at, 2n * PAGE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY, 1, SM_SHARED, 0]);
  assert.deepEqual(await region(dbg, port, to), [to, 2n * PAGE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE, 1, SM_SHARED, 0]);
  // Into the debugger's own map from the target's: the same pages in two tasks.
  const mine = await remap(dbg, dbg.self, { src_task: port, src_address: at + PAGE, inheritance: VM_INHERIT_SHARE });
  assert.equal(mine.kr, KERN_SUCCESS);
  if (mine.kr !== KERN_SUCCESS) return;
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(mine.target_address, 23)!), "through the new address");
  dbg.task.vm.write(mine.target_address, text("the debugger's"));
  assert.equal(await read(dbg, port, to + PAGE, 14), "the debugger's");
  // The source deallocated: the other mappings keep the memory (the object's references).
  assert.equal((await dbg.thread.call("mach_vm_deallocate", port, { address: at, size: 2n * PAGE })).kr, KERN_SUCCESS);
  assert.equal(await read(dbg, port, to + PAGE, 14), "the debugger's");
  dbg.task.vm.write(mine.target_address, text("still shared"));
  assert.equal(await read(dbg, port, to + PAGE, 12), "still shared");
  assertInvariant(kernel);
});

test("copy TRUE is a copy made at the call: later writes on either side stay there; the new entry is private", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 1);
  await write(dbg, port, at, "before");
  const r = await remap(dbg, port, { src_address: at, copy: 1 });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr !== KERN_SUCCESS) return;
  const to = r.target_address;
  assert.equal(await read(dbg, port, to, 6), "before");
  await write(dbg, port, at, "SOURCE");
  await write(dbg, port, to + 100n, "copy");
  assert.equal(await read(dbg, port, to, 6), "before");
  assert.equal(await read(dbg, port, at + 100n, 4), "\0\0\0\0");
  assert.deepEqual(await region(dbg, port, to), [to, PAGE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY, 0, SM_PRIVATE, 0]);
  assert.deepEqual((await region(dbg, port, at)).slice(5, 7), [0, SM_PRIVATE], "the source stays private");
  // Into the debugger's map, from the target's.
  const mine = await remap(dbg, dbg.self, { src_task: port, src_address: at, copy: 1 });
  assert.equal(mine.kr, KERN_SUCCESS);
  if (mine.kr === KERN_SUCCESS) assert.equal(new TextDecoder().decode(dbg.task.vm.read(mine.target_address, 6)!), "SOURCE");
  assertInvariant(kernel);
});

test("protections: each new entry keeps its source entry's, the answers are their AND; resilient codesign is read-only; behavior comes along", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 1);
  allocate(target, 1, at + PAGE);
  const protect = (address: bigint, set_maximum: number, new_protection: number) =>
    dbg.thread.call("mach_vm_protect", port, { address, size: PAGE, set_maximum, new_protection });
  assert.equal((await protect(at, 1, VM_PROT_READ | VM_PROT_WRITE)).kr, KERN_SUCCESS);
  assert.equal((await protect(at + PAGE, 0, VM_PROT_READ | VM_PROT_EXECUTE)).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_behavior_set", port, { address: at + PAGE, size: PAGE, new_behavior: A.VM_BEHAVIOR_RANDOM })).kr, KERN_SUCCESS);
  const r = await remap(dbg, port, { src_address: at, size: 2n * PAGE, inheritance: VM_INHERIT_SHARE });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr !== KERN_SUCCESS) return;
  assert.deepEqual([r.cur_protection, r.max_protection], [VM_PROT_READ, VM_PROT_READ | VM_PROT_WRITE], "cur: rw & rx; max: rw & rwx");
  const to = r.target_address;
  assert.deepEqual(await region(dbg, port, to), [to, PAGE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_SHARE, 1, SM_SHARED, 0]);
  assert.deepEqual(await region(dbg, port, to + PAGE), [to + PAGE, PAGE, VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_ALL, VM_INHERIT_SHARE, 1, SM_SHARED, A.VM_BEHAVIOR_RANDOM]);
  // A source without read access is remapped all the same (the pages, not a read of them).
  assert.equal((await protect(at, 0, 0)).kr, KERN_SUCCESS);
  const none = await remap(dbg, port, { src_address: at, copy: 1 });
  assert.equal(none.kr, KERN_SUCCESS);
  if (none.kr === KERN_SUCCESS) assert.deepEqual([none.cur_protection, none.max_protection], [0, VM_PROT_READ | VM_PROT_WRITE]);
  const resilient = await remap(dbg, port, { src_address: at + PAGE, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_RESILIENT_CODESIGN });
  assert.equal(resilient.kr, KERN_SUCCESS);
  if (resilient.kr !== KERN_SUCCESS) return;
  assert.deepEqual([resilient.cur_protection, resilient.max_protection], [VM_PROT_READ, VM_PROT_READ]);
  assert.deepEqual((await region(dbg, port, resilient.target_address)).slice(2, 4), [VM_PROT_READ, VM_PROT_READ]);
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: resilient.target_address, data: text("x") })).kr, KERN_INVALID_ADDRESS, "not writable");
  assert.equal(VM_PROT_WRITE & resilient.cur_protection, 0);
  assertInvariant(kernel);
});

test("page rounding: the source range is whole pages from the truncated address; VM_FLAGS_RETURN_DATA_ADDR covers every page the data touches and answers the data's address", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 3);
  await write(dbg, port, at + PAGE - 8n, "across a page boundary");
  // 0xff8 + 0x20 bytes from the page's end: the old rounding covers one page only.
  const plain = await remap(dbg, port, { src_address: at + PAGE - 8n, size: 0x20n });
  assert.equal(plain.kr, KERN_SUCCESS);
  if (plain.kr !== KERN_SUCCESS) return;
  assert.equal(plain.target_address & (PAGE - 1n), 0n);
  assert.deepEqual((await region(dbg, port, plain.target_address)).slice(0, 2), [plain.target_address, PAGE]);
  assert.equal(await read(dbg, port, plain.target_address + PAGE - 8n, 8), "across a");
  const data = await remap(dbg, port, { src_address: at + PAGE - 8n, size: 0x20n, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR });
  assert.equal(data.kr, KERN_SUCCESS);
  if (data.kr !== KERN_SUCCESS) return;
  assert.equal(data.target_address & (PAGE - 1n), PAGE - 8n, "the data's own address");
  assert.deepEqual((await region(dbg, port, data.target_address)).slice(1, 2), [2n * PAGE], "both pages");
  assert.equal(await read(dbg, port, data.target_address, 22), "across a page boundary");
  // A fixed target address is truncated to its page.
  const fixed = await remap(dbg, port, { src_address: at, flags: 0, target_address: at + 32n * PAGE + 123n });
  assert.equal(fixed.kr, KERN_SUCCESS);
  if (fixed.kr === KERN_SUCCESS) assert.equal(fixed.target_address, at + 32n * PAGE);
  assertInvariant(kernel);
});

test("VM_FLAGS_OVERWRITE: what was mapped at a fixed address goes first; a remap over itself keeps its pages (copy FALSE) or makes them a copy in place (copy TRUE)", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = allocate(target, 2);
  const other = allocate(target, 2, at + 8n * PAGE);
  await write(dbg, port, at, "source");
  await write(dbg, port, other, "overwritten");
  const over = await remap(dbg, port, { src_address: at, size: 2n * PAGE, flags: VM_FLAGS_OVERWRITE, target_address: other });
  assert.equal(over.kr, KERN_SUCCESS);
  assert.equal(await read(dbg, port, other, 6), "source");
  await write(dbg, port, other, "SOURCE");
  assert.equal(await read(dbg, port, at, 6), "SOURCE");
  // Over itself, shared: the same memory stays there.
  const self = await remap(dbg, port, { src_address: at, size: 2n * PAGE, flags: VM_FLAGS_OVERWRITE, target_address: at });
  assert.equal(self.kr, KERN_SUCCESS);
  assert.equal(await read(dbg, port, at, 6), "SOURCE");
  await write(dbg, port, at, "again!");
  assert.equal(await read(dbg, port, other, 6), "again!", "still the pages the other mapping has");
  // Over itself as a copy: the pages are the range's own from now on.
  const inPlace = await remap(dbg, port, { src_address: at, size: 2n * PAGE, flags: VM_FLAGS_OVERWRITE, target_address: at, copy: 1 });
  assert.equal(inPlace.kr, KERN_SUCCESS);
  await write(dbg, port, at, "alone!");
  assert.equal(await read(dbg, port, other, 6), "again!");
  assert.equal(await read(dbg, port, at, 6), "alone!");
  assertInvariant(kernel);
});


test("a process outside the server: as the source it can be copied from, not shared; as the target its map cannot be changed (after the source's checks)", async () => {
  const { kernel, dbg, target, port } = scene();
  const base = 0x7f0000000000n;
  const bytes = new Uint8Array(Number(4n * PAGE));
  bytes.set(text("the process's page"), 16);
  attachProcessMemory(target.task, fakeProcess([{ start: base, end: base + 2n * PAGE }, { start: base + 2n * PAGE, end: base + 4n * PAGE, protection: VM_PROT_READ }], () => 0n, bytes));
  // Copied into the debugger's map: the bytes, the protections of both entries.
  const c = await remap(dbg, dbg.self, { src_task: port, src_address: base, size: 4n * PAGE, copy: 1 });
  assert.equal(c.kr, KERN_SUCCESS);
  if (c.kr !== KERN_SUCCESS) return;
  assert.deepEqual([c.cur_protection, c.max_protection], [VM_PROT_READ, VM_PROT_ALL]);
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(c.target_address + 16n, 18)!), "the process's page");
  assert.equal((await remap(dbg, dbg.self, { src_task: port, src_address: base + 4n * PAGE, copy: 1 })).kr, KERN_INVALID_ADDRESS, "unmapped in the process");
  assert.equal((await remap(dbg, dbg.self, { src_task: port, src_address: base })).kr, KERN_NOT_SUPPORTED, "its pages cannot be shared");
  // As the target: the checks, the source walked, then refused.
  assert.equal((await remap(dbg, port, { src_task: dbg.self, src_address: c.target_address, flags: VM_FLAGS_PURGABLE })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await remap(dbg, port, { src_task: dbg.self, src_address: 0x1000n })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await remap(dbg, port, { src_task: dbg.self, src_address: c.target_address, copy: 1 })).kr, KERN_NOT_SUPPORTED);
  assert.equal((await remap(dbg, port, { src_address: base, copy: 1 })).kr, KERN_NOT_SUPPORTED, "within the process");
  assertInvariant(kernel);
});
