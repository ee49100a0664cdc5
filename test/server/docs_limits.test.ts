/** docs/server.md states every server limit with its flag and default, as src/server/limits.ts declares them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULT_LIMITS, LIMIT_OPTIONS } from "../../src/server/limits.js";

test("every limit of `machipc serve` is in docs/server.md's table with its default", () => {
  const doc = readFileSync(new URL("../../docs/server.md", import.meta.url), "utf8");
  assert.equal(LIMIT_OPTIONS.length, Object.keys(DEFAULT_LIMITS).length, "each limit has a flag");
  for (const o of LIMIT_OPTIONS) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${o.flag} N\``));
    assert.ok(row, `docs/server.md has a row for ${o.flag}`);
    assert.match(row, new RegExp(`\\| ${DEFAULT_LIMITS[o.key]}( |\\|)`), `${o.flag}'s default is ${DEFAULT_LIMITS[o.key]}`);
  }
});
