/**
 * The entry table as XNU sizes and orders it (ipc_table.c, ipc_entry.c), with
 * memory only for names in use: a model of XNU's whole table, slot by slot,
 * against IpcSpace, and the huge-name attack bounded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { IpcSpace, DEFAULT_MAX_NAMES } from "../../src/ipc/space.js";
import { allocDeadName } from "../../src/ipc/right.js";
import { IPC_TABLE_INITIAL_ENTRIES, IPC_TABLE_MAX_ENTRIES, nextTableSize } from "../../src/ipc/ipc_table.js";
import { KERN_FAILURE, KERN_NAME_EXISTS, KERN_NO_SPACE, KERN_SUCCESS } from "../../src/index.js";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";

/** XNU's table, literally: every slot materialised, the free list linked through them. */
class XnuTable {
  gen: number[] = [];
  inUse: boolean[] = [];
  next: number[] = [];
  size = 0;
  used = 0;
  constructor(private readonly cap: number) {
    this.grow(Math.min(IPC_TABLE_INITIAL_ENTRIES, cap), true);
  }
  private grow(to: number, first = false): void {
    const from = this.size;
    for (let i = from; i < to; i++) {
      this.gen[i] = 0xff;
      this.inUse[i] = false;
      this.next[i] = i + 1 < to ? i + 1 : 0;
    }
    this.size = to;
    // Slot 0 heads the free list; new slots go after its last entry.
    const start = first ? 1 : from;
    if (first) this.next[0] = to > 1 ? 1 : 0;
    else {
      let last = 0;
      while (this.next[last] !== 0) last = this.next[last]!;
      this.next[last] = start;
    }
  }
  alloc(): number {
    if (this.used >= this.cap - 1) return 0;
    if (this.next[0] === 0) {
      const s = nextTableSize(this.size, 0, this.cap);
      if (s === 0) return 0;
      this.grow(s);
    }
    const i = this.next[0]!;
    this.next[0] = this.next[i]!;
    this.gen[i] = (this.gen[i]! + 4) & 0xff;
    this.inUse[i] = true;
    this.used++;
    return ((i << 8) | this.gen[i]!) >>> 0;
  }
  allocName(name: number): number {
    const index = name >>> 8;
    // ipc_entry_alloc_name: the reserved index 0 and a slot in use under another generation are KERN_FAILURE.
    if (index === 0) return KERN_FAILURE;
    if (index >= this.size) {
      const s = nextTableSize(this.size, index + 1, this.cap);
      if (s === 0) return KERN_NO_SPACE;
      this.grow(s);
    }
    if (this.inUse[index]) return this.gen[index] === (name & 0xff) ? KERN_NAME_EXISTS : KERN_FAILURE;
    if (this.used >= this.cap - 1) return KERN_NO_SPACE;
    let p = 0;
    while (this.next[p] !== index) p = this.next[p]!;
    this.next[p] = this.next[index]!;
    this.gen[index] = name & 0xff;
    this.inUse[index] = true;
    this.used++;
    return KERN_SUCCESS;
  }
  free(name: number): void {
    const i = name >>> 8;
    this.inUse[i] = false;
    this.next[i] = this.next[0]!;
    this.next[0] = i;
    this.used--;
  }
}

/** Claim a name (a dead name: any type will do) as right.ts's callers do. */
const claim = (space: IpcSpace, name = 0): { kr: number; name: number } => allocDeadName(space, name);

test("table sizes are ipc_table_fill's for the x86_64 RELEASE kernel: 21 entries first, 299349 at most", () => {
  assert.equal(IPC_TABLE_INITIAL_ENTRIES, 21);
  assert.equal(IPC_TABLE_MAX_ENTRIES, 299349);
  assert.equal(DEFAULT_MAX_NAMES, 299348);
  assert.equal(nextTableSize(21, 0, 1 << 20), 42);
  assert.equal(nextTableSize(170, 0, 1 << 20), 341);
  assert.equal(nextTableSize(21, 1000, 1 << 20), 1024);
  assert.equal(nextTableSize(IPC_TABLE_MAX_ENTRIES, 0, IPC_TABLE_MAX_ENTRIES), 0, "the last size repeats: no growth");
});

test("IpcSpace hands out the names XNU's table does, grows to its sizes, and refuses what it refuses (a model of every slot)", () => {
  const cap = 3000;
  const op = fc.oneof(
    fc.constant({ kind: "alloc" as const }),
    fc.record({ kind: fc.constant("name" as const), index: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: cap + 50 })), gen: fc.integer({ min: 0, max: 63 }) }),
    fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const xnu = new XnuTable(cap);
      const space = new IpcSpace("user", null, cap - 1);
      const live: number[] = [];
      for (const o of ops) {
        if (o.kind === "alloc") {
          const want = xnu.alloc();
          const got = claim(space);
          assert.equal(got.name, want);
          if (want) live.push(want);
        } else if (o.kind === "name") {
          const name = ((o.index << 8) | ((o.gen << 2) | 3)) >>> 0;
          const want = xnu.allocName(name);
          assert.equal(claim(space, name).kr, want, `allocName 0x${name.toString(16)}`);
          if (want === KERN_SUCCESS) live.push(name);
        } else if (live.length > 0) {
          const name = live.splice(o.pick % live.length, 1)[0]!;
          xnu.free(name);
          const slot = space.lookup(name);
          assert.ok(slot >= 0);
          space.free(slot);
        }
        assert.equal(space.capacity, xnu.size);
        assert.equal(space.used, xnu.used);
      }
      for (const n of live) assert.equal(space.nameOf(space.lookup(n)), n);
      assert.deepEqual(
        [...space.entries()].map(([n]) => n),
        [...live].sort((a, b) => (a >>> 8) - (b >>> 8)),
      );
    }),
    { numRuns: 300 },
  );
});

test("a huge name costs no table: 0xfffffe03 is KERN_NO_SPACE, the largest valid index costs a slot, not a 300k-entry table", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const before = a.task.space.tableBytes();
  const r = await a.thread.call("mach_port_allocate_name", a.self, { right: 1, name: 0xfffffe03 });
  assert.equal(r.kr, KERN_NO_SPACE);
  const top = ((DEFAULT_MAX_NAMES << 8) | 3) >>> 0;
  assert.equal((await a.thread.call("mach_port_allocate_name", a.self, { right: 1, name: top })).kr, KERN_SUCCESS);
  assert.equal(a.task.space.capacity, IPC_TABLE_MAX_ENTRIES, "as XNU, the table's size is now its largest");
  assert.ok(a.task.space.tableBytes() < before + 4096, `table memory ${a.task.space.tableBytes()} bytes after one high name`);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: top })).kr, KERN_SUCCESS);
  // Names allocated afterwards continue where XNU's free list does.
  const next = await a.thread.call("mach_port_allocate", a.self, { right: 1 });
  assert.equal(next.kr, KERN_SUCCESS);
  assert.ok((next["name"] as number) >>> 8 < 64, "the next free slot is a low one");
  assertInvariant(kernel);
});

test("the dense path is unchanged: 100k names in order, one slot each, no high map", () => {
  const space = new IpcSpace("user", null, 200_000);
  for (let i = 1; i <= 100_000; i++) assert.equal(claim(space).name, ((i << 8) | 3) >>> 0);
  assert.ok(space.tableBytes() <= 2 * 100_001 * 16 + 64 * 16, `${space.tableBytes()} bytes`);
});
