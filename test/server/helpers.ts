/** A server on a fresh temp socket for each test. */
import { after } from "node:test";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MachipcServer } from "../../src/server/server.js";

/**
 * Every server a test file started, closed when the file ends: a test that
 * fails before its own close() would otherwise keep the file's process alive
 * until the runner's timeout (closing a closed server is harmless).
 */
const started = new Set<MachipcServer>();
after(async () => {
  for (const s of started) await s.close();
  started.clear();
});

/**
 * `bootstrap` starts launchd (pid 1) as `machipc serve` does; tests that count
 * the server's tasks leave it out (then only kernel_task is there when idle).
 */
export async function startServer(
  opts: { maxNames?: number; bootstrap?: boolean; services?: string[]; taskForPid?: "root" | "posix"; system?: boolean; cpus?: number } = {},
): Promise<MachipcServer> {
  const dir = mkdtempSync(join(tmpdir(), "machipc-test-"));
  // A system server (every user may connect) lives in a root-owned 0755 directory.
  if (opts.system) chmodSync(dir, 0o755);
  const bootstrap = opts.bootstrap || opts.services ? { services: opts.services ?? [] } : false;
  const server = new MachipcServer({
    socketPath: join(dir, "s.sock"),
    system: opts.system,
    boot: { cpus: opts.cpus ?? 2, bootstrap, taskForPid: opts.taskForPid },
    maxNames: opts.maxNames,
  });
  await server.listen();
  started.add(server);
  return server;
}

/** Wait until `cond` holds (the server reacts to disconnects asynchronously). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
