/** The generated C (stubs, servers, headers) and docs/c-api.md are the routine descriptions rendered; the committed files must be that rendering. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { renderCApi, renderReadme } from "../../src/subsystems/c_api.js";

test("native/src/gen, the MIG headers and docs/c-api.md are the descriptions rendered (run `npm run gen:c` after changing a routine)", () => {
  const files = renderCApi();
  for (const [path, text] of files) {
    assert.ok(existsSync(path), `${path} is missing`);
    assert.equal(readFileSync(path, "utf8"), text, `${path} differs from its rendering`);
  }
  // Nothing stale: every file under native/src/gen is one the generator writes.
  for (const f of readdirSync("native/src/gen")) assert.ok(files.has(`native/src/gen/${f}`), `native/src/gen/${f} is not generated any more`);
  const readme = readFileSync("README.md", "utf8");
  assert.equal(readme, renderReadme(readme), "README.md's list of libmachipc's routines");
});

test("every served routine has its stub in the generated sources and its prototype in its header", async () => {
  const { cUserSubsystems } = await import("../../src/subsystems/c_api.js");
  const files = renderCApi();
  for (const s of cUserSubsystems) {
    const src = files.get(`native/src/gen/${s.name}_user.c`)!;
    const hdr = files.get(`native/include/mach/${s.name}.h`)!;
    for (const r of s.routines) {
      assert.match(src, new RegExp(`\\nkern_return_t ${r.name}\\(`), `${r.name} defined`);
      assert.match(hdr, new RegExp(`extern kern_return_t ${r.name}\\(`), `${r.name} declared`);
    }
  }
});
