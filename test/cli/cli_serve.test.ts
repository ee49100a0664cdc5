/** The machipc command's conventions: connection failures and serve's socket claiming. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../server/helpers.js";
import { MachClient } from "../../src/client/index.js";
import { cli, tempDir, waitForLine } from "./run.js";

test("connection failures: one true sentence each (no directory, no server, a stale socket, permission denied)", async () => {
  const noDir = await cli(["tasks", "--socket", "/nonexistent/m.sock"]);
  assert.equal(noDir.code, 1);
  assert.equal(noDir.stderr, "machipc: no machipc server at /nonexistent/m.sock: the directory /nonexistent does not exist (start a server with `npx machipc serve`)\n");
  const dir = tempDir();
  const none = await cli(["tasks", "--socket", join(dir, "m.sock")]);
  assert.equal(none.stderr, `machipc: no machipc server at ${join(dir, "m.sock")} (start one with \`npx machipc serve\`)\n`);
  // A server killed with SIGKILL leaves its socket behind.
  const stale = join(dir, "stale.sock");
  const dead = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", stale]);
  await waitForLine(dead, /serving/);
  dead.kill("SIGKILL");
  await new Promise((r) => dead.once("close", r));
  const refused = await cli(["tasks", "--socket", stale]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^machipc: no machipc server is listening at .*stale\.sock: the socket is left over from a server that exited/);
  // Another user (nobody) may not open root's 0700 directory: permission denied, not "no server".
  const server = await startServer();
  try {
    chmodSync(join(server.socketPath, ".."), 0o700);
    const denied = await cli(["tasks", "--socket", server.socketPath], {}, { uid: 65534, gid: 65534 });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^machipc: permission denied connecting to .*s\.sock/);
  } finally {
    await server.close();
  }
});

test("serve: a second server on a live socket refuses and leaves the first reachable; a stale socket is replaced; a missing directory is said", async () => {
  const dir = tempDir();
  const path = join(dir, "s.sock");
  const first = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", path]);
  try {
    const log = await waitForLine(first, /Ctrl-C to stop/);
    assert.match(log, /serving xnu-3248\.40\.184 host IPC on .*s\.sock/);
    const second = await cli(["serve", "--socket", path]);
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `machipc: a machipc server is already running on ${path} (stop it first, or serve on another path with --socket)\n`);
    const still = await cli(["tasks", "--socket", path]);
    assert.equal(still.code, 0, "the first server still answers");
    // The first server logs connections with their pid and process name.
    const c = await MachClient.connect({ socketPath: path, name: "visitor" });
    const logged = await waitForLine(first, /visitor \(pid \d+, uid \d+\) connected/);
    c.close();
    await waitForLine(first, /visitor \(pid \d+\) disconnected/);
    assert.match(logged, new RegExp(`visitor \\(pid ${c.pid}, uid`));
  } finally {
    first.kill("SIGINT");
    await new Promise((r) => first.once("close", r));
  }
  // SIGKILL leaves a stale socket; the next server replaces it.
  const killed = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", path]);
  await waitForLine(killed, /Ctrl-C to stop/);
  killed.kill("SIGKILL");
  await new Promise((r) => killed.once("close", r));
  const next = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", path]);
  try {
    await waitForLine(next, /Ctrl-C to stop/);
    assert.equal((await cli(["tasks", "--socket", path])).code, 0);
  } finally {
    next.kill("SIGINT");
    await new Promise((r) => next.once("close", r));
  }
  const noDir = await cli(["serve", "--socket", "/nonexistent/dir/s.sock"]);
  assert.equal(noDir.code, 1);
  assert.equal(noDir.stderr, "machipc: the socket directory /nonexistent/dir does not exist\n");
  writeFileSync(join(dir, "file"), "not a socket");
  const notSock = await cli(["serve", "--socket", join(dir, "file")]);
  assert.equal(notSock.stderr, `machipc: ${join(dir, "file")} exists and is not a socket; not replacing it\n`);
});
