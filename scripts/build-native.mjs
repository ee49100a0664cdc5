#!/usr/bin/env node
// Builds libmachipc and the C examples with the machine's cc (installing gcc first if it is missing and we can).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function have(cmd) {
  return spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
}

let cc = process.env.CC || "cc";
if (!have(cc)) {
  if (process.getuid?.() === 0 && have("apt-get")) {
    console.log("build-native: no C compiler; installing gcc from Debian");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "gcc", "libc6-dev"], { stdio: "inherit" });
    cc = "gcc";
  } else {
    console.error("build-native: no C compiler found (set CC, or install gcc)");
    process.exit(1);
  }
}

const out = join("native", "build");
mkdirSync(join(out, "examples"), { recursive: true });
const flags = ["-std=c11", "-Wall", "-Wextra", "-O2", "-Inative/include"];
// Every C file under native/src is one module of the library (see native/src/internal.h).
function sources(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? sources(p) : n.endsWith(".c") ? [p] : [];
    });
}
execFileSync(cc, [...flags, "-fPIC", "-shared", "-o", join(out, "libmachipc.so"), ...sources(join("native", "src")), "-lpthread"], { stdio: "inherit" });
for (const f of readdirSync("examples").filter((n) => n.endsWith(".c"))) {
  const name = f.slice(0, -2);
  execFileSync(cc, [...flags, "-D_POSIX_C_SOURCE=200809L", "-o", join(out, "examples", name), join("examples", f), `-L${out}`, "-lmachipc", "-Wl,-rpath,$ORIGIN/.."], {
    stdio: "inherit",
  });
}
mkdirSync(join(out, "bench"), { recursive: true });
for (const f of readdirSync(join("native", "bench")).filter((n) => n.endsWith(".c"))) {
  execFileSync(cc, [...flags, "-o", join(out, "bench", f.slice(0, -2)), join("native", "bench", f), `-L${out}`, "-lmachipc", "-lpthread", "-Wl,-rpath,$ORIGIN/.."], {
    stdio: "inherit",
  });
}
console.log(`build-native: ${join(out, "libmachipc.so")}, examples and benchmarks built`);
