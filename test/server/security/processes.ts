/**
 * Real processes for the security tests: a `machipc serve` process started by
 * the test (as root or as a user), and client processes run as other uids
 * with child_process's uid/gid, each a small script against the built
 * client (dist/). The tests run as root, so they can be anyone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MachClient } from "../../../src/client/index.js";
import { ADMIN_INVARIANT } from "../../../src/server/protocol.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const dist = (p: string): string => pathToFileURL(join(ROOT, "dist", p)).href;

export const ALICE = { uid: 501, gid: 20 };
export const BOB = { uid: 502, gid: 20 };
export type Who = { uid: number; gid: number };

/** A directory made by root for the test, with `mode` (0755 lets other users in). */
export function testDir(mode = 0o755, prefix = "machipc-sec-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, mode);
  return d;
}

/** What every client script starts with: the client, the wire, and helpers to lie in HELLO or speak raw frames. */
const PRELUDE = `
import net from "node:net";
import { MachClient, parseResult } from ${JSON.stringify(dist("client/index.js"))};
import * as P from ${JSON.stringify(dist("server/protocol.js"))};
import * as M from ${JSON.stringify(dist("index.js"))};
const socketPath = process.env.SOCK;
const say = (o) => console.log(JSON.stringify(o));
/** The next HELLO this process sends claims these ids instead of its own. */
function forgeHello(uid, gid, pid) {
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    const b = chunk instanceof Uint8Array ? chunk : null;
    if (b && b.byteLength >= 32 && new DataView(b.buffer, b.byteOffset).getUint32(4, true) === P.OP_HELLO) {
      const v = new DataView(b.buffer, b.byteOffset);
      v.setUint32(16, uid, true); v.setUint32(20, gid, true); v.setUint32(24, pid, true);
      net.Socket.prototype.write = write;
    }
    return write.call(this, chunk, ...rest);
  };
}
/** A connection speaking frames by hand. */
async function raw(path = socketPath) {
  const sock = net.connect(path);
  await new Promise((ok, no) => { sock.once("connect", ok); sock.once("error", no); });
  const reader = new P.FrameReader();
  const queue = [];
  const waiting = [];
  let closed = false;
  sock.on("data", (c) => { reader.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)); for (let f = reader.next(); f && !(f instanceof Error); f = reader.next()) { const r = parseResult(f); (waiting.shift() ?? ((x) => queue.push(x)))(r); } });
  sock.on("close", () => { closed = true; for (const w of waiting.splice(0)) w(null); });
  sock.on("error", () => {});
  return {
    sock,
    get closed() { return closed; },
    send(op, parts, seq = 1) { sock.write(P.frame(op, seq, 0, parts)); },
    next() { return queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(null) : new Promise((r) => waiting.push(r)); },
    closedSoon(ms = 5000) { return closed ? Promise.resolve(true) : new Promise((r) => { sock.once("close", () => r(true)); setTimeout(() => r(false), ms); }); },
  };
}
/** A receive right with a send right under the same name. */
async function newPort(t, self) {
  const p = (await t.call("mach_port_allocate", self, { right: 1 })).name;
  await t.call("mach_port_insert_right", self, { name: p, poly: { name: p, disposition: 20 } });
  return p;
}
/** A message to dest (COPY_SEND) carrying one out-of-line region, not deallocated. */
function oolMessage(dest, address, size, id = 77) {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x80000013, true); v.setUint32(4, 44, true); v.setUint32(8, dest, true); v.setInt32(20, id, true); v.setUint32(24, 1, true);
  M.OOL_DESCRIPTOR.write(v, 28, { address, deallocate: 0, copy: 0, type: 1, size });
  return b;
}
/** A simple message to dest with \`body\` inline. */
function inlineMessage(dest, body, id = 78) {
  const size = 24 + ((body.length + 3) & ~3);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x13, true); v.setUint32(4, size, true); v.setUint32(8, dest, true); v.setInt32(20, id, true);
  b.set(body, 24);
  return b;
}
const u64 = (v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); return b; };
`;

let scriptDir: string | null = null;

/** Write a client script (PRELUDE + body) where every user can read it. */
function script(body: string): string {
  scriptDir ??= testDir(0o755, "machipc-scripts-");
  const path = join(scriptDir, `c${Math.random().toString(36).slice(2)}.mjs`);
  // Open connections would keep a finished script alive: it exits when its body is done.
  writeFileSync(path, `${PRELUDE}\n${body}\nprocess.exit(0);\n`, { mode: 0o644 });
  return path;
}

export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves with the first JSON line of stdout that has `key`. */
  line: (key: string, ms?: number) => Promise<Record<string, unknown>>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Every process a test started, so a failed test cannot leave one waiting (stop() ends them). */
const running = new Set<ChildProcess>();

function watch(child: ChildProcess): Proc {
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once("close", (code) => resolve({ code, stdout: out, stderr: err })));
  const line = async (key: string, ms = 30000): Promise<Record<string, unknown>> => {
    const end = Date.now() + ms;
    for (;;) {
      for (const l of out.split("\n")) {
        if (!l.startsWith("{")) continue;
        const o = JSON.parse(l) as Record<string, unknown>;
        if (key in o) return o;
      }
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no "${key}" from the client; stdout: ${out} stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { child, out: () => out, err: () => err, line, done };
}

/** Run a client script as `who`, with SOCK set to `socketPath`. */
export function client(who: Who, socketPath: string, body: string, env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [script(body)], { uid: who.uid, gid: who.gid, cwd: "/", env: { PATH: process.env["PATH"] ?? "", SOCK: socketPath, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  return watch(child);
}

/** Any command as `who` (the CLI, the C examples). */
export function command(who: Who, file: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(file, args, { uid: who.uid, gid: who.gid, cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  return watch(child);
}

export interface ServerProc extends Proc {
  socketPath: string;
  pid: number;
  /** Resident memory of the server process, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/** `machipc serve ARGS` as `who` (root by default) under `umask`; resolves once it listens. */
export async function serve(args: string[], opts: { who?: Who; umask?: number; env?: Record<string, string> } = {}): Promise<ServerProc> {
  const who = opts.who ?? { uid: 0, gid: 0 };
  const umask = (opts.umask ?? 0o022).toString(8);
  const child = spawn("/bin/sh", ["-c", `umask ${umask}; exec "$0" "$@"`, process.execPath, join(ROOT, "dist/cli/main.js"), "serve", ...args], {
    uid: who.uid,
    gid: who.gid,
    cwd: "/",
    env: { PATH: process.env["PATH"] ?? "", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const p = watch(child);
  const end = Date.now() + 30000;
  let m: RegExpMatchArray | null = null;
  // machipc serve logs to stderr (data alone goes to stdout).
  while (!(m = p.err().match(/serving .* on (\S+) \(/))) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`the server did not start: ${p.out()} ${p.err()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    ...p,
    socketPath: m[1]!,
    pid: child.pid!,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) * 1024,
    stop: async () => {
      child.kill("SIGTERM");
      await p.done;
      for (const c of running) c.kill("SIGKILL");
    },
  };
}

/** Bytes the server's clients hold in it now (its memory accounting, docs/server.md). */
export async function serverHeld(socketPath: string): Promise<number> {
  return asRoot(socketPath, async (c) => ((await c.admin(ADMIN_INVARIANT)) as { heldBytes: number }).heldBytes);
}

/** Run `fn` with a root client of the server (root may connect to any server it can reach). */
export async function asRoot<T>(socketPath: string, fn: (c: MachClient) => Promise<T>): Promise<T> {
  const c = await MachClient.connect({ socketPath, name: "root-observer" });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** The served kernel's right-accounting invariant, asked of the server process (by root, or by the user whose server it is). */
export async function serverViolations(socketPath: string, who?: Who): Promise<string[]> {
  if (!who) return asRoot(socketPath, async (c) => ((await c.admin(ADMIN_INVARIANT)) as { violations: string[] }).violations);
  const p = client(who, socketPath, `const c = await MachClient.connect({ socketPath }); say({ check: await c.admin(${ADMIN_INVARIANT}) }); c.close();`);
  return ((await p.line("check"))["check"] as { violations: string[] }).violations;
}

/** Wait until `cond` holds. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
