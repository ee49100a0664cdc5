/** `npm start`'s pieces: the incremental build that skips an up-to-date dist/, and serve --demo's tasks living on in the served kernel. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { cli, tempDir, waitForLine } from "./run.js";

test("the build says what it does, and skips tsc when dist/ is up to date", async () => {
  // npm test has just built; after an edit this compiles first, and the next run is the check.
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: ["ignore", "ignore", "ignore"] });
  const started = Date.now();
  const p = spawn(process.execPath, ["scripts/build.mjs"]);
  let out = "";
  let err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  assert.equal(await new Promise((r) => p.once("close", r)), 0);
  assert.equal(out, "", "nothing on stdout");
  assert.equal(err, "build: dist/ is up to date with src/ (nothing to compile)\n");
  assert.ok(Date.now() - started < 10000, "no tsc run");
});

test("serve --demo: the demo's tasks live on in the served kernel, and the last line says what to try next", async () => {
  const path = join(tempDir(), "s.sock");
  const server = spawn(process.execPath, ["dist/cli/main.js", "serve", "--demo", "--socket", path]);
  try {
    const log = await waitForLine(server, /next, in another terminal/);
    assert.match(log, new RegExp(`next, in another terminal: \`MACHIPC_SOCKET=${path} npx machipc lsmp launchd\`, .*\`MACHIPC_SOCKET=${path} npx machipc inspect\``));
    const story = await waitForLine(server, /Right accounting over the whole kernel/, "stdout");
    assert.match(story, /^Booted machipc/);
    const lsmp = await cli(["lsmp", "launchd"], { MACHIPC_SOCKET: path });
    assert.equal(lsmp.code, 0, lsmp.stderr);
    assert.match(lsmp.stdout, /^Process \(1\) : launchd\n/);
    // app's send right to launchd's bootstrap port shows under launchd's receive right.
    assert.match(lsmp.stdout, /^ {18}\+ {5}send {8}-{8} {8}--- {8}\s+1 {9}<- {39}0x[0-9a-f]{8} {2}\(\d+\) app$/m);
    const tasks = JSON.parse((await cli(["tasks", "--json"], { MACHIPC_SOCKET: path })).stdout) as { name: string }[];
    assert.deepEqual(tasks.map((t) => t.name).filter((n) => n === "launchd" || n === "app"), ["launchd", "app"]);
  } finally {
    server.kill("SIGINT");
    await new Promise((r) => server.once("close", r));
  }
});
