/**
 * Memory entries on in-process tasks: mach_make_memory_entry_64 (and _mach_make_memory_entry,
 * mach_make_memory_entry) in vm_user.c's order for each kind (MAP_MEM_ONLY, NAMED_CREATE,
 * VM_COPY, VM_SHARE, a range of a map, NAMED_REUSE, a range of a parent entry), then mapping the
 * entry with mach_vm_map / vm_map / vm_map_64 (vm_map_enter_mem_object's named-entry checks): the
 * pages shared with the entry's object or copied, the entry living as long as a send right to its
 * port, and the right accounting balanced after every scenario.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertInvariant, type Actor } from "../helpers/kernel.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ADDRESS,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_OBJECT,
  KERN_INVALID_RIGHT,
  KERN_INVALID_TASK,
  KERN_NOT_SUPPORTED,
  KERN_PROTECTION_FAILURE,
  KERN_RESOURCE_SHORTAGE,
  KERN_SUCCESS,
} from "../../src/abi/kern_return.js";
import { VM_FLAGS_ANYWHERE, VM_FLAGS_PURGABLE, VM_PROT_ALL, VM_PROT_DEFAULT, VM_PROT_IS_MASK, VM_PROT_READ, VM_PROT_WRITE } from "../../src/abi/vm.js";
import { SM_TRUESHARED, VM_INHERIT_DEFAULT, VM_REGION_EXTENDED_INFO } from "../../src/abi/vm_region.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import { IKOT_NAMED_ENTRY } from "../../src/abi/ikot.js";
import { decodeInfo } from "../../src/abi/info.js";
import type { IpcPort } from "../../src/ipc/port.js";
import { attachProcessMemory } from "../../src/kern/vm_remote.js";
import { VM_FLAGS_RETURN_DATA_ADDR } from "../../src/kern/vm_remap.js";
import {
  MAP_MEM_IO,
  MAP_MEM_NAMED_CREATE,
  MAP_MEM_NAMED_REUSE,
  MAP_MEM_ONLY,
  MAP_MEM_PURGABLE,
  MAP_MEM_USE_DATA_ADDR,
  MAP_MEM_VM_COPY,
  MAP_MEM_VM_SHARE,
  type NamedEntry,
} from "../../src/kern/vm_named_entry.js";
import { debuggerScene, fakeProcess, readText, writeText } from "../helpers/vm.js";

const PAGE = 4096n;
const text = (s: string) => new TextEncoder().encode(s);

function allocate(t: Actor, pages: number): bigint {
  const r = t.thread.trap("_kernelrpc_mach_vm_allocate_trap", { target: t.self, addr: 0n, size: BigInt(pages) * PAGE, flags: VM_FLAGS_ANYWHERE }) as { kr: number; addr: bigint };
  assert.equal(r.kr, KERN_SUCCESS);
  return r.addr;
}

/** mach_make_memory_entry_64 on `on`: { kr, size, object_handle }. */
function make(a: Actor, on: number, size: bigint, offset: bigint, permission: number, parent_entry = 0) {
  return a.thread.call("mach_make_memory_entry_64", on, { size, offset, permission, parent_entry });
}

/** mach_vm_map of `object` into `on`, anywhere unless flags say otherwise. */
function map(
  a: Actor,
  on: number,
  object: number,
  o: { size?: bigint; offset?: bigint; flags?: number; copy?: number; cur?: number; max?: number; address?: bigint } = {},
  routine: "mach_vm_map" | "vm_map" | "vm_map_64" = "mach_vm_map",
) {
  return a.thread.call(routine, on, {
    address: o.address ?? 0n,
    size: o.size ?? PAGE,
    mask: 0n,
    flags: o.flags ?? VM_FLAGS_ANYWHERE,
    object,
    offset: o.offset ?? 0n,
    copy: o.copy ?? 0,
    cur_protection: o.cur ?? VM_PROT_DEFAULT,
    max_protection: o.max ?? VM_PROT_DEFAULT,
    inheritance: VM_INHERIT_DEFAULT,
  });
}

const read = readText;
const write = writeText;

function entryOf(a: Actor, name: number): NamedEntry {
  const port = a.task.space.objs[a.task.space.lookup(name)] as IpcPort;
  assert.equal(port.kotype, IKOT_NAMED_ENTRY);
  return port.kobject as NamedEntry;
}

const portOf = (a: Actor, name: number) => a.task.space.objs[a.task.space.lookup(name)] as IpcPort;

test("MAP_MEM_NAMED_CREATE: a new object of the rounded size, mapped in two tasks as the same memory; the last send right going destroys the entry, not the mappings", async () => {
  const { kernel, dbg, target, port } = debuggerScene();
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE | MAP_MEM_USE_DATA_ADDR)).kr, KERN_INVALID_ARGUMENT, "no data address for a new object");
  assert.equal((await make(dbg, port, 0x100000000n, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE)).kr, KERN_FAILURE, "past ANON_MAX_SIZE");
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_READ | MAP_MEM_NAMED_CREATE | MAP_MEM_PURGABLE)).kr, KERN_INVALID_ARGUMENT, "purgeable but not writable");
  // The target map is not looked at: a name port (no map) will do.
  const name = await dbg.thread.call("task_get_special_port", port, { which_port: 3 });
  assert.equal(name.kr, KERN_SUCCESS);
  if (name.kr !== KERN_SUCCESS) return;
  const e = await make(dbg, name.special_port, PAGE + 1n, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE);
  assert.equal(e.kr, KERN_SUCCESS);
  if (e.kr !== KERN_SUCCESS) return;
  assert.equal(e.size, 2n * PAGE, "rounded to pages");
  const handle = e.object_handle;
  assert.equal(entryOf(dbg, handle).size, 2n * PAGE);
  const mine = await map(dbg, dbg.self, handle, { size: 2n * PAGE });
  const theirs = await map(dbg, port, handle, { size: PAGE, offset: PAGE });
  assert.equal(mine.kr, KERN_SUCCESS);
  assert.equal(theirs.kr, KERN_SUCCESS);
  if (mine.kr !== KERN_SUCCESS || theirs.kr !== KERN_SUCCESS) return;
  dbg.task.vm.write(mine.address + PAGE + 8n, text("one object"));
  assert.equal(await read(dbg, port, theirs.address + 8n, 10), "one object", "the target's page 0 is the object's page 1");
  await write(dbg, port, theirs.address, "back");
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(mine.address + PAGE, 4)!), "back");
  const x = await dbg.thread.call("mach_vm_region", port, { address: theirs.address, flavor: VM_REGION_EXTENDED_INFO });
  assert.equal(x.kr, KERN_SUCCESS);
  if (x.kr === KERN_SUCCESS) assert.equal(decodeInfo("mach_vm_region", VM_REGION_EXTENDED_INFO, x.info).shareMode, SM_TRUESHARED);
  // The last send right: the port and the entry go; the mappings stay the same memory.
  const entryPort = portOf(dbg, handle);
  assert.equal((await dbg.thread.call("mach_port_deallocate", dbg.self, { name: handle })).kr, KERN_SUCCESS);
  assert.equal(entryPort.active, false);
  await write(dbg, port, theirs.address, "still");
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(mine.address + PAGE, 5)!), "still");
  // A purgeable object maps whole with VM_FLAGS_PURGABLE, and only whole.
  const p = await make(dbg, port, 2n * PAGE, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE | MAP_MEM_PURGABLE);
  assert.equal(p.kr, KERN_SUCCESS);
  if (p.kr !== KERN_SUCCESS) return;
  assert.equal((await map(dbg, port, p.object_handle, { size: PAGE, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE })).kr, KERN_INVALID_ARGUMENT, "not the whole object");
  assert.equal((await map(dbg, port, p.object_handle, { size: 2n * PAGE, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE })).kr, KERN_SUCCESS);
  void target;
  assertInvariant(kernel);
});

test("a range of a map: vm_map_lookup_locked's checks, the size cut at the object's end, the pages shared with the range (or copied), NAMED_REUSE", async () => {
  const { kernel, dbg, target, port } = debuggerScene();
  const at = allocate(target, 2);
  await write(dbg, port, at + 16n, "the range's bytes");
  const name = await dbg.thread.call("task_get_special_port", port, { which_port: 3 });
  assert.equal(name.kr, KERN_SUCCESS);
  if (name.kr !== KERN_SUCCESS) return;
  assert.equal((await make(dbg, name.special_port, PAGE, at, VM_PROT_DEFAULT)).kr, KERN_INVALID_TASK, "no map");
  assert.equal((await make(dbg, port, PAGE, 0x1000n, VM_PROT_DEFAULT)).kr, KERN_INVALID_ADDRESS, "unmapped");
  const e = await make(dbg, port, 8n * PAGE, at, VM_PROT_DEFAULT);
  assert.equal(e.kr, KERN_SUCCESS);
  if (e.kr !== KERN_SUCCESS) return;
  assert.equal(e.size, 2n * PAGE, "as far as the object goes");
  const m = await map(dbg, dbg.self, e.object_handle, { size: 2n * PAGE });
  assert.equal(m.kr, KERN_SUCCESS);
  if (m.kr !== KERN_SUCCESS) return;
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(m.address + 16n, 17)!), "the range's bytes");
  dbg.task.vm.write(m.address + PAGE, text("through the entry"));
  assert.equal(await read(dbg, port, at + PAGE, 17), "through the entry");
  const c = await map(dbg, dbg.self, e.object_handle, { size: PAGE, copy: 1 });
  assert.equal(c.kr, KERN_SUCCESS);
  if (c.kr !== KERN_SUCCESS) return;
  await write(dbg, port, at + 16n, "changed");
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(c.address + 16n, 7)!), "the ran", "copy: the bytes at the call");
  // Mapping checks: the range asked within the entry, page-aligned, the protections within the entry's.
  assert.equal((await map(dbg, dbg.self, e.object_handle, { size: 2n * PAGE, offset: PAGE })).kr, KERN_INVALID_ARGUMENT, "past the entry's end");
  assert.equal((await map(dbg, dbg.self, e.object_handle, { offset: 0x10n })).kr, KERN_INVALID_ARGUMENT, "an offset within a page");
  assert.equal((await map(dbg, dbg.self, e.object_handle, { cur: VM_PROT_ALL })).kr, KERN_INVALID_RIGHT, "execute is not the entry's");
  assert.equal((await map(dbg, dbg.self, e.object_handle, { cur: VM_PROT_ALL | VM_PROT_IS_MASK, max: VM_PROT_ALL | VM_PROT_IS_MASK })).kr, KERN_SUCCESS, "masked to the entry's");
  // vm_map_lookup_locked: what is asked must be allowed; IS_MASK takes what there is.
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: at, size: 2n * PAGE, set_maximum: 0, new_protection: VM_PROT_READ })).kr, KERN_SUCCESS);
  assert.equal((await make(dbg, port, PAGE, at, VM_PROT_DEFAULT)).kr, KERN_PROTECTION_FAILURE);
  const ro = await make(dbg, port, PAGE, at, VM_PROT_DEFAULT | VM_PROT_IS_MASK);
  assert.equal(ro.kr, KERN_SUCCESS);
  if (ro.kr !== KERN_SUCCESS) return;
  assert.equal(entryOf(dbg, ro.object_handle).protection, VM_PROT_READ);
  assert.equal((await map(dbg, dbg.self, ro.object_handle)).kr, KERN_INVALID_RIGHT, "read-write of a read-only entry");
  assert.equal((await map(dbg, dbg.self, ro.object_handle, { cur: VM_PROT_READ, max: VM_PROT_READ })).kr, KERN_SUCCESS);
  // NAMED_REUSE: the same object, offset, protection and size answer the parent itself.
  const again = await make(dbg, port, PAGE, at, VM_PROT_READ | MAP_MEM_NAMED_REUSE, ro.object_handle);
  assert.equal(again.kr, KERN_SUCCESS);
  if (again.kr === KERN_SUCCESS) assert.equal(again.object_handle, ro.object_handle, "the same port, another send right");
  const other = await make(dbg, port, 2n * PAGE, at, VM_PROT_READ | MAP_MEM_NAMED_REUSE, ro.object_handle);
  assert.equal(other.kr, KERN_SUCCESS);
  if (other.kr === KERN_SUCCESS) assert.notEqual(other.object_handle, ro.object_handle, "another size: a new entry");
  // Data addresses: the entry remembers where the data starts in its page; a mapping asking for it answers it.
  const d = await make(dbg, port, 0x20n, at + 0x30n, VM_PROT_READ | MAP_MEM_USE_DATA_ADDR);
  assert.equal(d.kr, KERN_SUCCESS);
  if (d.kr !== KERN_SUCCESS) return;
  assert.equal(d.size, PAGE - 0x30n);
  const dm = await map(dbg, dbg.self, d.object_handle, { size: 0x20n, cur: VM_PROT_READ, max: VM_PROT_READ, flags: VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR });
  assert.equal(dm.kr, KERN_SUCCESS);
  if (dm.kr === KERN_SUCCESS) assert.equal(dm.address & (PAGE - 1n), 0x30n);
  assertInvariant(kernel);
});

test("a parent's range, MAP_MEM_ONLY, and vm_map / vm_map_64 / the other make routines", async () => {
  const { kernel, dbg, port } = debuggerScene();
  const parent = await make(dbg, port, 4n * PAGE, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE);
  assert.equal(parent.kr, KERN_SUCCESS);
  if (parent.kr !== KERN_SUCCESS) return;
  const ph = parent.object_handle;
  assert.equal((await make(dbg, port, 2n * PAGE, 3n * PAGE, VM_PROT_DEFAULT, ph)).kr, KERN_INVALID_ARGUMENT, "past the parent's end");
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_ALL, ph)).kr, KERN_PROTECTION_FAILURE, "more than the parent allows");
  const sub = await make(dbg, port, PAGE, 2n * PAGE, VM_PROT_READ, ph);
  assert.equal(sub.kr, KERN_SUCCESS);
  if (sub.kr !== KERN_SUCCESS) return;
  assert.equal(entryOf(dbg, sub.object_handle).offset, 2n * PAGE);
  const whole = await map(dbg, dbg.self, ph, { size: 4n * PAGE });
  const part = await map(dbg, dbg.self, sub.object_handle, { cur: VM_PROT_READ, max: VM_PROT_READ }, "vm_map");
  assert.equal(whole.kr, KERN_SUCCESS);
  assert.equal(part.kr, KERN_SUCCESS);
  if (whole.kr !== KERN_SUCCESS || part.kr !== KERN_SUCCESS) return;
  dbg.task.vm.write(whole.address + 2n * PAGE, text("page two"));
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(part.address, 8)!), "page two", "the sub-entry is the parent's page 2");
  // MAP_MEM_ONLY: a parent's caching mode; no handle.
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_READ | MAP_MEM_ONLY)).kr, KERN_INVALID_ARGUMENT, "needs a parent");
  const only = await make(dbg, port, PAGE, 0n, VM_PROT_READ | MAP_MEM_ONLY | (MAP_MEM_IO << 24), ph);
  assert.equal(only.kr, KERN_SUCCESS);
  if (only.kr === KERN_SUCCESS) assert.equal(only.object_handle, 0);
  assert.equal(entryOf(dbg, ph).protection >>> 24, MAP_MEM_IO);
  // The vm_map.defs and mach_vm.defs forms.
  const small = await dbg.thread.call("mach_make_memory_entry", port, { size: PAGE, offset: 0n, permission: VM_PROT_READ, parent_entry: ph });
  assert.equal(small.kr, KERN_SUCCESS);
  const mv = await dbg.thread.call("_mach_make_memory_entry", port, { size: PAGE, offset: PAGE, permission: VM_PROT_READ, parent_handle: ph });
  assert.equal(mv.kr, KERN_SUCCESS);
  const m64 = await map(dbg, dbg.self, ph, { offset: 3n * PAGE, cur: VM_PROT_READ, max: VM_PROT_READ }, "vm_map_64");
  assert.equal(m64.kr, KERN_SUCCESS);
  // A port that is no entry is still no memory object.
  const recv = await dbg.thread.call("mach_port_allocate", dbg.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(recv.kr, KERN_SUCCESS);
  if (recv.kr !== KERN_SUCCESS) return;
  await dbg.thread.call("mach_port_insert_right", dbg.self, { name: recv.name, poly: { name: recv.name, disposition: 20 } });
  assert.equal((await map(dbg, dbg.self, recv.name)).kr, KERN_INVALID_OBJECT);
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_READ | MAP_MEM_ONLY, recv.name)).kr, KERN_INVALID_ARGUMENT, "a parent that is no entry is none");
  assertInvariant(kernel);
});

test("MAP_MEM_VM_COPY and MAP_MEM_VM_SHARE: a copy map of the range copied, or of its own pages; mapped whole at a fixed address", async () => {
  const { kernel, dbg, target, port } = debuggerScene();
  const at = allocate(target, 2);
  await write(dbg, port, at, "original");
  const cp = await make(dbg, port, 2n * PAGE, at, VM_PROT_DEFAULT | MAP_MEM_VM_COPY);
  const sh = await make(dbg, port, 2n * PAGE, at, VM_PROT_DEFAULT | MAP_MEM_VM_SHARE);
  assert.equal(cp.kr, KERN_SUCCESS);
  assert.equal(sh.kr, KERN_SUCCESS);
  if (cp.kr !== KERN_SUCCESS || sh.kr !== KERN_SUCCESS) return;
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_READ, cp.object_handle)).kr, KERN_INVALID_ARGUMENT, "a copy map cannot be a parent");
  await write(dbg, port, at, "CHANGED!");
  const c1 = await map(dbg, dbg.self, cp.object_handle, { size: 2n * PAGE });
  const c2 = await map(dbg, dbg.self, cp.object_handle, { size: PAGE, offset: PAGE });
  const s1 = await map(dbg, dbg.self, sh.object_handle, { size: 2n * PAGE });
  assert.equal(c1.kr, KERN_SUCCESS);
  assert.equal(c2.kr, KERN_SUCCESS);
  assert.equal(s1.kr, KERN_SUCCESS);
  if (c1.kr !== KERN_SUCCESS || c2.kr !== KERN_SUCCESS || s1.kr !== KERN_SUCCESS) return;
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(c1.address, 8)!), "original", "copied at the call");
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(s1.address, 8)!), "CHANGED!", "the range's own pages");
  dbg.task.vm.write(c1.address + PAGE, text("copy"));
  assert.equal(new TextDecoder().decode(dbg.task.vm.read(c2.address, 4)!), "copy", "two mappings of one copy map share it");
  assert.equal((await map(dbg, dbg.self, cp.object_handle, { flags: 0, address: 0x300000000000n })).kr, KERN_INVALID_ARGUMENT, "fixed: only the whole");
  assert.equal((await map(dbg, dbg.self, cp.object_handle, { flags: 0, address: 0x300000000000n, size: 2n * PAGE })).kr, KERN_SUCCESS);
  // Protections: copyin needs read access; a share needs what is asked, or some of it with IS_MASK.
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: at, size: 2n * PAGE, set_maximum: 0, new_protection: VM_PROT_READ })).kr, KERN_SUCCESS);
  assert.equal((await make(dbg, port, PAGE, at, VM_PROT_DEFAULT | MAP_MEM_VM_SHARE)).kr, KERN_PROTECTION_FAILURE);
  const masked = await make(dbg, port, PAGE, at, VM_PROT_DEFAULT | VM_PROT_IS_MASK | MAP_MEM_VM_SHARE);
  assert.equal(masked.kr, KERN_SUCCESS);
  if (masked.kr === KERN_SUCCESS) assert.equal(entryOf(dbg, masked.object_handle).protection, VM_PROT_READ);
  assert.equal((await dbg.thread.call("mach_vm_protect", port, { address: at, size: 2n * PAGE, set_maximum: 0, new_protection: VM_PROT_WRITE })).kr, KERN_SUCCESS);
  assert.equal((await make(dbg, port, PAGE, at, VM_PROT_WRITE | MAP_MEM_VM_COPY)).kr, KERN_PROTECTION_FAILURE, "no read access to copy from");
  assert.equal((await make(dbg, port, PAGE, 0x1000n, VM_PROT_READ | MAP_MEM_VM_COPY)).kr, KERN_INVALID_ADDRESS);
  assertInvariant(kernel);
});

test("a process outside the server: a new object and a copy of its memory can be made; its pages cannot be named or mapped into", async () => {
  const { kernel, dbg, target, port } = debuggerScene();
  const base = 0x7f0000000000n;
  const bytes = new Uint8Array(Number(2n * PAGE));
  bytes.set(text("process bytes"), 0);
  attachProcessMemory(target.task, fakeProcess([{ start: base, end: base + 2n * PAGE }], () => 0n, bytes));
  assert.equal((await make(dbg, port, PAGE, base, VM_PROT_DEFAULT)).kr, KERN_NOT_SUPPORTED, "its pages");
  assert.equal((await make(dbg, port, PAGE, base + 4n * PAGE, VM_PROT_DEFAULT)).kr, KERN_INVALID_ADDRESS, "checked first");
  assert.equal((await make(dbg, port, PAGE, base, VM_PROT_DEFAULT | MAP_MEM_VM_SHARE)).kr, KERN_NOT_SUPPORTED);
  const cp = await make(dbg, port, PAGE, base, VM_PROT_DEFAULT | MAP_MEM_VM_COPY);
  assert.equal(cp.kr, KERN_SUCCESS);
  if (cp.kr !== KERN_SUCCESS) return;
  const m = await map(dbg, dbg.self, cp.object_handle);
  assert.equal(m.kr, KERN_SUCCESS);
  if (m.kr === KERN_SUCCESS) assert.equal(new TextDecoder().decode(dbg.task.vm.read(m.address, 13)!), "process bytes");
  const created = await make(dbg, port, PAGE, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE);
  assert.equal(created.kr, KERN_SUCCESS);
  if (created.kr !== KERN_SUCCESS) return;
  assert.equal((await map(dbg, port, created.object_handle)).kr, KERN_NOT_SUPPORTED, "into the process");
  assert.equal((await map(dbg, port, created.object_handle, { cur: VM_PROT_ALL })).kr, KERN_INVALID_RIGHT, "after the entry's checks");
  assertInvariant(kernel);
});

test("the memory a task's entries hold is bounded (VM_USER_LIMIT, 64 MiB): past it KERN_RESOURCE_SHORTAGE; an entry destroyed gives its bytes back", async () => {
  const { kernel, dbg, port } = debuggerScene();
  const MiB16 = 16n * 1024n * 1024n;
  const made: number[] = [];
  for (let i = 0; i < 4; i++) {
    const e = await make(dbg, port, MiB16, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE);
    assert.equal(e.kr, KERN_SUCCESS);
    if (e.kr === KERN_SUCCESS) made.push(e.object_handle as number);
  }
  assert.equal((await make(dbg, port, MiB16, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE)).kr, KERN_RESOURCE_SHORTAGE, "a fifth 16 MiB object");
  assert.equal((await make(dbg, port, PAGE, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE)).kr, KERN_RESOURCE_SHORTAGE, "not a page more");
  // The last send right of one going destroys it (no-senders) and its 16 MiB count no more.
  await dbg.thread.call("mach_port_deallocate", dbg.self, { name: made.pop()! });
  const again = await make(dbg, port, MiB16, 0n, VM_PROT_DEFAULT | MAP_MEM_NAMED_CREATE);
  assert.equal(again.kr, KERN_SUCCESS);
  if (again.kr === KERN_SUCCESS) made.push(again.object_handle as number);
  for (const name of made) await dbg.thread.call("mach_port_deallocate", dbg.self, { name });
  assertInvariant(kernel);
});
