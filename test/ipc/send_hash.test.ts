/**
 * A space's reverse hash (src/ipc/send_hash.ts) against the Map it replaced: over any sequence of
 * sets, deletes and lookups (ports whose serial numbers collide in the table, enough of them to
 * grow it, names as wide as a Mach name), every answer and the contents are the Map's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SendHash } from "../../src/ipc/send_hash.js";
import { IpcPort } from "../../src/ipc/port.js";
import { boot, actor, assertInvariant } from "../helpers/kernel.js";

type Op = { op: "set"; p: number; name: number } | { op: "delete"; p: number } | { op: "get"; p: number };

const sorted = (it: Iterable<[IpcPort, number]>): [number, number][] => [...it].map(([p, n]): [number, number] => [p.id, n]).sort((a, b) => a[0] - b[0]);

test("the reverse hash answers as a Map over any sequence of sets, deletes and lookups", () => {
  // Ports made here, some with serial numbers 16 apart or equal mod a table's size: they share home slots.
  const ports = Array.from({ length: 80 }, () => new IpcPort(null));
  const name = fc.oneof(fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 0, max: 0xffffffff }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant("set" as const), p: fc.nat(79), name }),
    fc.record({ op: fc.constant("delete" as const), p: fc.nat(79) }),
    fc.record({ op: fc.constant("get" as const), p: fc.nat(79) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 80 }), (ops, range) => {
      const h = new SendHash();
      const m = new Map<IpcPort, number>();
      for (const o of ops) {
        const p = ports[o.p % range]!;
        if (o.op === "set") {
          assert.equal(h.set(p, o.name), h);
          m.set(p, o.name);
        } else if (o.op === "delete") assert.equal(h.delete(p), m.delete(p));
        else {
          assert.equal(h.get(p), m.get(p));
          assert.equal(h.has(p), m.has(p));
        }
        assert.equal(h.size, m.size);
      }
      for (const p of ports) assert.equal(h.get(p), m.get(p));
      assert.deepEqual(sorted(h), sorted(m));
    }),
    { numRuns: 300 },
  );
});

test("a send right copied out and deallocated again, many times over, leaves the reverse hash as it was", async () => {
  const k = boot();
  const a = actor(k, { uid: 0 });
  const priv = a.thread.hostSelfTrap();
  const before = sorted(a.task.space.sendHash);
  for (let i = 0; i < 200; i++) {
    const r = await a.thread.call("host_get_special_port", priv, { node: -1, which: 1 });
    assert.equal(r.kr, 0);
    const port = r["port"] as number;
    assert.notEqual(port, 0);
    assert.equal(a.task.space.sendHash.get(a.task.kernel.host.hostPort), port);
    assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: port })).kr, 0);
  }
  assert.deepEqual(sorted(a.task.space.sendHash), before);
  assertInvariant(k);
});
