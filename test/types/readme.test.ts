/**
 * The README's TypeScript snippets type-check as a user's code would: strict,
 * NodeNext, importing the package by its name (the built dist/ and its types),
 * and its C snippet builds into a binary that runs from any directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { startServer } from "../server/helpers.js";

const blocks = (lang: string): string[] => [...readFileSync("README.md", "utf8").matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

test("every ```ts block of the README type-checks under strict NodeNext against the package", () => {
  const ts = blocks("ts");
  assert.ok(ts.length >= 2);
  // Inside the package directory, so `machipc` and `machipc/client` resolve to the package itself.
  const dir = join("build", "readme-snippets");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  ts.forEach((code, i) => writeFileSync(join(dir, `snippet${i}.ts`), `${code}\nexport {};\n`));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: false }, include: ["*.ts"] }),
  );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`README snippets do not type-check:\n${(e as { stdout: string }).stdout}`);
  }
});

test("the README's C snippet, built with its own command line, runs from another directory", async () => {
  const [c] = blocks("c");
  const [sh] = blocks("sh").filter((b) => b.includes("cc -Inative/include"));
  const dir = resolve("build", "readme-c");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync("build/readme-c/hello.c", c!);
  const line = sh!.split("\n").find((l) => l.startsWith("cc "))!.replace("hello.c", "build/readme-c/hello.c").replace("-o hello", "-o build/readme-c/hello");
  execFileSync("sh", ["-c", line]);
  const server = await startServer();
  try {
    // Asynchronously: the server answering it runs in this process.
    const { stdout: out } = await promisify(execFile)(join(dir, "hello"), { cwd: "/", encoding: "utf8", env: { ...process.env, MACHIPC_SOCKET: server.socketPath } });
    assert.match(out, /^2 CPUs, \d+ bytes\n$/);
  } finally {
    await server.close();
  }
});
