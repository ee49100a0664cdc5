/**
 * The C examples of the process features, built by the native build and run
 * against a server: the crash reporter, a debugger's breakpoint, and two
 * unrelated processes meeting through bootstrap.
 */
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { until } from "../server/helpers.js";
import { Proc, serve, example, idle, killLeftovers, serverEnv as env } from "./c_helpers.js";

afterEach(killLeftovers);

test("the crash reporter catches a real NULL dereference and lets the child die of it, or resumes it past the load", async () => {
  const server = await serve();
  const die = new Proc(example("crashreporter"), ["die"], env(server));
  assert.deepEqual(await die.exited, { code: 0, signal: null });
  const out = die.lines.join("\n");
  assert.match(out, /fault address: 0x0 \(KERN_INVALID_ADDRESS\)/);
  assert.match(out, /  rip    0x[0-9a-f]{16}/);
  assert.match(out, /child \d+ died of signal 11/);
  const resume = new Proc(example("crashreporter"), ["resume"], env(server));
  assert.deepEqual(await resume.exited, { code: 0, signal: null });
  const r = resume.lines.join("\n");
  const rip = BigInt(r.match(/  rip    (0x[0-9a-f]+)/)![1]!);
  assert.match(r, new RegExp(`resuming the child at 0x${(rip + 2n).toString(16)}`));
  assert.match(r, /child \d+: resumed after the fault/);
  assert.match(r, /child \d+ exited with status 0/);
  await idle(server, 1);
});

test("a debugger's EXC_BREAKPOINT on int3: thread_get_state and thread_set_state while the thread waits", async () => {
  const server = await serve();
  const p = new Proc(example("breakpoint"), [], env(server));
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  const out = p.lines.join("\n");
  assert.match(out, /debugger: exception 6 \(EXC_BREAKPOINT is 6\), code 2/);
  assert.match(out, /debugger: stopped at pc 0x[0-9a-f]+, register 0/);
  assert.match(out, /child: after the breakpoint the register holds 42/);
  await idle(server, 1);
});

test("two unrelated processes meet through bootstrap_check_in and bootstrap_look_up", async () => {
  const server = await serve({ bootstrap: true });
  const srv = new Proc(example("bsmeet"), ["serve", "com.example.bsmeet"], env(server));
  await srv.line(/^serving com\.example\.bsmeet/);
  const call = new Proc(example("bsmeet"), ["call", "com.example.bsmeet", "hello from afar"], env(server));
  assert.deepEqual(await call.exited, { code: 0, signal: null });
  assert.match(call.lines.join("\n"), /answer \(id 600\): "hello from afar, back"/);
  assert.deepEqual(await srv.exited, { code: 0, signal: null });
  assert.match(srv.lines.join("\n"), /received "hello from afar"/);
  // A name nobody serves, and one already checked in.
  const none = new Proc(example("bsmeet"), ["call", "com.example.nobody", "x"], env(server));
  assert.equal((await none.exited).code, 1);
  assert.match(none.stderr, /Unknown service name/);
  await until(() => server.kernel.bootstrap!.list().length === 0, "the server's name to go with it");
  await idle(server, 2);
});
