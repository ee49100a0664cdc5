#!/usr/bin/env node
// Compiles src/ into dist/ with tsc, incrementally; skips tsc altogether when dist/ is newer
// than every source (so `npm start` on an unchanged tree starts at once). --clean rebuilds
// from nothing (prepack, so a package never carries files whose source is gone).
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const STAMP = join("build", "dist.stamp");
const INFO = join("build", "dist.tsbuildinfo");
const clean = process.argv.includes("--clean");
const say = (l) => process.stderr.write(`build: ${l}\n`);

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const name of readdirSync(path)) m = Math.max(m, newest(join(path, name)));
  return m;
}

const inputs = ["src", "tsconfig.json", "tsconfig.build.json", "package.json"];
if (clean) {
  rmSync("dist", { recursive: true, force: true });
  rmSync(INFO, { force: true });
  rmSync(STAMP, { force: true });
}
if (!clean && existsSync(STAMP) && existsSync(join("dist", "cli", "main.js")) && statSync(STAMP).mtimeMs >= Math.max(...inputs.map(newest))) {
  say("dist/ is up to date with src/ (nothing to compile)");
  chmodSync(join("dist", "cli", "main.js"), 0o755);
  process.exit(0);
}
say(clean ? "compiling src/ into a fresh dist/ (tsc)..." : "compiling what changed in src/ into dist/ (tsc, incremental)...");
const started = Date.now();
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--incremental", "--tsBuildInfoFile", INFO], { stdio: "inherit" });
// The package's command must be executable: npm sets the bit when it links a bin, but in a clone
// dist/ does not exist yet at `npm ci`, and `npx machipc` would then be "Permission denied".
chmodSync(join("dist", "cli", "main.js"), 0o755);
mkdirSync("build", { recursive: true });
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
