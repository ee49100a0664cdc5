/**
 * The README's TypeScript snippets type-check as a user's code would: strict,
 * NodeNext, importing the package by its name (the built dist/ and its types).
 * (Its C lines are test/native/pkgconfig.test.ts's.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

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
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: true }, include: ["*.ts"] }),
  );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`README snippets do not type-check:\n${(e as { stdout: string }).stdout}`);
  }
});
