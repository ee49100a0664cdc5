#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob for .ts files).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = find("test").filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
// The timeout bounds a whole file (node's runner treats each file as one test): a file that builds
// the package from a clean clone takes half a minute alone, and much more on a loaded 2-core machine.
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
