/** The server's native helper module: SO_PEERCRED through the N-API addon, and its refusals. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync } from "node:fs";
import { createServer, connect, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeHelpers, peerCredentials, socketFd } from "../../src/server/native.js";
import { sendFrame } from "../../src/server/wire.js";

test("peerCredentials: the accepted socket's peer as the kernel has it (this very process here)", async () => {
  const pair = await socketPair();
  assert.deepEqual(peerCredentials(pair.server), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  pair.close();
});

test("where credentials cannot be read there is an Error to refuse on, never a guess", () => {
  const unconnected = new Socket();
  assert.equal(socketFd(unconnected), null);
  assert.ok(peerCredentials(unconnected) instanceof Error);
  const fd = openSync(new URL(import.meta.url), "r");
  try {
    assert.throws(() => nativeHelpers().peerCredentials(fd), (e: NodeJS.ErrnoException) => e.code === "ERRNO" && /SO_PEERCRED/.test(e.message));
  } finally {
    closeSync(fd);
  }
  assert.throws(() => nativeHelpers().peerCredentials(-1), TypeError);
});

/** A connected pair of Unix sockets: the client end (with its descriptor) and the accepted end. */
async function socketPair(): Promise<{ client: Socket; fd: number; server: Socket; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "machipc-native-"));
  const path = join(dir, "s.sock");
  let accept: (s: Socket) => void = () => undefined;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const srv = createServer((s) => accept(s));
  await new Promise<void>((r) => srv.listen(path, r));
  const client = connect(path);
  await new Promise((r) => client.once("connect", r));
  const server = await accepted;
  const fd = socketFd(client);
  assert.ok(fd !== null);
  return { client, fd, server, close: () => (client.destroy(), server.destroy(), srv.close()) };
}

/** Read exactly `n` bytes from `s`. */
function readBytes(s: Socket, n: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    let have = 0;
    const on = (d: Buffer): void => {
      got.push(d);
      have += d.length;
      if (have >= n) {
        s.off("data", on);
        resolve(new Uint8Array(Buffer.concat(got)));
      }
    };
    s.on("data", on);
  });
}

test("sendFrame sends the whole array, or its first `length` bytes, and refuses a length that is not a count within it", async () => {
  const p = await socketPair();
  try {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const reading = readBytes(p.server, 8 + 3 + 0 + 8);
    assert.equal(nativeHelpers().sendFrame(p.fd, bytes), 8);
    assert.equal(nativeHelpers().sendFrame(p.fd, bytes, 3), 3);
    assert.equal(nativeHelpers().sendFrame(p.fd, bytes, 0), 0);
    assert.equal(nativeHelpers().sendFrame(p.fd, bytes, undefined), 8);
    assert.deepEqual([...(await reading)], [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.throws(() => nativeHelpers().sendFrame(p.fd, bytes, 9), RangeError);
    assert.throws(() => nativeHelpers().sendFrame(p.fd, bytes, -1), RangeError);
    assert.throws(() => nativeHelpers().sendFrame(p.fd, bytes, "3" as unknown as number), RangeError);
    // Numbers that are not counts are refused too, not sent as some other length (NaN and Infinity as 0, 3.5 as 3).
    for (const bad of [NaN, Infinity, -Infinity, 3.5, -0.5]) assert.throws(() => nativeHelpers().sendFrame(p.fd, bytes, bad), RangeError, String(bad));
  } finally {
    p.close();
  }
});

test("wire's sendFrame with a length: prefixes of a reused buffer go out whole and in order when the socket fills and the stream takes the rest", async () => {
  const p = await socketPair();
  try {
    p.server.pause();
    const buf = new Uint8Array(64 * 1024);
    const expected: number[] = [];
    let frames = 0;
    // Until the socket would block, and a few frames after, each frame a prefix of one buffer rewritten every time.
    for (let after = 0; after < 4; frames++) {
      const length = 1000 + ((frames * 7919) % 60000);
      buf.fill(frames & 0xff);
      for (let i = 0; i < length; i++) expected.push(frames & 0xff);
      sendFrame(p.client, p.fd, buf, true, length);
      if (p.client.writableLength > 0) after++;
    }
    assert.ok(p.client.writableLength > 0, "the stream holds what the socket could not take");
    const reading = readBytes(p.server, expected.length);
    p.server.resume();
    const got = await reading;
    assert.equal(got.byteLength, expected.length);
    assert.ok(got.every((b, i) => b === expected[i]), "every byte in order");
  } finally {
    p.close();
  }
});
