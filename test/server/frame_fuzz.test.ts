/**
 * The server's frame decoder under random and boundary input: every op, every
 * length field at its edges. Whatever the bytes, it answers a Request whose
 * views lie inside the frame or a ProtocolError, never throws, never reads
 * past the end; the reader reassembles any chunking and refuses lengths
 * beyond its limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FRAME_HEADER,
  FrameReader,
  HELLO,
  MAX_TASK_NAME,
  MSG_ARGS,
  OOL_REGION,
  OP_ADMIN,
  OP_HELLO,
  OP_JOIN,
  OP_MACH_MSG,
  OP_THREAD,
  OP_TRAP,
  OP_TRAP_ARGS,
  ProtocolError,
  TRAP_ARGS,
  TRAP_ARGS_MAX,
  decodeRequest,
  pad4,
} from "../../src/server/protocol.js";

const OPS = [OP_HELLO, OP_JOIN, OP_TRAP, OP_MACH_MSG, OP_THREAD, OP_ADMIN, OP_TRAP_ARGS];
/** u32 values where arithmetic on lengths goes wrong if it is going to. */
const EDGES = [0, 1, 2, 3, 4, 11, 12, 16, 23, 24, MAX_TASK_NAME, MAX_TASK_NAME + 1, 0x7ffffffc, 0x7ffffffd, 0x7fffffff, 0x80000000, 0xfffffffc, 0xfffffffd, 0xffffffff];
const u32 = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 64 }));

function put32(b: Uint8Array, at: number, v: number): void {
  if (at + 4 <= b.byteLength) new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
}

/** A frame of `op` with a payload of `size` random bytes whose length fields are overwritten with edge values. */
const frameArb = fc
  .record({
    op: fc.oneof(fc.constantFrom(...OPS), u32),
    size: fc.oneof(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 0, max: 600 })),
    fields: fc.array(u32, { minLength: 8, maxLength: 8 }),
    seed: fc.uint8Array({ minLength: 0, maxLength: 600 }),
  })
  .map(({ op, size, fields, seed }) => {
    const f = new Uint8Array(FRAME_HEADER.size + size);
    f.set(seed.subarray(0, size), FRAME_HEADER.size);
    put32(f, 0, f.byteLength);
    put32(f, 4, op);
    const p = FRAME_HEADER.size;
    // HELLO's nameLength; MACH_MSG's sizes and oolCount; a first OOL region's size.
    put32(f, p + HELLO.at.nameLength, fields[0]!);
    put32(f, p + MSG_ARGS.at.sendSize, fields[1]!);
    put32(f, p + MSG_ARGS.at.rcvSize, fields[2]!);
    put32(f, p + MSG_ARGS.at.oolCount, fields[3]! % 7 === 0 ? fields[3]! : fields[3]! % 4);
    put32(f, p + MSG_ARGS.size + OOL_REGION.at.size, fields[4]!);
    put32(f, p + MSG_ARGS.size + OOL_REGION.size + 4, fields[5]!);
    return f;
  });

/** HELLO's nameLength as the frame has it. */
const rdLen = (f: Uint8Array): number => new DataView(f.buffer, f.byteOffset).getUint32(FRAME_HEADER.size + HELLO.at.nameLength, true);

function inside(f: Uint8Array, v: Uint8Array): boolean {
  return v.buffer === f.buffer && v.byteOffset >= f.byteOffset && v.byteOffset + v.byteLength <= f.byteOffset + f.byteLength;
}

test("pad4 rounds every u32 up to a multiple of 4 without 32-bit wrap-around", () => {
  for (const n of EDGES) {
    const p = pad4(n);
    assert.ok(p >= n && p - n < 4 && p % 4 === 0, `pad4(0x${n.toString(16)}) = ${p}`);
  }
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => pad4(n) >= n && pad4(n) % 4 === 0 && pad4(n) - n < 4));
});

test("an OOL region of 0x7ffffffd bytes in a small MACH_MSG frame is a protocol error, not a misparsed message", () => {
  const f = new Uint8Array(FRAME_HEADER.size + MSG_ARGS.size + OOL_REGION.size + 64);
  put32(f, 0, f.byteLength);
  put32(f, 4, OP_MACH_MSG);
  put32(f, FRAME_HEADER.size + MSG_ARGS.at.oolCount, 1);
  for (const size of [0x7ffffffd, 0x7ffffffe, 0x7fffffff, 0xfffffffd, 0xffffffff, 65]) {
    put32(f, FRAME_HEADER.size + MSG_ARGS.size + OOL_REGION.at.size, size);
    const r = decodeRequest(f);
    assert.ok(r instanceof ProtocolError, `size 0x${size.toString(16)}`);
  }
});

test("the frame decoder: any frame of any op decodes to views inside it, or a ProtocolError; it never throws", () => {
  fc.assert(
    fc.property(frameArb, (f) => {
      const r = decodeRequest(f);
      if (r instanceof ProtocolError) return true;
      assert.ok(OPS.includes(r.op), `decoded unknown op ${r.op}`);
      const payload = f.byteLength - FRAME_HEADER.size;
      switch (r.op) {
        case OP_HELLO:
          assert.ok(payload >= HELLO.size + rdLen(f));
          break;
        case OP_MACH_MSG: {
          assert.ok(inside(f, r.msg));
          let used = MSG_ARGS.size + r.msg.byteLength;
          for (const reg of r.regions) {
            assert.ok(inside(f, reg.data));
            used += OOL_REGION.size + pad4(reg.data.byteLength);
          }
          assert.equal(used, payload, "arguments, regions and message exactly fill the frame");
          break;
        }
        case OP_TRAP_ARGS:
          assert.ok(r.args.length <= TRAP_ARGS_MAX && payload >= TRAP_ARGS.size + 8 * r.args.length, "the argument slots fit the frame");
          break;
        default:
          break;
      }
      return true;
    }),
    { numRuns: 5000 },
  );
});

test("the frame reader: any chunking of a stream gives back the same frames; a length outside [16, maxFrame] is refused", () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
      const stream = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
      let at = 0;
      for (const f of frames) {
        stream.set(f, at);
        at += f.byteLength;
      }
      const reader = new FrameReader();
      const out: Uint8Array[] = [];
      let off = 0;
      for (let i = 0; off < stream.byteLength; i++) {
        const n = cuts[i % cuts.length]!;
        reader.push(stream.slice(off, off + n));
        off += n;
        for (let f = reader.next(); f !== null; f = reader.next()) {
          assert.ok(!(f instanceof Error), String(f));
          out.push(f.slice());
        }
      }
      assert.deepEqual(out, frames);
      assert.equal(reader.bufferedBytes, 0);
    }),
    { numRuns: 500 },
  );
  for (const length of [0, 15, 0x1000 + 1, 0xffffffff]) {
    const reader = new FrameReader();
    reader.maxFrame = 0x1000;
    const head = new Uint8Array(16);
    put32(head, 0, length);
    reader.push(head);
    assert.ok(reader.next() instanceof ProtocolError, `length ${length}`);
  }
});
