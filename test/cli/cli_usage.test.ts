/** The machipc command's conventions: usage errors, --help, --version. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, assertUsage } from "./run.js";

test("usage errors: unknown options, missing and bad values, extra words exit 2 with one line naming them", async () => {
  assertUsage(await cli(["tasks", "--bogus"]), /^machipc tasks: unknown option --bogus$/);
  assertUsage(await cli(["tasks", "extra", "words"]), /^machipc tasks: unexpected arguments 'extra' 'words'$/);
  assertUsage(await cli(["tasks", "--socket"]), /^machipc tasks: option --socket needs a value$/);
  assertUsage(await cli(["tasks", "--socket="]), /^machipc tasks: option --socket needs a value$/);
  assertUsage(await cli(["tasks", "--json=yes"]), /^machipc tasks: option --json takes no value$/);
  assertUsage(await cli(["serve", "--max-names", "abc"]), /^machipc serve: --max-names must be an integer from 1 to \d+, not 'abc'$/);
  assertUsage(await cli(["inspect", "--port", "abc"]), /^machipc inspect: --port must be an integer from 0 to 65535, not 'abc'$/);
  assertUsage(await cli(["inspect", "--port=70000"]), /^machipc inspect: --port must be an integer from 0 to 65535, not '70000'$/);
  assertUsage(await cli(["lsmp"]), /^machipc lsmp: give exactly one of -p PID, -a, or a task's pid or name/);
  assertUsage(await cli(["lsmp", "-p", "x1"]), /^machipc lsmp: --pid must be an integer/);
  assertUsage(await cli(["lsmp", "-a", "launchd"]), /^machipc lsmp: give exactly one of/);
  assertUsage(await cli(["frobnicate"]), /^machipc: unknown command 'frobnicate'/);
  assertUsage(await cli(["--frobnicate"]), /^machipc: unknown option --frobnicate/);
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^usage: machipc <command>/);
});

test("--help and --version go to stdout and exit 0", async () => {
  const v = await cli(["--version"]);
  assert.equal(v.code, 0);
  const pkg = (await import("../../package.json", { with: { type: "json" } })).default as { version: string };
  assert.equal(v.stdout, `machipc ${pkg.version} (xnu-3248.40.184 host IPC)\n`);
  const h = await cli(["--help"]);
  assert.equal(h.code, 0);
  for (const c of ["serve", "demo", "tasks", "lsmp", "host", "trace", "inspect", "build-native"]) assert.match(h.stdout, new RegExp(`^  ${c} `, "m"));
  for (const c of ["serve", "tasks", "lsmp", "host", "trace", "inspect", "build-native"]) {
    const r = await cli([c, "--help"]);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: machipc ${c}`), c);
    assert.equal(r.stderr, "");
  }
  assert.match((await cli(["help", "lsmp"])).stdout, /^usage: machipc lsmp \(-p PID \| -a/);
});

test("in a clone, `npx machipc` runs the package's own command (the README says npx where plain machipc is not on PATH)", async () => {
  const { execFile } = await import("node:child_process");
  const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile("npx", ["--no-install", "machipc", "--version"], { env: { ...process.env, npm_config_yes: "false" } }, (e, stdout) => resolve({ code: e ? 1 : 0, stdout })),
  );
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^machipc \d+\.\d+\.\d+ \(xnu-3248\.40\.184 host IPC\)\n$/);
});
