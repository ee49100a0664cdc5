/**
 * The mach_vm (4800) and vm_map (3800) subsystems on another in-process task's simulated memory:
 * what a debugger holding the task port reads, writes and walks, with vm_user.c's checks in order
 * and vm_map_copyin's codes (a small copy faults as KERN_INVALID_ADDRESS, a large one per entry
 * as KERN_PROTECTION_FAILURE), the 32-bit forms' VM_MAX_ADDRESS check, and MIG's reply layout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertInvariant, Msg, type Actor } from "../helpers/kernel.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_NOT_SUPPORTED,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_OBJECT,
  KERN_PROTECTION_FAILURE,
  KERN_RESOURCE_SHORTAGE,
  KERN_SUCCESS,
} from "../../src/abi/kern_return.js";
import { MACH_MSGH_BITS_COMPLEX, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import { VM_FLAGS_ANYWHERE, VM_PROT_ALL, VM_PROT_DEFAULT, VM_PROT_NONE, VM_PROT_READ } from "../../src/abi/vm.js";
import {
  SM_PRIVATE,
  VM_INHERIT_DEFAULT,
  VM_REGION_BASIC_INFO,
  VM_REGION_BASIC_INFO_64,
  VM_REGION_BASIC_INFO_COUNT,
  VM_REGION_SUBMAP_INFO_64_LAYOUT,
  VM_REGION_SUBMAP_INFO_V1_COUNT_64,
  VM_REGION_SUBMAP_SHORT_INFO_COUNT_64,
  VM_REGION_TOP_INFO,
} from "../../src/abi/vm_region.js";
import { decodeInfo, decodeLayout } from "../../src/abi/info.js";
import { debuggerScene } from "../helpers/vm.js";

const PAGE = 4096;

const scene = debuggerScene;

/** The target allocates `pages` pages of its own (the trap, as its libsystem would) and puts `text` at their start. */
function targetMemory(t: Actor, pages: number, text = ""): bigint {
  const r = t.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: t.self, addr: 0n, size: BigInt(pages * PAGE), flags: VM_FLAGS_ANYWHERE }) as { kr: number; addr: bigint };
  assert.equal(r.kr, KERN_SUCCESS);
  if (text) assert.ok(t.task.vm.write(r.addr, new TextEncoder().encode(text)));
  return r.addr;
}

test("mach_vm_read as raw MIG bytes: the data comes back out of line in the caller's map, MIG's 56-byte complex reply", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = targetMemory(target, 1, "hello from the target");
  const m = new Msg(256)
    .header({ bits: MACH_MSG_TYPE_COPY_SEND | (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8), size: 48, remote: port, local: dbg.reply, id: 4804 })
    .ndr(24);
  m.view.setBigUint64(32, at, true);
  m.view.setBigUint64(40, 21n, true);
  const kr = await dbg.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG, 48, m.buf.length, dbg.reply, 0, 0);
  assert.equal(kr, KERN_SUCCESS);
  assert.equal(m.view.getInt32(20, true), 4904, "reply id");
  assert.ok(m.view.getUint32(0, true) & MACH_MSGH_BITS_COMPLEX, "complex: an OOL descriptor");
  assert.equal(m.view.getUint32(4, true), 56, "header, body, OOL descriptor, NDR, dataCnt");
  assert.equal(m.view.getUint32(24, true), 1, "one descriptor");
  const address = m.view.getBigUint64(28, true);
  assert.equal(m.view.getUint32(40, true), 21, "descriptor size");
  assert.equal(m.view.getUint32(52, true), 21, "dataCnt");
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(address, 21)!), "hello from the target");
  dbg.task.vm.deallocate(address, 21);
  assertInvariant(kernel);
});

test("mach_vm_read's checks in vm_user.c's order: no map, a size over 32 bits, unmapped, protections small and large, the server's bound", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = targetMemory(target, 3, "x");
  const read = (address: bigint, size: bigint, on = port) => dbg.thread.call("mach_vm_read", on, { address, size });
  // A name port (or any port that is not a task's) converts to VM_MAP_NULL.
  const name = await dbg.thread.call("task_get_special_port", port, { which_port: 3 });
  assert.equal(name.kr, KERN_SUCCESS);
  if (name.kr === KERN_SUCCESS) assert.equal((await read(at, 1n, name.special_port)).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await read(at, 1n << 32n)).kr, KERN_INVALID_ARGUMENT, "the count would not fit");
  assert.equal((await read(0n, 16n)).kr, KERN_INVALID_ADDRESS);
  assert.equal((await read(at + BigInt(3 * PAGE), 16n)).kr, KERN_INVALID_ADDRESS, "just past the region");
  assert.equal((await read(at + BigInt(2 * PAGE), BigInt(2 * PAGE))).kr, KERN_INVALID_ADDRESS, "running off its end");
  const zero = await read(at, 0n);
  assert.equal(zero.kr, KERN_SUCCESS);
  if (zero.kr === KERN_SUCCESS) assert.equal(zero.data.byteLength, 0);
  // The target takes read access away from its own pages.
  const p = target.thread.trap("_kernelrpc_mach_vm_protect_trap", { target: target.self, address: at, size: BigInt(3 * PAGE), set_maximum: 0, new_protection: VM_PROT_NONE }) as { kr: number };
  assert.equal(p.kr, KERN_SUCCESS);
  assert.equal((await read(at, 16n)).kr, KERN_INVALID_ADDRESS, "under two pages: a kernel-buffer copyin, which faults");
  assert.equal((await read(at, BigInt(3 * PAGE))).kr, KERN_PROTECTION_FAILURE, "two pages and more: an entry without VM_PROT_READ");
  assertInvariant(kernel);
  // The copy a task's memory can make the kernel hold is bounded: a mapped range beyond it is refused before it is copied.
  const big = dbg.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: dbg.self, addr: 0n, size: 40n << 20n, flags: VM_FLAGS_ANYWHERE }) as { kr: number; addr: bigint };
  const big2 = dbg.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: dbg.self, addr: big.addr + (40n << 20n), size: 24n << 20n, flags: 0 }) as { kr: number };
  assert.equal(big.kr, KERN_SUCCESS);
  assert.equal(big2.kr, KERN_SUCCESS);
  assert.equal((await read(big.addr, (64n << 20n) + 1n, dbg.self)).kr, KERN_INVALID_ADDRESS, "one byte past the end is unmapped");
  const all = await read(big.addr, 64n << 20n, dbg.self);
  assert.equal(all.kr, KERN_SUCCESS, "64 MiB, the bound, is held");
  if (all.kr === KERN_SUCCESS) assert.equal(all.data.byteLength, 64 << 20);
  assertInvariant(kernel);
});

/** A process's memory as the server attaches it, over a byte array: calls are recorded, and `short` makes every transfer stop `short` bytes early. */
function fakeProcess(base: bigint, bytes: Uint8Array, maxTransfer: number, opts: { short?: number; errno?: number } = {}) {
  const calls: string[] = [];
  const entry = {
    start: base,
    end: base + BigInt(bytes.byteLength),
    protection: VM_PROT_DEFAULT,
    maxProtection: VM_PROT_ALL,
    inheritance: VM_INHERIT_DEFAULT,
    shared: false,
    shareMode: SM_PRIVATE,
    offset: 0n,
    userTag: 0,
    objectId: 1,
    refCount: 1,
    externalPager: false,
    pagesResident: 0,
  };
  const move = (what: string, address: bigint, n: number, f: (at: number, k: number) => void): number => {
    calls.push(`${what} ${n}`);
    if (opts.errno) return -opts.errno;
    const k = Math.max(0, n - (opts.short ?? 0));
    f(Number(address - base), k);
    return k;
  };
  return {
    calls,
    memory: {
      pid: 4242,
      maxTransfer,
      read: (address: bigint, into: Uint8Array) => move("read", address, into.byteLength, (at, k) => into.set(bytes.subarray(at, at + k))),
      write: (address: bigint, data: Uint8Array) => move("write", address, data.byteLength, (at, k) => bytes.set(data.subarray(0, k), at)),
      regions: () => [entry],
    },
  };
}

test("a process's memory: a read beyond the server's bound is KERN_RESOURCE_SHORTAGE before anything is read; a short transfer is never success", async () => {
  const { kernel, dbg, target, port } = scene();
  const { attachProcessMemory } = await import("../../src/kern/vm_remote.js");
  const base = 0x7f0000000000n;
  const bytes = new Uint8Array(4 * PAGE).fill(0x61);
  const fake = fakeProcess(base, bytes, 2 * PAGE);
  attachProcessMemory(target.task, fake.memory);
  const regions = dbg.task.vm.regionCount;
  assert.equal((await dbg.thread.call("mach_vm_read", port, { address: base, size: BigInt(2 * PAGE + 1) })).kr, KERN_RESOURCE_SHORTAGE);
  assert.deepEqual(fake.calls, [], "nothing read");
  assert.equal(dbg.task.vm.regionCount, regions, "nothing mapped in the caller");
  const ok = await dbg.thread.call("mach_vm_read", port, { address: base + 1n, size: BigInt(2 * PAGE) });
  assert.equal(ok.kr, KERN_SUCCESS, "the bound itself is held");
  if (ok.kr === KERN_SUCCESS) assert.ok(ok.data.every((x) => x === 0x61));
  assert.equal((await dbg.thread.call("mach_vm_read", port, { address: base + BigInt(3 * PAGE), size: BigInt(2 * PAGE) })).kr, KERN_INVALID_ADDRESS, "off the mapping's end: not even tried");
  assert.deepEqual(fake.calls, [`read ${2 * PAGE}`]);
  // The copy the server holds for mach_vm_copy is bounded alike.
  assert.equal((await dbg.thread.call("mach_vm_copy", port, { source_address: base, size: BigInt(3 * PAGE), dest_address: base })).kr, KERN_RESOURCE_SHORTAGE);

  const short = fakeProcess(base, bytes, 2 * PAGE, { short: 1 });
  attachProcessMemory(target.task, short.memory);
  assert.equal((await dbg.thread.call("mach_vm_read", port, { address: base, size: 100n })).kr, KERN_INVALID_ADDRESS, "a short read is no data");
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: base, data: new Uint8Array(100) })).kr, KERN_INVALID_ADDRESS, "nor is a short write success");
  for (const [errno, kr] of [
    [14, KERN_INVALID_ADDRESS],
    [3, KERN_INVALID_ARGUMENT],
    [1, KERN_FAILURE],
  ] as const) {
    attachProcessMemory(target.task, fakeProcess(base, bytes, 2 * PAGE, { errno }).memory);
    assert.equal((await dbg.thread.call("mach_vm_read", port, { address: base, size: 100n })).kr, kr, `errno ${errno}`);
  }
  // Changing a process's address space from outside is not something it can be asked to do.
  for (const [name, args] of [
    ["mach_vm_allocate", { address: 0n, size: BigInt(PAGE), flags: VM_FLAGS_ANYWHERE }],
    ["mach_vm_deallocate", { address: base, size: BigInt(PAGE) }],
    ["mach_vm_protect", { address: base, size: BigInt(PAGE), set_maximum: 0, new_protection: VM_PROT_READ }],
  ] as const) assert.equal((await dbg.thread.call(name, port, args as never)).kr, KERN_NOT_SUPPORTED, name);
  // vm_user.c's checks before the map is touched still answer first: a size of 0 changes nothing and succeeds, a wrapping range is refused.
  const none = await dbg.thread.call("mach_vm_allocate", port, { address: 0x1234000n, size: 0n, flags: VM_FLAGS_ANYWHERE });
  assert.equal(none.kr, KERN_SUCCESS);
  if (none.kr === KERN_SUCCESS) assert.equal(none.address, 0x1234000n, "the address as given");
  assert.equal((await dbg.thread.call("mach_vm_allocate", port, { address: 0n, size: 1n, flags: 0x8 })).kr, KERN_INVALID_ARGUMENT, "a flag outside VM_FLAGS_USER_ALLOCATE");
  assert.equal((await dbg.thread.call("mach_vm_deallocate", port, { address: base, size: 0n })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_deallocate", port, { address: base, size: -base })).kr, KERN_INVALID_ARGUMENT, "start + size wraps");
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: base, size: 0n, set_maximum: 0, new_protection: VM_PROT_READ })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: base, size: BigInt(PAGE), set_maximum: 0, new_protection: 0x20 })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("mach_vm_write, vm_write, mach_vm_copy and mach_vm_read_overwrite move bytes the target sees; read-only memory refuses as copyout or per entry", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = targetMemory(target, 3, "original");
  const text = new TextEncoder().encode("patched by the debugger");
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: at, data: text })).kr, KERN_SUCCESS);
  assert.equal(new TextDecoder().decode(target.task.vm.read(at, text.byteLength)!), "patched by the debugger");
  assert.equal((await dbg.thread.call("vm_write", port, { address: at + 8n, data: new TextEncoder().encode("PATCHED") })).kr, KERN_SUCCESS);
  assert.equal((await dbg.thread.call("mach_vm_copy", port, { source_address: at, size: BigInt(text.byteLength), dest_address: at + BigInt(PAGE) })).kr, KERN_SUCCESS);
  assert.equal(new TextDecoder().decode(target.task.vm.read(at + BigInt(PAGE), text.byteLength)!), "patched PATCHEDdebugger");
  // read_overwrite lands in the caller's own memory at the address it gives.
  const mine = targetMemory(dbg, 1);
  const o = await dbg.thread.call("mach_vm_read_overwrite", port, { address: at, size: 7n, data: mine });
  assert.equal(o.kr, KERN_SUCCESS);
  if (o.kr === KERN_SUCCESS) assert.equal(o.outsize, 7n);
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(mine, 7)!), "patched");
  assert.equal((await dbg.thread.call("mach_vm_read_overwrite", port, { address: at, size: 7n, data: 0x10n })).kr, KERN_INVALID_ADDRESS, "the caller's address unmapped");
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: 0x10n, data: text })).kr, KERN_INVALID_ADDRESS);
  target.thread.trap("_kernelrpc_mach_vm_protect_trap", { target: target.self, address: at, size: BigInt(3 * PAGE), set_maximum: 0, new_protection: VM_PROT_READ });
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: at, data: text })).kr, KERN_INVALID_ADDRESS, "a kernel-buffer copy is copied out: a fault");
  assert.equal((await dbg.thread.call("mach_vm_write", port, { address: at, data: new Uint8Array(3 * PAGE) })).kr, KERN_PROTECTION_FAILURE);
  assert.equal(new TextDecoder().decode(target.task.vm.read(at, 7)!), "patched", "nothing written");
  assertInvariant(kernel);
});

test("mach_vm_region / vm_region / vm_region_64 and the recurse forms: the entry holding an address or the next, counts, flavors, and VM_MAX_ADDRESS", async () => {
  const { kernel, dbg, target, port } = scene();
  const at = targetMemory(target, 2);
  const r = await dbg.thread.call("mach_vm_region", port, { address: at - 1n, flavor: VM_REGION_BASIC_INFO_64 });
  assert.equal(r.kr, KERN_SUCCESS);
  if (r.kr === KERN_SUCCESS) {
    assert.equal(r.address, at, "the next region after an unmapped address");
    assert.equal(r.size, BigInt(2 * PAGE));
    assert.equal(r.object_name, 0, "no object port");
    const info = decodeInfo("mach_vm_region", VM_REGION_BASIC_INFO_64, r.info);
    assert.deepEqual([info.protection, info.maxProtection, info.inheritance, info.shared, info.offset], [VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT, 0, 0n]);
  }
  // The legacy flavor reads as the 64-bit structure through mach_vm_region, as the 32-bit one through vm_region.
  const legacy = await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_BASIC_INFO });
  assert.equal(legacy.kr, KERN_SUCCESS);
  if (legacy.kr === KERN_SUCCESS) assert.equal(legacy.infoCnt, 9);
  assert.equal((await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_BASIC_INFO_64, infoCnt: 8 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await dbg.thread.call("mach_vm_region", port, { address: at, flavor: 77 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await dbg.thread.call("mach_vm_region", port, { address: at + BigInt(2 * PAGE), flavor: VM_REGION_BASIC_INFO_64 })).kr, KERN_INVALID_ADDRESS, "nothing after it");
  const top = await dbg.thread.call("mach_vm_region", port, { address: at, flavor: VM_REGION_TOP_INFO });
  assert.equal(top.kr, KERN_SUCCESS);
  if (top.kr === KERN_SUCCESS) assert.equal(decodeInfo("mach_vm_region", VM_REGION_TOP_INFO, top.info).shareMode, SM_PRIVATE);
  // Simulated memory lives above 4 GiB: the vm_map.defs forms refuse it (xnu-3248's 32-bit VM_MAX_ADDRESS).
  assert.ok(at > 0xffe00000n);
  assert.equal((await dbg.thread.call("vm_region", port, { address: at, flavor: VM_REGION_BASIC_INFO, infoCnt: VM_REGION_BASIC_INFO_COUNT })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await dbg.thread.call("vm_region_64", port, { address: at, flavor: VM_REGION_BASIC_INFO_64 })).kr, KERN_INVALID_ADDRESS);
  assert.equal((await dbg.thread.call("vm_region_recurse_64", port, { address: at, nesting_depth: 0 })).kr, KERN_INVALID_ADDRESS);
  const rec = await dbg.thread.call("mach_vm_region_recurse", port, { address: at, nesting_depth: 0 });
  assert.equal(rec.kr, KERN_SUCCESS);
  if (rec.kr === KERN_SUCCESS) {
    assert.equal(rec.infoCnt, VM_REGION_SUBMAP_INFO_V1_COUNT_64);
    assert.equal(rec.nesting_depth, 0);
    const sub = decodeLayout(VM_REGION_SUBMAP_INFO_64_LAYOUT, rec.info);
    assert.deepEqual([sub.protection, sub.maxProtection, sub.shareMode, sub.isSubmap], [VM_PROT_DEFAULT, VM_PROT_ALL, SM_PRIVATE, 0]);
  }
  const short = await dbg.thread.call("mach_vm_region_recurse", port, { address: at, nesting_depth: 0, infoCnt: VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 });
  assert.equal(short.kr, KERN_SUCCESS);
  if (short.kr === KERN_SUCCESS) assert.equal(short.infoCnt, VM_REGION_SUBMAP_SHORT_INFO_COUNT_64);
  assert.equal((await dbg.thread.call("mach_vm_region_recurse", port, { address: at, nesting_depth: 0, infoCnt: 11 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await dbg.thread.call("vm_region_recurse", port, { address: at, nesting_depth: 0, infoCnt: 14 })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("allocate, protect, deallocate and map from another task change an in-process task's simulated memory; a port as object is KERN_INVALID_OBJECT", async () => {
  const { kernel, dbg, target, port } = scene();
  const a = await dbg.thread.call("mach_vm_allocate", port, { address: 0n, size: BigInt(PAGE), flags: VM_FLAGS_ANYWHERE });
  assert.equal(a.kr, KERN_SUCCESS);
  if (a.kr !== KERN_SUCCESS) return;
  assert.ok(target.task.vm.regionAt(a.address), "the target's map has it");
  assert.equal((await dbg.thread.call("vm_protect", port, { address: a.address, size: BigInt(PAGE), set_maximum: 0, new_protection: VM_PROT_READ })).kr, KERN_SUCCESS);
  const r = await dbg.thread.call("mach_vm_region", port, { address: a.address, flavor: VM_REGION_BASIC_INFO_64 });
  if (r.kr === KERN_SUCCESS) assert.equal(decodeInfo("mach_vm_region", VM_REGION_BASIC_INFO_64, r.info).protection, VM_PROT_READ);
  assert.equal((await dbg.thread.call("mach_vm_deallocate", port, { address: a.address, size: BigInt(PAGE) })).kr, KERN_SUCCESS);
  assert.equal(target.task.vm.regionAt(a.address), null);
  assert.equal((await dbg.thread.call("vm_deallocate", port, { address: 0x10000n, size: 0xffffffffffff0000n })).kr, KERN_INVALID_ARGUMENT, "start + size wraps");
  const zero = await dbg.thread.call("mach_vm_allocate", port, { address: 0x5000n, size: 0n, flags: VM_FLAGS_ANYWHERE });
  assert.equal(zero.kr, KERN_SUCCESS);
  if (zero.kr === KERN_SUCCESS) assert.equal(zero.address, 0x5000n, "a size of 0: the address as given");
  const m = await dbg.thread.call("mach_vm_map", port, {
    address: 0n,
    size: BigInt(PAGE),
    mask: 0n,
    flags: VM_FLAGS_ANYWHERE,
    object: 0,
    offset: 0n,
    copy: 0,
    cur_protection: VM_PROT_DEFAULT,
    max_protection: VM_PROT_ALL,
    inheritance: VM_INHERIT_DEFAULT,
  });
  assert.equal(m.kr, KERN_SUCCESS);
  const recv = await dbg.thread.call("mach_port_allocate", dbg.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(recv.kr, KERN_SUCCESS);
  if (recv.kr !== KERN_SUCCESS) return;
  await dbg.thread.call("mach_port_insert_right", dbg.self, { name: recv.name, poly: { name: recv.name, disposition: 20 } });
  const withObject = await dbg.thread.call("vm_map", port, {
    address: 0n,
    size: BigInt(PAGE),
    mask: 0n,
    flags: VM_FLAGS_ANYWHERE,
    object: recv.name,
    offset: 0n,
    copy: 0,
    cur_protection: VM_PROT_DEFAULT,
    max_protection: VM_PROT_ALL,
    inheritance: VM_INHERIT_DEFAULT,
  });
  assert.equal(withObject.kr, KERN_INVALID_OBJECT, "neither a named entry nor a memory object");
  assertInvariant(kernel);
});
