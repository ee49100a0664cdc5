#!/usr/bin/env node
// Builds libmachipc (every C file under native/src is one module of it, see native/src/internal.h),
// the server's native helper module (native/addon, an N-API addon against the node-api-headers
// package) and, in a clone, the C examples and benchmarks, with the machine's C compiler; when every
// output is newer than every source it says so and compiles nothing. Without a compiler it
// says what it is about to install and installs Debian's gcc as root with apt-get, or says exactly
// what to install. Run as `npm run build:native` in a clone or `npx machipc build-native` from the
// package; --out DIR puts the build elsewhere (default native/build).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outAt = process.argv.indexOf("--out");
const out = outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : join(root, "native", "build");
const say = (l) => process.stderr.write(`build-native: ${l}\n`);
const fail = (l) => {
  say(l);
  process.exit(1);
};
const DEBIAN = ["gcc", "libc6-dev"];
const works = (cmd) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;

function compiler() {
  if (process.env.CC) return works(process.env.CC) ? process.env.CC : fail(`CC is set to '${process.env.CC}', which does not run`);
  for (const cc of ["cc", "gcc", "clang"]) if (works(cc)) return cc;
  const apt = works("apt-get");
  if (process.getuid?.() !== 0 || !apt) {
    fail(
      apt
        ? `no C compiler found; install one as root with \`apt-get install ${DEBIAN.join(" ")}\` (or set CC to a C compiler), then run this again`
        : "no C compiler found; install gcc or clang with your system's package manager (or set CC to a C compiler), then run this again",
    );
  }
  say(`no C compiler found; installing Debian's ${DEBIAN.join(" and ")} (apt-get update, then apt-get install -y ${DEBIAN.join(" ")})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "inherit", "inherit"], env });
  execFileSync("apt-get", ["install", "-y", "-qq", ...DEBIAN], { stdio: ["ignore", "inherit", "inherit"], env });
  return works("gcc") ? "gcc" : fail("apt-get installed gcc, but it does not run");
}

function sources(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? sources(p) : n.endsWith(".c") ? [p] : [];
    });
}

const src = join(root, "native", "src");
if (!existsSync(src)) fail(`${src} is missing (is ${root} machipc's package directory?)`);
const addon = join(root, "native", "addon");
const examples = join(root, "examples");
const bench = join(root, "native", "bench");

/** The newest modification time under `path` (0 when it does not exist). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  return st.isDirectory() ? Math.max(st.mtimeMs, ...readdirSync(path).map((n) => newest(join(path, n)))) : st.mtimeMs;
}
const outputs = [join(out, "libmachipc.so"), join(out, "machipc_native.node"), join(out, "machipc.pc"), ...(existsSync(examples) ? [join(out, "examples")] : []), ...(existsSync(bench) ? [join(out, "bench")] : [])];
const inputs = [src, addon, examples, bench, join(root, "native", "include"), join(root, "package.json"), fileURLToPath(import.meta.url)];
/** The oldest output file under `path` (0 when it does not exist or is empty). */
function oldest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  const inside = readdirSync(path).map((n) => oldest(join(path, n)));
  return inside.length ? Math.min(...inside) : 0;
}
const oldestOutput = Math.min(...outputs.map(oldest));
if (!process.argv.includes("--force") && oldestOutput > Math.max(...inputs.map(newest))) {
  say(`${out} is up to date with its C sources (nothing to compile)`);
  process.exit(0);
}
const cc = compiler();
// pkg-config reads native/build/machipc.pc for C programs built outside the checkout (README, test/native/pkgconfig.test.ts).
if (!works("pkg-config") && process.getuid?.() === 0 && works("apt-get")) {
  say("no pkg-config; installing Debian's pkgconf (apt-get install -y pkgconf)");
  execFileSync("apt-get", ["install", "-y", "-qq", "pkgconf"], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
const run = (args) => execFileSync(cc, args, { stdio: ["ignore", "inherit", "inherit"] });
const flags = ["-std=c11", "-Wall", "-Wextra", "-O2", `-I${join(root, "native", "include")}`];
mkdirSync(out, { recursive: true });
const lib = join(out, "libmachipc.so");
run([...flags, "-fPIC", "-shared", "-o", lib, ...sources(src), "-lpthread"]);
const built = [lib];
// machipc.pc: `cc $(pkg-config --cflags --libs machipc) prog.c` from any folder (with PKG_CONFIG_PATH=<out>),
// and the program finds libmachipc from any folder (an rpath to this build). The library is linked even
// though it comes before the program's objects on that command line, whatever --as-needed says.
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const pc = join(out, "machipc.pc");
writeFileSync(
  pc,
  [
    `includedir=${join(root, "native", "include")}`,
    `libdir=${out}`,
    "",
    "Name: machipc",
    "Description: XNU's Mach IPC for C programs, served by a machipc server",
    `Version: ${version}`,
    "Cflags: -I${includedir}",
    "Libs: -L${libdir} -Wl,-rpath,${libdir} -Wl,--push-state,--no-as-needed -lmachipc -Wl,--pop-state -lpthread",
    "",
  ].join("\n"),
);
built.push(pc);
// The server's helpers: every .c in native/addon, one shared object Node loads (napi_* resolve against node itself).
const napiInclude = join(dirname(createRequire(join(root, "package.json")).resolve("node-api-headers/package.json")), "include");
const node = join(out, "machipc_native.node");
const addonSources = readdirSync(addon).filter((n) => n.endsWith(".c")).sort().map((n) => join(addon, n));
run(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", `-I${napiInclude}`, "-o", node, ...addonSources]);
built.push(node);
// The examples and the benchmarks are in a clone, not in the package.
if (existsSync(examples)) {
  mkdirSync(join(out, "examples"), { recursive: true });
  for (const f of readdirSync(examples).filter((n) => n.endsWith(".c"))) {
    run([...flags, "-D_POSIX_C_SOURCE=200809L", "-o", join(out, "examples", f.slice(0, -2)), join(examples, f), `-L${out}`, "-lmachipc", "-Wl,-rpath,$ORIGIN/.."]);
  }
  built.push("the examples");
}
if (existsSync(bench)) {
  mkdirSync(join(out, "bench"), { recursive: true });
  for (const f of readdirSync(bench).filter((n) => n.endsWith(".c"))) {
    run([...flags, "-o", join(out, "bench", f.slice(0, -2)), join(bench, f), `-L${out}`, "-lmachipc", "-lpthread", "-Wl,-rpath,$ORIGIN/.."]);
  }
  built.push("the benchmarks");
}
say(`built ${built.join(", ")} with ${cc}`);
