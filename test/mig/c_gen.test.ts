/** The generated C (stubs, servers, headers) and docs/c-api.md are the routine descriptions rendered; the committed files must be that rendering. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { renderCApi, renderReadme } from "../../src/subsystems/c_api.js";
import type { Routine } from "../../src/mig/routine.js";
import { cStubName, cUserName, userHeaderPath } from "../../src/mig/c_files.js";

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
    const hdr = files.get(userHeaderPath(s))!;
    for (const r of s.routines) {
      const name = cUserName(s, r);
      const stub = cStubName(s, r);
      // A routine the user side skips is libmachipc's own (native/src), over another subsystem's stub.
      if (stub === null) assert.doesNotMatch(src, new RegExp(`\\nkern_return_t ${name}\\(`), `${name} not generated`);
      else assert.match(src, new RegExp(`\\nkern_return_t ${stub}\\(`), `${stub} defined`);
      assert.match(hdr, new RegExp(`extern kern_return_t ${name}\\(`), `${name} declared`);
    }
  }
});

test("the bootstrap calls are wrappers over job.defs' generated vproc_mig_ stubs: no hand-written stub is left", async () => {
  const { cUserSubsystems } = await import("../../src/subsystems/c_api.js");
  const job = cUserSubsystems.find((s) => s.name === "job")!;
  assert.equal(userHeaderPath(job), "native/src/gen/job.h", "a private header: job.defs' stubs are liblaunch's, not the SDK's");
  const wrappers = readFileSync("native/src/bootstrap.c", "utf8");
  assert.match(wrappers, /#include "gen\/job.h"/);
  for (const r of job.routines) {
    const name = cUserName(job, r);
    assert.doesNotMatch(wrappers, new RegExp(`kern_return_t ${name}\\(`), `${name} is only the generated one`);
    assert.match(wrappers, new RegExp(`\\b${name}\\(`), `<servers/bootstrap.h> calls ${name}`);
  }
  // Nothing outside native/src/gen defines a stub of job.defs.
  for (const f of readdirSync("native/src").filter((x) => x.endsWith(".c")))
    assert.doesNotMatch(readFileSync(`native/src/${f}`, "utf8"), /^[^\n]*\bkern_return_t vproc_mig_\w+\([^;]*\{/m, `native/src/${f}`);
});

test("a routine marked `trap` gets libsystem's wrapper: the trap first, the MIG message (as _kernelrpc_<name>) on MACH_SEND_INVALID_DEST", async () => {
  const { trap } = await import("../../src/subsystems/common.js");
  const { machPortRoutines } = await import("../../src/subsystems/mach_port.js");
  const { renderCFiles } = await import("../../src/mig/c_files.js");
  const marked = machPortRoutines.map((r) => (r.name === "mach_port_allocate" ? trap(r) : r));
  const files = renderCFiles([{ name: "mach_port", base: 3200, routines: marked as unknown as Routine<unknown>[] }], []);
  const src = files.get("native/src/gen/mach_port_user.c")!;
  const hdr = files.get("native/include/mach/mach_port.h")!;
  assert.match(src, /\nkern_return_t _kernelrpc_mach_port_allocate\(ipc_space_t task, mach_port_right_t right, mach_port_name_t \*name\) \{/);
  assert.match(
    src,
    /kern_return_t mach_port_allocate\(ipc_space_t task, mach_port_right_t right, mach_port_name_t \*name\) \{\n {2}kern_return_t kr = _kernelrpc_mach_port_allocate_trap\(task, right, name\);\n.*\n {2}if \(kr == MACH_SEND_INVALID_DEST\) kr = _kernelrpc_mach_port_allocate\(task, right, name\);\n {2}return kr;\n\}/,
  );
  assert.match(hdr, /extern kern_return_t mach_port_allocate\(/);
  assert.match(hdr, /extern kern_return_t _kernelrpc_mach_port_allocate\(/);
  // The unmarked routines keep their plain stubs, and the marked one's message is unchanged.
  assert.match(src, /\nkern_return_t mach_port_type\(ipc_space_t task, mach_port_name_t name, mach_port_type_t \*ptype\) \{\n {2}union/);
  assert.equal(marked.find((r) => r.name === "mach_port_allocate")!.id, 3204);
});
