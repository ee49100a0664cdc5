/** A server on a fresh temp socket for each test. */
import { after } from "node:test";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { MachipcServer } from "../../src/server/server.js";
import { FRAME_HEADER, FrameReader, HELLO, OP_HELLO, OP_TRAP, RESULT, TRAP, TRAP_TASK_SELF, frame, struct } from "../../src/server/protocol.js";
import { rdU32 } from "../../src/abi/bytes.js";

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

/** A raw client: HELLO, then its task's name for itself. */
export async function rawClient(path: string): Promise<{ sock: ReturnType<typeof connect>; self: number; next(): Promise<Uint8Array> }> {
  const sock = connect(path);
  await new Promise((r) => sock.once("connect", r));
  sock.setNoDelay?.(true);
  const reader = new FrameReader();
  const waiting: ((f: Uint8Array) => void)[] = [];
  const ready: Uint8Array[] = [];
  sock.on("data", (d: Buffer) => {
    reader.push(new Uint8Array(d));
    for (let f = reader.next(); f !== null && !(f instanceof Error); f = reader.next()) {
      const w = waiting.shift();
      if (w) w(f);
      else ready.push(f);
    }
  });
  const next = (): Promise<Uint8Array> => (ready.length > 0 ? Promise.resolve(ready.shift()!) : new Promise((r) => waiting.push(r)));
  const name = new TextEncoder().encode("raw-test");
  sock.write(frame(OP_HELLO, 1, 0, [struct(HELLO, { uid: process.getuid!(), gid: process.getgid!(), pid: process.pid, nameLength: name.byteLength }), name]));
  await next();
  sock.write(frame(OP_TRAP, 2, 0, [struct(TRAP, { trap: TRAP_TASK_SELF })]));
  const r = await next();
  return { sock, self: rdU32(r, FRAME_HEADER.size + RESULT.at.value), next };
}
