/** Compiling and running small C programs against native/include and libmachipc, for the native tests. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

export const INCLUDE = "native/include";
/** The test programs' own headers (check.h), for a program compiled from a copy of its source. */
export const PROGRAMS = "test/native/programs";
export const LIBDIR = "native/build";

/** Every header machipc ships, as an #include spelling, leaving out the other machine's directory. */
export function shippedHeaders(): string[] {
  const other = process.arch === "arm64" ? "mach/i386" : "mach/arm";
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : n.endsWith(".h") ? [relative(INCLUDE, p)] : [];
      });
  return walk(INCLUDE).filter((h) => !h.startsWith(other + "/"));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "machipc-cc-"));
}

/** Compiles `source` (C, or C++ when `cxx`) to an object file or, with `link`, an executable; returns the output path. */
export function compile(source: string, opts: { cxx?: boolean; link?: boolean; name?: string; flags?: string[] } = {}): string {
  const dir = tempDir();
  const src = join(dir, `${opts.name ?? "t"}.${opts.cxx ? "cc" : "c"}`);
  writeFileSync(src, source);
  const out = join(dir, opts.link ? (opts.name ?? "t") : "t.o");
  const std = opts.cxx ? ["-std=c++17"] : ["-std=c11"];
  const link = opts.link ? [`-L${LIBDIR}`, "-lmachipc", `-Wl,-rpath,${join(process.cwd(), LIBDIR)}`, "-lpthread"] : ["-c"];
  execFileSync(opts.cxx ? "c++" : "cc", [...std, "-Wall", "-Wextra", "-Werror", `-I${INCLUDE}`, `-I${PROGRAMS}`, ...(opts.flags ?? []), src, "-o", out, ...link], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return out;
}

/** Runs a compiled program and returns its standard output. */
export function runProgram(path: string, env: Record<string, string> = {}): string {
  return execFileSync(path, [], { env: { ...process.env, ...env }, encoding: "utf8" });
}
