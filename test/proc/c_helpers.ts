/** Scaffolding for the C process tests: the test program, line-driven child processes, and a Mach exception handler in a Node client. */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MACH_MSG_SUCCESS, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG } from "../../src/abi/message.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MachClient, type ClientThread } from "../../src/client/index.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";
import { FAULT_MASK } from "./c_faults.js";
import type { MachipcServer } from "../../src/server/server.js";
import type { Task } from "../../src/kern/task.js";
import { startServer, until } from "../server/helpers.js";

const BUILD = resolve("native/build");

/**
 * test/proc/c/proctest.c, built against libmachipc (an absolute run path, so
 * copies elsewhere find it), in a directory of this test file's own: files
 * running side by side must not run a binary another is still writing.
 */
export function proctest(): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-proctest-"));
  chmodSync(dir, 0o755);
  const out = join(dir, "proctest");
  execFileSync(process.env["CC"] || "cc", ["-std=c11", "-Wall", "-Wextra", "-O1", "-Inative/include", "-o", out, "test/proc/c/proctest.c", `-L${BUILD}`, "-lmachipc", "-lpthread", `-Wl,-rpath,${BUILD}`], {
    stdio: "inherit",
  });
  return out;
}

export const example = (name: string): string => join(BUILD, "examples", name);

const live = new Set<ChildProcess>();
const servers = new Set<MachipcServer>();

/** A test server that a failed scenario's cleanup closes too. */
export async function serve(opts: Parameters<typeof startServer>[0] = {}): Promise<MachipcServer> {
  const s = await startServer(opts);
  servers.add(s);
  return s;
}

/** Kill what a failed test left running and close its servers (a passing test ends them itself). */
export async function killLeftovers(): Promise<void> {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  live.clear();
  for (const s of servers) await s.close().catch(() => undefined);
  servers.clear();
}

/** A child process read line by line, written to line by line. */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private partial = "";
  private waiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = "";

  constructor(file: string, args: string[], env: NodeJS.ProcessEnv, ids: { uid?: number; gid?: number } = {}) {
    this.child = spawn(file, args, { env, stdio: ["pipe", "pipe", "pipe"], ...ids });
    live.add(this.child);
    this.child.stdout!.on("data", (d: Buffer) => {
      this.partial += d.toString();
      const parts = this.partial.split("\n");
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((res) => this.child.once("close", (code, signal) => res({ code, signal })));
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The first line (from the start) matching `re`, waiting for it. */
  async line(re: RegExp, ms = 20000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      for (const l of this.lines) {
        const m = l.match(re);
        if (m) return m;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before ${re}: ${this.lines.join(" | ")} ${this.stderr}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}: ${this.lines.join(" | ")} ${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(text = "go"): void {
    this.child.stdin!.write(`${text}\n`);
  }
}

/** An exception message as a handler receives it (mach_exc: 64-bit codes). */
export interface CaughtException {
  id: number;
  replyPort: number;
  thread: number;
  task: number;
  exception: number;
  codes: bigint[];
  flavor: number;
  state: Uint32Array;
}

/** Receive one exception message on `port` (2405 mach_exception_raise or 2407 ..._state_identity). */
export async function catchException(h: ClientThread, port: number, timeoutMs = 20000): Promise<CaughtException> {
  const buf = new Uint8Array(4096);
  const mr = await h.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, timeoutMs);
  assert.equal(mr, MACH_MSG_SUCCESS, "an exception message arrives");
  const v = new DataView(buf.buffer);
  const id = v.getInt32(20, true);
  const codeCnt = v.getUint32(64, true);
  const codes = [0, 1].slice(0, codeCnt).map((i) => v.getBigInt64(68 + 8 * i, true));
  let flavor = 0;
  let state = new Uint32Array(0);
  if (id === 2407) {
    flavor = v.getInt32(84, true);
    const cnt = v.getUint32(88, true);
    state = new Uint32Array(cnt);
    for (let i = 0; i < cnt; i++) state[i] = v.getUint32(92 + 4 * i, true);
  }
  return { id, replyPort: v.getUint32(8, true), thread: v.getUint32(28, true), task: v.getUint32(40, true), exception: v.getInt32(60, true), codes, flavor, state };
}

/** Answer an exception: a bare code (DEFAULT, or a failed STATE reply), or KERN_SUCCESS with a new state. */
export async function answer(h: ClientThread, self: number, e: CaughtException, kr: number, state?: Uint32Array): Promise<void> {
  const withState = e.id === 2407 && kr === KERN_SUCCESS && state;
  const size = withState ? 44 + 4 * state.length : 36;
  const m = new Uint8Array(size);
  const v = new DataView(m.buffer);
  v.setUint32(0, 18, true); // MACH_MSG_TYPE_MOVE_SEND_ONCE
  v.setUint32(4, size, true);
  v.setUint32(8, e.replyPort, true);
  v.setInt32(20, e.id + 100, true);
  m.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  v.setInt32(32, kr, true);
  if (withState) {
    v.setInt32(36, e.flavor, true);
    v.setUint32(40, state.length, true);
    for (let i = 0; i < state.length; i++) v.setUint32(44 + 4 * i, state[i]!, true);
  }
  assert.equal(await h.machMsg(m, MACH_SEND_MSG, size, 0, 0), MACH_MSG_SUCCESS);
  // The thread and task rights the message brought go too.
  for (const n of [e.thread, e.task]) if (n) await h.call("mach_port_deallocate", self, { name: n });
}

/** A 64-bit register of an x86_THREAD_STATE64 / ARM_THREAD_STATE64 by index. */
export const reg = (s: Uint32Array, i: number): bigint => BigInt(s[2 * i]!) | (BigInt(s[2 * i + 1]!) << 32n);
export function setReg(s: Uint32Array, i: number, v: bigint): void {
  s[2 * i] = Number(v & 0xffffffffn);
  s[2 * i + 1] = Number((v >> 32n) & 0xffffffffn);
}

export const serverEnv = (server: MachipcServer, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, MACHIPC_SOCKET: server.socketPath, ...extra });

export function taskOf(server: MachipcServer, pid: number): Task {
  const t = server.kernel.tasks.get(pid);
  assert.ok(t, `a task for pid ${pid}`);
  return t;
}

/** The scenario's end: every client task gone (`base` tasks left: kernel_task, launchd), the invariant, the server closed. */
export async function idle(server: MachipcServer, base: number): Promise<void> {
  await until(() => server.kernel.tasks.size === base, "every client task to die", 20000);
  assert.deepEqual(server.kernel.findViolations(), []);
  servers.delete(server);
  await server.close();
}

export interface Handler {
  client: MachClient;
  t: ClientThread;
  self: number;
  port: number;
}

/** A handler process (a Node client, root): a port, and the C task's exception ports for the fault exceptions pointing at it. */
export async function handlerFor(server: MachipcServer, pid: number, behavior: number): Promise<Handler> {
  const client = await MachClient.connect({ socketPath: server.socketPath, name: "handler" });
  const t = client.mainThread;
  const self = await t.taskSelfTrap();
  const port = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
  await t.call("mach_port_insert_right", self, { name: port, poly: { name: port, disposition: 20 } });
  const task = (await t.taskForPid(self, pid)).task;
  const r = await t.call("task_set_exception_ports", task, { exception_mask: FAULT_MASK, new_port: port, behavior, new_flavor: x86_THREAD_STATE64 });
  assert.equal(r.kr, KERN_SUCCESS);
  await t.call("mach_port_deallocate", self, { name: task });
  return { client, t, self, port };
}

