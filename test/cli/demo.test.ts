import { test } from "node:test";
import assert from "node:assert/strict";
import { runDemo } from "../../src/cli/demo.js";

test("the narrated demo tells the host story and ends with right accounting intact", async () => {
  const lines: string[] = [];
  const code = await runDemo((l) => lines.push(l));
  const text = lines.join("\n");
  assert.equal(code, 0);
  assert.match(text, /a send right to the host PRIV port/);
  assert.match(text, /a send right to the plain HOST port/);
  assert.match(text, /HOST_PRIV_PORT: KERN_SUCCESS/);
  assert.match(text, /From app, with the plain host port: KERN_INVALID_ARGUMENT/);
  assert.match(text, /host_processors: \d+ send right/);
  assert.match(text, /disposition 17 \(PORT_SEND\)/);
  assert.match(text, /send \(1 ref\) -> app's port/);
  assert.match(text, /mask 0x1bfe -> handler 0x[0-9a-f]+, behavior 0x80000001/);
  assert.match(text, /host_swap_exception_ports with the same mach_exc behavior: KERN_INVALID_ARGUMENT/);
  assert.match(text, /every send, send-once and receive right is accounted for/);
});
