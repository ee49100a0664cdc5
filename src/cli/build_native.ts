/**
 * `machipc build-native`: build libmachipc (and, in a clone, the C examples
 * and benchmarks) with the machine's C compiler. Where there is none it says
 * what it is about to install before installing it (root with apt-get), or
 * exactly what to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface BuildNativeOptions {
  /** The package's root (holding native/ and, in a clone, examples/). */
  root: string;
  /** Output directory; default <root>/native/build. */
  out?: string;
  log: (line: string) => void;
}

const DEBIAN_PACKAGES = ["gcc", "libc6-dev"];

const works = (cmd: string): boolean => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;

/** A C compiler: $CC, cc, gcc or clang; installs gcc when it may. Throws with one sentence when it cannot. */
export function findCompiler(log: (line: string) => void): string {
  const env = process.env["CC"];
  if (env) {
    if (works(env)) return env;
    throw new Error(`build-native: CC is set to '${env}', which does not run`);
  }
  for (const cc of ["cc", "gcc", "clang"]) if (works(cc)) return cc;
  const apt = works("apt-get");
  if (process.getuid?.() !== 0 || !apt) {
    throw new Error(
      apt
        ? `build-native: no C compiler found; install one as root with \`apt-get install ${DEBIAN_PACKAGES.join(" ")}\` (or set CC to a C compiler) and run it again`
        : "build-native: no C compiler found; install gcc or clang with your system's package manager (or set CC to a C compiler) and run it again",
    );
  }
  log(`build-native: no C compiler found; installing Debian's ${DEBIAN_PACKAGES.join(" and ")} (apt-get update, then apt-get install -y ${DEBIAN_PACKAGES.join(" ")})`);
  const env2 = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "inherit", "inherit"], env: env2 });
  execFileSync("apt-get", ["install", "-y", "-qq", ...DEBIAN_PACKAGES], { stdio: ["ignore", "inherit", "inherit"], env: env2 });
  if (!works("gcc")) throw new Error("build-native: apt-get installed gcc, but it does not run");
  return "gcc";
}

export function buildNative(opts: BuildNativeOptions): string {
  const { root, log } = opts;
  const src = join(root, "native", "src", "machipc.c");
  if (!existsSync(src)) throw new Error(`build-native: ${src} is missing (is this machipc's package directory?)`);
  const cc = findCompiler(log);
  const out = opts.out ?? join(root, "native", "build");
  mkdirSync(out, { recursive: true });
  const flags = ["-std=c11", "-Wall", "-Wextra", "-O2", `-I${join(root, "native", "include")}`];
  const run = (args: string[]): void => void execFileSync(cc, args, { stdio: ["ignore", "inherit", "inherit"] });
  const lib = join(out, "libmachipc.so");
  log(`build-native: ${cc} -> ${lib}`);
  run([...flags, "-fPIC", "-shared", "-o", lib, src, "-lpthread"]);
  const built = [lib];
  // The examples and benchmarks live in a clone, not in the package.
  const examples = join(root, "examples");
  if (existsSync(examples)) {
    mkdirSync(join(out, "examples"), { recursive: true });
    for (const f of readdirSync(examples).filter((n) => n.endsWith(".c"))) {
      const exe = join(out, "examples", f.slice(0, -2));
      run([...flags, "-D_POSIX_C_SOURCE=200809L", "-o", exe, join(examples, f), `-L${out}`, "-lmachipc", "-Wl,-rpath,$ORIGIN/.."]);
    }
    built.push(`${join(out, "examples")}/*`);
  }
  const bench = join(root, "native", "bench", "pingpong.c");
  if (existsSync(bench)) {
    mkdirSync(join(out, "bench"), { recursive: true });
    run([...flags, "-o", join(out, "bench", "pingpong"), bench, `-L${out}`, "-lmachipc", "-Wl,-rpath,$ORIGIN/.."]);
    built.push(join(out, "bench", "pingpong"));
  }
  log(`build-native: built ${built.join(", ")}`);
  return lib;
}
