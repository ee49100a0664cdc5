/** The C library and examples, built by scripts/build-native.mjs, against a server the test starts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { startServer, until } from "./helpers.js";

const run = promisify(execFile);
const bin = (name: string) => `native/build/examples/${name}`;

test("the C examples build and run end to end: hostinfo, processors, excport, rendezvous", async () => {
  assert.ok(existsSync(bin("hostinfo")), "npm test builds native/ first (npm run build:native)");
  const server = await startServer();
  const env = { ...process.env, MACHIPC_SOCKET: server.socketPath };
  const h = await run(bin("hostinfo"), [], { env });
  assert.match(h.stdout, /Mach kernel version:\n\t Darwin Kernel Version 15\.4\.0/);
  assert.match(h.stdout, /Kernel configured for up to 2 processors\./);
  assert.match(h.stdout, /memory_size \(capped\): \d+/);
  const p = await run(bin("processors"), [], { env });
  assert.match(p.stdout, /^2 processors\nprocessor 0: type 0x1000007 running 1 master 1\nprocessor 1: type 0x1000007 running 1 master 0\n$/);
  const e = await run(bin("excport"), [], { env });
  // Ours for EXC_BAD_ACCESS, bsdinit's ux handler for the rest of 0x19FE, nothing for RPC_ALERT.
  assert.match(e.stdout, /host_get_exception_ports: \(os\/kern\) successful, 3 entries/);
  assert.match(e.stdout, /mask 0x2 handler ours behavior 0x80000001 flavor 0\n  mask 0x19fc handler other behavior 0x80000001 flavor 0\n  mask 0x200 handler none/);
  // Two processes pass a port right through a third.
  const registrar = spawn(bin("rendezvous"), ["registrar"], { env });
  let regOut = "";
  registrar.stdout.on("data", (d) => (regOut += d));
  const registrarExit = new Promise((r) => registrar.once("close", r));
  await until(() => regOut.includes("registrar ready"), "the registrar");
  const served = run(bin("rendezvous"), ["serve", "echo"], { env });
  await until(() => regOut.includes("registered echo"), "registration");
  const called = await run(bin("rendezvous"), ["call", "echo", "hello through a third"], { env });
  assert.match(called.stdout, /sent to echo: ok/);
  assert.match((await served).stdout, /received "hello through a third" \(id 102\)/);
  await registrarExit;
  assert.match(regOut, /looked up echo/);
  await until(() => server.kernel.tasks.size === 1, "every C task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("a C program with no server gets a clear error", async () => {
  const r = await run(bin("hostinfo"), [], { env: { ...process.env, MACHIPC_SOCKET: "/nonexistent/x.sock" } }).catch((e: { stderr: string; code: number }) => e);
  assert.match((r as { stderr: string }).stderr, /machipc: no server at \/nonexistent\/x\.sock/);
});
