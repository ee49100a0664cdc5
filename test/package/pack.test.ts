/**
 * What `npm pack` makes from a clean clone (the committed tree, no dist/, no
 * native/build/): prepack builds dist/; the package carries what a consumer
 * needs (the built JS and its types, the sources its source maps name, the C
 * sources and build script, LICENSE) and no built binaries.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

test("npm pack from a clean clone: dist/ built by prepack, sources for every map, C sources, LICENSE, no binaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-pack-"));
  const clone = join(dir, "machipc");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", process.cwd(), clone]);
  assert.ok(!existsSync(join(clone, "dist")), "a clean clone has no dist/");
  symlinkSync(resolve("node_modules"), join(clone, "node_modules"));
  const stdout = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: clone, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [pack] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { files: { path: string }[] }[];
  const files = new Set(pack!.files.map((f) => f.path));
  for (const f of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/client/index.js", "dist/client/index.d.ts", "dist/cli/main.js", "scripts/build-native.mjs", "native/include/mach/mach.h", "native/include/machipc/constants.h", "native/src/internal.h", "native/addon/module.c"]) {
    assert.ok(files.has(f), `the package has ${f}`);
  }
  assert.ok([...files].some((f) => /^native\/src\/[a-z_]+\.c$/.test(f)), "the C library's sources");
  for (const f of files) {
    assert.ok(!/\.(so|o|a|dylib|tsbuildinfo)$/.test(f) && !f.startsWith("native/build/"), `no built binary: ${f}`);
    assert.ok(!/^(test|bench|examples|docs|\.ci|build)\//.test(f), `nothing the consumer does not need: ${f}`);
  }
  // Every source map's sources ship with it.
  for (const f of files) {
    if (!f.endsWith(".js.map")) continue;
    const map = JSON.parse(readFileSync(join(clone, f), "utf8")) as { sources: string[] };
    for (const s of map.sources) {
      const src = join(f, "..", s).replace(/\\/g, "/");
      assert.ok(files.has(src), `${f} names ${src}, which ships`);
    }
  }
  // The bin runs as a script, and the licence file is the licence package.json names.
  assert.match(readFileSync(join(clone, "dist/cli/main.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);
  const pkg = JSON.parse(readFileSync(join(clone, "package.json"), "utf8")) as { license: string; repository: { url: string }; homepage: string; bugs: { url: string }; bin: Record<string, string>; type: string };
  assert.equal(pkg.license, "MIT");
  assert.match(readFileSync(join(clone, "LICENSE"), "utf8"), /^MIT License\n\nCopyright \(c\) \d{4} machipc contributors\n\nPermission is hereby granted, free of charge/);
  assert.ok(pkg.repository.url && pkg.homepage && pkg.bugs.url, "repository, homepage, bugs");
  assert.equal(pkg.type, "module");
  assert.ok(files.has(pkg.bin["machipc"]!));
  // `npx machipc build-native` compiles the server's N-API helper against these headers in the consumer's install.
  assert.ok((pkg as { dependencies?: Record<string, string> }).dependencies?.["node-api-headers"]);
});
