/** `machipc build-native` without a C compiler: what it says it would install, or exactly what to install. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** A PATH with node and, if asked, apt-get, but no cc, gcc or clang. */
function pathWithout(apt: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-nocc-"));
  chmodSync(dir, 0o755);
  symlinkSync(process.execPath, join(dir, "node"));
  if (apt) symlinkSync("/usr/bin/apt-get", join(dir, "apt-get"));
  return dir;
}

function buildNative(env: NodeJS.ProcessEnv, uid?: number): { status: number | null; stderr: string; stdout: string } {
  const out = mkdtempSync(join(tmpdir(), "machipc-native-out-"));
  chmodSync(out, 0o777);
  const r = spawnSync(process.execPath, ["dist/cli/main.js", "build-native", "--out", out], { env: { ...env, CC: "" }, encoding: "utf8", ...(uid !== undefined ? { uid, gid: uid } : {}) });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test("not root, with apt-get: it names the Debian packages to install, and installs nothing", () => {
  const r = buildNative({ PATH: pathWithout(true) }, 65534);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "build-native: no C compiler found; install one as root with `apt-get install gcc libc6-dev` (or set CC to a C compiler), then run this again\n");
});

test("without apt-get: it says to install gcc or clang", () => {
  const r = buildNative({ PATH: pathWithout(false) });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build-native: no C compiler found; install gcc or clang with your system's package manager/);
});

test("in an installed package's layout (no examples, no benchmarks): it builds libmachipc and the server's helper where it is told, then skips", () => {
  // What `npm install machipc` unpacks (package.json's files), beside the dependencies it installs.
  const pkg = mkdtempSync(join(tmpdir(), "machipc-installed-"));
  for (const d of ["native/include", "native/src", "native/addon", "scripts"]) mkdirSync(join(pkg, d), { recursive: true });
  for (const d of ["native/include", "native/src", "native/addon"]) cpSync(d, join(pkg, d), { recursive: true });
  cpSync("scripts/build-native.mjs", join(pkg, "scripts/build-native.mjs"));
  cpSync("package.json", join(pkg, "package.json"));
  symlinkSync(resolve("node_modules"), join(pkg, "node_modules"));
  const out = mkdtempSync(join(tmpdir(), "machipc-native-out-"));
  const run = () => spawnSync(process.execPath, [join(pkg, "scripts/build-native.mjs"), "--out", out], { encoding: "utf8" });
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.replace(/ with \S+\n$/, ""), `build-native: built ${join(out, "libmachipc.so")}, ${join(out, "machipc.pc")}, ${join(out, "machipc_native.node")}`);
  assert.ok(existsSync(join(out, "libmachipc.so")) && existsSync(join(out, "machipc_native.node")));
  // Nothing changed since: the second run compiles nothing.
  assert.equal(run().stderr, `build-native: ${out} is up to date with its C sources (nothing to compile)\n`);
});
