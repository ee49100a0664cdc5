/**
 * Malformed messages from user space never throw, never corrupt right
 * accounting: random headers, descriptor counts and descriptor bytes, sent to
 * user ports and to kernel objects (including every MIG routine id).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { actor, boot, transfer } from "../helpers/kernel.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG, MACH_SEND_TIMEOUT } from "../../src/index.js";

test("random messages (valid-looking headers, random bodies) to user ports and kernel objects", () => {
  const kernel = boot({ cpus: 2 });
  const a = actor(kernel, { uid: 0, gid: 0 });
  const b = actor(kernel);
  const port = a.thread.machReplyPort();
  const toB = transfer(b, b.thread.machReplyPort(), MACH_MSG_TYPE_MAKE_SEND, a);
  const host = a.thread.hostSelfTrap();
  const ids = [...kernel.registry.routines.keys()];
  const names = () => [...a.task.space.entries()].map(([n]) => n);
  fc.assert(
    fc.property(
      fc.record({
        dest: fc.constantFrom("self", "host", "b", "port", "random"),
        remoteDisp: fc.constantFrom(17, 18, 19, 20, 21, 16, 0, 25),
        localDisp: fc.constantFrom(0, 0, 21, 20, 19, 18),
        complex: fc.boolean(),
        id: fc.oneof(fc.constantFrom(...ids), fc.integer({ min: -5, max: 5000 })),
        body: fc.uint8Array({ minLength: 0, maxLength: 120 }),
        count: fc.integer({ min: 0, max: 6 }),
        pick: fc.nat(60),
        extra: fc.constantFrom(0, 4, 8, 12),
      }),
      (r) => {
        const ns = names();
        const dest = r.dest === "self" ? a.self : r.dest === "host" ? host : r.dest === "b" ? toB : r.dest === "port" ? port : ns[r.pick % ns.length]!;
        const size = (24 + r.body.length + r.extra) & ~3;
        const buf = new Uint8Array(4096);
        const v = new DataView(buf.buffer);
        buf.set(r.body, 24);
        v.setUint32(0, (r.remoteDisp | (r.localDisp << 8) | (r.complex ? 0x80000000 : 0)) >>> 0, true);
        v.setUint32(4, size, true);
        v.setUint32(8, dest, true);
        v.setUint32(12, r.localDisp ? ns[(r.pick + 1) % ns.length]! : 0, true);
        v.setInt32(20, r.id, true);
        if (r.complex && size >= 28) v.setUint32(24, r.count, true);
        // Descriptor names point at real names now and then.
        for (let off = 28; off + 12 <= size; off += 12) if (buf[off]! % 3 === 0) v.setUint32(off, ns[buf[off]! % ns.length]!, true);
        const mr = a.thread.machMsg(buf, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, 0, 0, 0);
        assert.equal(typeof mr, "number");
        // Drain what came back to our ports so queues stay short.
        for (const n of [port, a.reply]) {
          const rb = new Uint8Array(8192);
          while (a.thread.machMsg(rb, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, rb.length, n, 0, 0) === 0);
        }
        const problems = kernel.findViolations();
        if (problems.length) throw new Error(problems.join("; "));
      },
    ),
    { seed: 424242, numRuns: 3000 },
  );
});
