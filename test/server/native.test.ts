/** The server's native helper module: SO_PEERCRED through the N-API addon, and its refusals. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync } from "node:fs";
import { createServer, connect, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeHelpers, peerCredentials, socketFd } from "../../src/server/native.js";

test("peerCredentials: the accepted socket's peer as the kernel has it (this very process here)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-native-"));
  const path = join(dir, "s.sock");
  let accept: (s: Socket) => void = () => undefined;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const srv = createServer((s) => accept(s));
  await new Promise<void>((r) => srv.listen(path, r));
  const c = connect(path);
  const s = await accepted;
  assert.deepEqual(peerCredentials(s), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  c.destroy();
  s.destroy();
  srv.close();
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
