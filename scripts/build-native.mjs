#!/usr/bin/env node
// Builds libmachipc, the C examples and the server's native helper module (native/addon, an N-API addon
// against the node-api-headers package) with the machine's cc (installing gcc first if it is missing and we can).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

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
// pkg-config reads native/build/machipc.pc for C programs built outside the checkout (README, test/native/pkgconfig.test.ts).
if (!have("pkg-config") && process.getuid?.() === 0 && have("apt-get")) {
  console.log("build-native: no pkg-config; installing pkgconf from Debian");
  execFileSync("apt-get", ["install", "-y", "-qq", "pkgconf"], { stdio: "inherit" });
}

const out = join("native", "build");
mkdirSync(join(out, "examples"), { recursive: true });
const flags = ["-std=c11", "-Wall", "-Wextra", "-O2", "-Inative/include"];
// The server's helpers: every .c in native/addon, one shared object that Node loads (napi_* resolve against node itself).
const napiInclude = join(dirname(createRequire(import.meta.url).resolve("node-api-headers/package.json")), "include");
const addonSources = readdirSync(join("native", "addon")).filter((n) => n.endsWith(".c")).sort().map((n) => join("native", "addon", n));
execFileSync(cc, ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", `-I${napiInclude}`, "-o", join(out, "machipc_native.node"), ...addonSources], { stdio: "inherit" });
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
// machipc.pc: `cc $(pkg-config --cflags --libs machipc) prog.c` from any folder (with PKG_CONFIG_PATH=<checkout>/native/build),
// and the program finds libmachipc from any folder (an rpath to this checkout's native/build). The library is
// linked even though it comes before the program's objects on that command line, whatever --as-needed says.
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
writeFileSync(
  join(out, "machipc.pc"),
  [
    `prefix=${resolve("native")}`,
    "includedir=${prefix}/include",
    "libdir=${prefix}/build",
    "",
    "Name: machipc",
    "Description: XNU's Mach IPC for C programs, served by a machipc server",
    `Version: ${version}`,
    "Cflags: -I${includedir}",
    "Libs: -L${libdir} -Wl,-rpath,${libdir} -Wl,--push-state,--no-as-needed -lmachipc -Wl,--pop-state -lpthread",
    "",
  ].join("\n"),
);
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
console.log(`build-native: ${join(out, "libmachipc.so")}, ${join(out, "machipc_native.node")}, examples and benchmarks built`);
