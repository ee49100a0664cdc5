/**
 * Running one of test/native/programs' check() programs against a server of its own: every line
 * must be "ok", every check() in the source must have run, the program's tasks must die, and the
 * kernel's right accounting must hold afterwards.
 */
import assert from "node:assert/strict";
import { chmodSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

export async function runCheckProgram(
  name: string,
  opts: { flags?: string[]; args?: string[]; env?: NodeJS.ProcessEnv; server?: Parameters<typeof startServer>[0]; as?: { uid: number; gid: number } } = {},
): Promise<void> {
  const source = readFileSync(`test/native/programs/${name}.c`, "utf8");
  const prog = compile(source, { link: true, name, flags: opts.flags ?? [] });
  // Run as another user (root only): that user must reach the program in its private directory.
  if (opts.as) chmodSync(dirname(prog), 0o755);
  const server = await startServer(opts.server);
  // The kernel's own tasks (launchd and its services when bootstrapped) stay; the program's go.
  const own = server.kernel.tasks.size;
  try {
    const r = await run(prog, opts.args ?? [], { env: { ...process.env, ...opts.env, MACHIPC_SOCKET: server.socketPath }, timeout: 120_000, ...opts.as }).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
    assert.equal(lines.length, source.split(/\n\s*check\(/).length - 1, "every check ran");
    await until(() => server.kernel.tasks.size === own, `${name}'s tasks to die`);
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
}
