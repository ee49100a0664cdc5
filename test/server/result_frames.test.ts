/**
 * RESULT frames are built in buffers that are not zero-filled first (cut from
 * a shared slab): every byte must still be written, the pads after the message
 * and after each OOL region as zeros, whatever was in the slab before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Socket } from "node:net";
import { Kernel } from "../../src/index.js";
import { Session } from "../../src/server/session.js";
import { DEFAULT_LIMITS, MemoryBudget } from "../../src/server/limits.js";
import { FRAME_HEADER, OOL_REGION, RESULT, dirtyFrameSlab, pad4 } from "../../src/server/protocol.js";
import { rdU32 } from "../../src/abi/bytes.js";

test("a RESULT's pads are zeros and its lengths add up, for any message and region sizes, over a dirty slab", () => {
  const kernel = Kernel.boot({ bootstrap: false });
  const written: Uint8Array[] = [];
  const socket = { write: (b: Uint8Array) => (written.push(b), true), writableLength: 0, cork() {}, uncork() {}, destroy() {} } as unknown as Socket;
  const limits = { ...DEFAULT_LIMITS };
  const session = new Session(socket, { uid: 0, gid: 0, pid: process.pid }, { kernel, registry: { byToken: new Map() }, limits, budget: new MemoryBudget(limits), admin: () => null });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }), fc.integer({ min: 0, max: 9 }), (msgLength, regionSizes, extraLength) => {
      dirtyFrameSlab(0xee);
      written.length = 0;
      const msg = new Uint8Array(msgLength).fill(1);
      const regions = regionSizes.map((n, i) => ({ address: BigInt(0x1000 * (i + 1)), data: new Uint8Array(n).fill(2) }));
      session.result(7, 0x1234, msg, regions, new Uint8Array(extraLength).fill(3));
      assert.equal(written.length, 1);
      const f = written[0]!;
      assert.equal(rdU32(f, FRAME_HEADER.at.length), f.byteLength);
      let off = FRAME_HEADER.size + RESULT.size;
      assert.ok(f.subarray(off, off + msgLength).every((b) => b === 1));
      assert.ok(f.subarray(off + msgLength, off + pad4(msgLength)).every((b) => b === 0), "message pad");
      off += pad4(msgLength);
      for (const r of regions) {
        assert.equal(rdU32(f, off + OOL_REGION.at.size), r.data.byteLength);
        off += OOL_REGION.size;
        assert.ok(f.subarray(off, off + r.data.byteLength).every((b) => b === 2));
        assert.ok(f.subarray(off + r.data.byteLength, off + pad4(r.data.byteLength)).every((b) => b === 0), "region pad");
        off += pad4(r.data.byteLength);
      }
      assert.ok(f.subarray(off).every((b) => b === 3));
      assert.equal(f.byteLength - off, extraLength);
    }),
  );
});
