/**
 * The server's socket path (src/server/wire.ts): reads land in one buffer that
 * the next read reuses, and results go out with a direct send when nothing is
 * queued. What a frame keeps must survive the reuse, and a client that stops
 * reading must still be cut off before the server holds more than its limit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MachipcServer } from "../../src/server/server.js";
import { FRAME_HEADER, FrameReader, MSG_ARGS, OP_MACH_MSG, OP_RESULT, OP_TRAP, RESULT, TRAP, frame, struct } from "../../src/server/protocol.js";
import { rdU32, wrU32 } from "../../src/abi/bytes.js";
import { rawClient, until } from "./helpers.js";

test("the frame reader with one reused read buffer: what it keeps between reads is copied out, so any chunking gives back the same frames", () => {
  const frameArb = fc.uint8Array({ minLength: 0, maxLength: 200 }).map((payload) => frame(OP_TRAP, payload.byteLength, 0, [payload]));
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
      const stream = Uint8Array.from(frames.flatMap((f) => [...f]));
      const shared = new Uint8Array(128);
      const reader = new FrameReader();
      const out: Uint8Array[] = [];
      for (let i = 0, off = 0; off < stream.byteLength; i++) {
        const n = Math.min(cuts[i % cuts.length]!, stream.byteLength - off);
        shared.set(stream.subarray(off, off + n));
        off += n;
        reader.push(shared.subarray(0, n));
        for (let f = reader.next(); f !== null; f = reader.next()) {
          assert.ok(!(f instanceof Error), String(f));
          out.push(f.slice());
        }
        reader.keep(shared.buffer);
        // The next read overwrites the buffer: nothing the reader holds may be in it.
        shared.fill(0xee);
      }
      assert.deepEqual(out, frames);
      assert.equal(reader.bufferedBytes, 0);
    }),
    { numRuns: 300 },
  );
});

test("the frame reader with borrowed read buffers: lastBorrowed says exactly which frames are views of one, and nothing it holds stays in one once it is reused", () => {
  const frameArb = fc.uint8Array({ minLength: 0, maxLength: 200 }).map((payload) => frame(OP_TRAP, payload.byteLength, 0, [payload]));
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
      const stream = Uint8Array.from(frames.flatMap((f) => [...f]));
      // Two read buffers in turn: a read's buffer is reused two reads later.
      const buffers = [new Uint8Array(128), new Uint8Array(128)];
      const reader = new FrameReader();
      const out: Uint8Array[] = [];
      for (let i = 0, off = 0; off < stream.byteLength; i++) {
        const buf = buffers[i % 2]!;
        const n = Math.min(cuts[i % cuts.length]!, stream.byteLength - off);
        buf.set(stream.subarray(off, off + n));
        off += n;
        reader.push(buf.subarray(0, n), true);
        // The other buffer was the previous read's: the push copied what was left of it.
        buffers[(i + 1) % 2]!.fill(0xee);
        for (let f = reader.next(); f !== null; f = reader.next()) {
          assert.ok(!(f instanceof Error), String(f));
          assert.equal(reader.lastBorrowed, f.buffer === buf.buffer);
          out.push(f.slice());
        }
        // Some reads end with keepBorrowed, as the server's do; the others rely on the next push.
        if (i % 3 === 0) {
          reader.keepBorrowed();
          buf.fill(0xee);
        }
      }
      assert.deepEqual(out, frames);
      assert.equal(reader.bufferedBytes, 0);
    }),
    { numRuns: 300 },
  );
  // A whole frame at the head of a borrowed chunk is handed out in place, not copied.
  const reader = new FrameReader();
  const f = frame(OP_TRAP, 4, 0, [new Uint8Array(4)]);
  const buf = new Uint8Array(64);
  buf.set(f);
  reader.push(buf.subarray(0, f.byteLength), true);
  const got = reader.next();
  assert.ok(got instanceof Uint8Array && got.buffer === buf.buffer && reader.lastBorrowed);
  // An unborrowed chunk's frames are not.
  reader.push(f.slice());
  assert.ok(reader.next() instanceof Uint8Array && !reader.lastBorrowed);
});

/** mach_port_type(self, self) as a MACH_MSG frame: send, and receive the reply on `reply`. */
function nullRpc(seq: number, self: number, reply: number): Uint8Array {
  const msg = new Uint8Array(36);
  wrU32(msg, 0, 0x1513);
  wrU32(msg, 4, 36);
  wrU32(msg, 8, self);
  wrU32(msg, 12, reply);
  wrU32(msg, 20, 3201);
  msg.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  wrU32(msg, 32, self);
  return frame(OP_MACH_MSG, seq, 0, [struct(MSG_ARGS, { option: 3, sendSize: 36, rcvSize: 128, rcvName: reply, timeout: 0, oolCount: 0 }), msg]);
}

test("a client that stops reading its results is disconnected once they pass its memory limit, and the server holds nothing of it after", async () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-wire-"));
  const lines: string[] = [];
  const clientMemory = 256 * 1024;
  const server = new MachipcServer({ socketPath: join(dir, "s.sock"), boot: { cpus: 2, bootstrap: false }, limits: { clientMemory }, log: (l) => lines.push(l) });
  await server.listen();
  try {
    const c = await rawClient(server.socketPath);
    c.sock.write(frame(OP_TRAP, 3, 0, [struct(TRAP, { trap: 26 })]));
    const reply = rdU32(await c.next(), FRAME_HEADER.size + RESULT.at.value);
    // One answered RPC first: the direct path works.
    c.sock.write(nullRpc(4, c.self, reply));
    const answer = await c.next();
    assert.equal(rdU32(answer, FRAME_HEADER.at.op), OP_RESULT);
    assert.equal(rdU32(answer, FRAME_HEADER.size + RESULT.at.value), 0);
    // Then it stops reading and keeps asking: results fill the kernel's socket buffers, then the server's stream.
    c.sock.pause();
    const batch = Array.from({ length: 2000 }, (_, i) => nullRpc(5 + i, c.self, reply));
    const all = new Uint8Array(batch.reduce((n, f) => n + f.byteLength, 0));
    batch.reduce((at, f) => (all.set(f, at), at + f.byteLength), 0);
    let closed = false;
    c.sock.on("close", () => (closed = true));
    c.sock.on("error", () => undefined);
    for (let i = 0; i < 200 && !closed && !lines.some((l) => /results unread/.test(l)); i++) {
      c.sock.write(all);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => lines.some((l) => /bytes of results unread \(limit 262144\)/.test(l)), "the stuck client to be cut off");
    await until(() => server.connections === 0, "the session to go");
    assert.equal(server.heldBytes, 0);
    c.sock.destroy();
  } finally {
    await server.close();
  }
});
