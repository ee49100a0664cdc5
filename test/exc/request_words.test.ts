/**
 * The kernel's EXCEPTION_DEFAULT request written through words from a template (exceptionRequest's
 * fast path) against the MIG encoder's bytes (its general path): the same bytes for every code the
 * triage can pass, in both code formats; the words buffer goes back to the pool it came from; and
 * a raise through the fast path gives the handler the general path's bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sameTaskHandler } from "./handler.js";
import { EXC_BAD_ACCESS, EXCEPTION_DEFAULT, EXCEPTION_STATE, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import { exceptionRequest } from "../../src/kern/exception.js";
import { exceptionRoutine } from "../../src/subsystems/exc.js";
import { kmsgData, kmsgDataRelease, kmsgWithWords } from "../../src/ipc/kmsg_buffer.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** A code as the triage passes it (messageCode): 32-bit codes as numbers, 64-bit ones as numbers or int64 bigints. */
const code32 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 0x7fffffff, -0x80000000, 0xffffffff), fc.double({ noNaN: true, noDefaultInfinity: true }));
const code64 = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32), 2 ** 53, -(2 ** 53), 2 ** 63, -(2 ** 63), 1e300, -1e300),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.constantFrom(-(1n << 63n), (1n << 63n) - 1n, 0n, -1n, 0xffffffffn),
);

for (const wide of [false, true]) {
  test(`EXCEPTION_DEFAULT${wide ? "|MACH_EXCEPTION_CODES" : ""} request: the words path lays out the encoder's bytes`, () => {
    const routine = exceptionRoutine(EXCEPTION_DEFAULT, wide);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 13 }), wide ? code64 : code32, wide ? code64 : code32, (exception, c0, c1) => {
        const fast = exceptionRequest(routine, EXCEPTION_DEFAULT, exception, [c0, c1], 0, null, false);
        const slow = exceptionRequest(routine, EXCEPTION_DEFAULT, exception, [c0, c1], 0, null, true);
        assert.equal(fast.size, wide ? 84 : 76);
        assert.equal(hex(fast.data), hex(slow.data));
        // The words are the bytes.
        assert.ok(fast.words !== null);
        assert.equal(hex(new Uint8Array(fast.words.buffer, fast.words.byteOffset, fast.words.length * 4)), hex(fast.data));
        assert.equal(fast.ownsSmallData, true);
        assert.equal(slow.words, null);
        kmsgDataRelease(fast);
      }),
      { numRuns: 400 },
    );
  });
}

test("a 64-bit code that is not an integral number is refused on both paths alike", () => {
  const routine = exceptionRoutine(EXCEPTION_DEFAULT, true);
  for (const c of [1.5, NaN, Infinity]) {
    assert.throws(() => exceptionRequest(routine, EXCEPTION_DEFAULT, 1, [c, 0], 0, null, true), RangeError);
    assert.throws(() => exceptionRequest(routine, EXCEPTION_DEFAULT, 1, [c, 0], 0, null, false), RangeError);
  }
});

test("STATE and STATE_IDENTITY requests take the encoder (no words) on either path", () => {
  for (const behavior of [EXCEPTION_STATE, EXCEPTION_STATE_IDENTITY]) {
    for (const wide of [false, true]) {
      const routine = exceptionRoutine(behavior, wide);
      const state = new Uint32Array([1, 2, 3, 0xffffffff]);
      const a = exceptionRequest(routine, behavior, 1, [5, -2], 7, state, false);
      const b = exceptionRequest(routine, behavior, 1, [5, -2], 7, state, true);
      assert.equal(hex(a.data), hex(b.data));
      assert.equal(a.words, null);
    }
  }
});

test("a words buffer over 64 bytes goes back to its own pool, not to the pooled ArrayBuffers", () => {
  const a = kmsgWithWords(76);
  const data = a.data;
  const words = a.words;
  kmsgDataRelease(a);
  assert.equal(a.data.length, 0);
  assert.equal(a.words, null);
  assert.equal(a.ownsSmallData, false);
  // kmsgData's pooled buffers of that size are others.
  const other = kmsgData(76, false);
  assert.notEqual(other.buffer, data.buffer);
  const b = kmsgWithWords(76);
  assert.equal(b.data, data);
  assert.equal(b.words, words);
  // Released twice (the second time it holds nothing), it is not handed out twice.
  kmsgDataRelease(b);
  kmsgDataRelease(b);
  const c = kmsgWithWords(76);
  const d = kmsgWithWords(76);
  assert.notEqual(c.data, d.data);
});


for (const behavior of [EXCEPTION_DEFAULT, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES]) {
  test(`a raise with behavior 0x${(behavior >>> 0).toString(16)} gives the handler the encoder's body, and the rights balance`, async () => {
    const { kernel, victim, handler, hp } = await sameTaskHandler(behavior);
    const wide = behavior !== EXCEPTION_DEFAULT;
    const routine = exceptionRoutine(EXCEPTION_DEFAULT, wide);
    const codes: (number | bigint)[][] = [[1, 0], [-1, 0x7fffffff], [2 ** 40, -(2 ** 40)], [-(1n << 40n), 3n]];
    for (let i = 0; i < 20; i++) {
      const code = codes[i % codes.length]!;
      const buf = new Uint8Array(256);
      const outcome = victim.raiseException(EXC_BAD_ACCESS, code);
      assert.equal(handler.machMsg(buf, MACH_RCV_MSG, 0, 256, hp, 0, 0), 0);
      const size = new DataView(buf.buffer).getUint32(4, true);
      // The codes as the triage passes them on (messageCode): a 32-bit code's low 32 bits.
      const sent = wide ? code : code.map((c) => (typeof c === "bigint" ? Number(BigInt.asIntN(32, c)) : c));
      const general = exceptionRequest(routine, EXCEPTION_DEFAULT, EXC_BAD_ACCESS, sent, 0, null, true);
      assert.equal(size, general.size);
      // Past the descriptors (their names are the handler's): NDR, exception, codes.
      assert.equal(hex(buf.subarray(52, size)), hex(general.data.subarray(52, size)));
      // The descriptors' dispositions and types.
      assert.equal(hex(buf.subarray(24, 28)), hex(general.data.subarray(24, 28)));
      for (const off of [28, 40]) assert.equal(hex(buf.subarray(off + 4, off + 12)), hex(general.data.subarray(off + 4, off + 12)));
      const rep = new Uint8Array(36);
      const rv = new DataView(rep.buffer);
      rv.setUint32(0, 18, true);
      rv.setUint32(4, 36, true);
      rv.setUint32(8, new DataView(buf.buffer).getUint32(8, true), true);
      rv.setInt32(20, routine.id + 100, true);
      rep.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
      assert.equal(handler.machMsg(rep, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
      const o = await outcome;
      assert.equal(o.handledBy, "task");
      assert.equal(o.kr, KERN_SUCCESS);
    }
    assert.deepEqual(kernel.findViolations(), []);
  });
}

test("a reply carrying a reply right is still destroyed with it (the plain reply's shortcut does not apply)", async () => {
  const { kernel, victim, handler, hp } = await sameTaskHandler(EXCEPTION_DEFAULT);
  const r = await handler.call("mach_port_allocate", handler.taskSelfTrap(), { right: MACH_PORT_RIGHT_RECEIVE });
  const extra = r["name"] as number;
  const buf = new Uint8Array(256);
  const outcome = victim.raiseException(EXC_BAD_ACCESS, [1, 0]);
  assert.equal(handler.machMsg(buf, MACH_RCV_MSG, 0, 256, hp, 0, 0), 0);
  const rep = new Uint8Array(36);
  const rv = new DataView(rep.buffer);
  // Remote: the send-once right (MOVE_SEND_ONCE); local: a send right made from `extra` (MAKE_SEND).
  rv.setUint32(0, 18 | (MACH_MSG_TYPE_MAKE_SEND << 8), true);
  rv.setUint32(4, 36, true);
  rv.setUint32(8, new DataView(buf.buffer).getUint32(8, true), true);
  rv.setUint32(12, extra, true);
  rv.setInt32(20, 2401 + 100, true);
  rep.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  assert.equal(handler.machMsg(rep, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
  const o = await outcome;
  assert.equal(o.handledBy, "task");
  const type = await handler.call("mach_port_type", handler.taskSelfTrap(), { name: extra });
  assert.equal(type.kr, KERN_SUCCESS);
  assert.equal(type["ptype"], 1 << 17, "the receive right alone: the send right made for the reply went with it");
  assert.deepEqual(kernel.findViolations(), []);
});
