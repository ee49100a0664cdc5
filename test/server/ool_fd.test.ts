/**
 * Out-of-line regions between libmachipc processes by file descriptor (src/server/ool_fd.ts):
 * a sealed memfd passed on a side channel, held unread in the message, passed on to a C
 * receiver with a side channel and read (pread) for anyone else. Every scenario ends with
 * the right-accounting invariant and the server's descriptors back where they were.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, readlinkSync, mkdtempSync } from "node:fs";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../native/cc.js";
import { startServer, until } from "./helpers.js";
import { MachipcServer } from "../../src/server/server.js";
import { MachClient } from "../../src/client/index.js";
import { actor } from "../helpers/kernel.js";
import { bootstrapCheckIn } from "../../src/subsystems/bootstrap_user.js";
import { TASK_BOOTSTRAP_PORT } from "../../src/kern/ipc_tt.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_MSG_SUCCESS, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_RCV_TOO_LARGE, MACH_PORT_RIGHT_RECEIVE } from "../../src/index.js";
import { OOL_DESCRIPTOR } from "../../src/abi/msg_layout.js";
import { viewOf } from "../../src/abi/layout.js";
import type { MachMsgCaller } from "../../src/mig/call.js";

const run = promisify(execFile);
const BIG = 64 * 1024;

/** The descriptors this process (the server) holds. */
const fdCount = (): number => readdirSync("/proc/self/fd").length;
/** Those of them that are libmachipc's memfds (regions held for messages). */
function memfdCount(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("/memfd:machipc-ool")) n++;
    } catch {
      // closed while listed
    }
  }
  return n;
}

let good: string | null = null;
const program = (): string => (good ??= compile(readFileSync("test/native/programs/ool_fd.c", "utf8"), { link: true, name: "ool_fd" }));

/** Run the C program to its end; its "ok"/"FAIL" lines, all ok. */
async function runChecks(prog: string, args: string[], socket: string): Promise<string[]> {
  const r = await run(prog, args, { env: { ...process.env, MACHIPC_SOCKET: socket } }).catch((e: { stdout: string; stderr: string }) => e);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
  return lines;
}

/** Every C task is gone, the invariant holds, and the server holds no more descriptors than before. */
async function settled(server: MachipcServer, tasks: number, fds: number): Promise<void> {
  await until(() => server.kernel.tasks.size === tasks, "the C tasks to die");
  await until(() => fdCount() <= fds, `the server's descriptors back to ${fds} (now ${fdCount()})`);
  assert.deepEqual(server.kernel.findViolations(), []);
}

function patterned(bytes: Uint8Array): boolean {
  if (bytes.byteLength !== BIG) return false;
  for (let i = 0; i < BIG; i++) if (bytes[i] !== ((i * 7 + 3) & 0xff)) return false;
  return true;
}

/** Receive one message of a 64 KiB region on `port`: its mach_msg_return_t and the region's address and size. */
async function receiveRegion(t: MachMsgCaller, port: number, size = 256): Promise<{ mr: number; address: bigint; bytes: number }> {
  const buf = new Uint8Array(size);
  const mr = await t.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.byteLength, port, 5000);
  if (mr !== MACH_MSG_SUCCESS) return { mr, address: 0n, bytes: 0 };
  const d = OOL_DESCRIPTOR.read(viewOf(buf), 28);
  return { mr, address: d.address, bytes: d.size };
}

test("C to C by descriptor: data intact, the receiver's writes its own, vm_deallocate, sent on and back, small regions inline", async () => {
  const server = await startServer();
  const tasks = server.kernel.tasks.size;
  const fds = fdCount();
  try {
    const lines = await runChecks(program(), [], server.socketPath);
    assert.ok(lines.includes("ok it came as a memfd mapping") && lines.includes("ok the port is destroyed"), lines.join("\n"));
    await settled(server, tasks, fds);
  } finally {
    await server.close();
  }
});

test("a received region sent on unchanged goes as the memfd it came in; written, mapped over or unreadable it does not; the kept descriptors are bounded and closed", async () => {
  const server = await startServer();
  const tasks = server.kernel.tasks.size;
  const fds = fdCount();
  try {
    const lines = await runChecks(program(), ["kept"], server.socketPath);
    assert.ok(lines.includes("ok and comes as the same memfd, intact") && lines.includes("ok the port is destroyed"), lines.join("\n"));
    await settled(server, tasks, fds);
  } finally {
    await server.close();
  }
});

test("a hostile client: no memfd, unsealed, smaller, missing, surplus or mistagged descriptors get MACH_SEND_INVALID_MEMORY; a side channel of another process is refused", async () => {
  const prog = compile(readFileSync("test/native/programs/ool_fd_bad.c", "utf8"), { link: true, name: "ool_fd_bad" });
  const server = await startServer();
  const tasks = server.kernel.tasks.size;
  const fds = fdCount();
  try {
    const lines = await runChecks(prog, [], server.socketPath);
    assert.ok(lines.some((l) => l.includes("another process")), lines.join("\n"));
    await settled(server, tasks, fds);
  } finally {
    await server.close();
  }
});

test("an in-process receiver and a Node-client receiver get a region sent by descriptor as bytes; RCV_TOO_LARGE and a destroyed port close the rest", async () => {
  const server = await startServer({ bootstrap: true });
  const fds = fdCount();
  try {
    // In process: a task of the server's kernel checks in a service.
    const a = actor(server.kernel);
    const bp = await a.thread.call("task_get_special_port", a.self, { which_port: TASK_BOOTSTRAP_PORT });
    assert.equal(bp.kr, KERN_SUCCESS);
    const inproc = await bootstrapCheckIn(a.thread, bp["special_port"] as number, "machipc.test.ool.inproc");
    assert.equal(inproc.kr, KERN_SUCCESS);
    const tasks = server.kernel.tasks.size;
    await runChecks(program(), ["send", "machipc.test.ool.inproc", "4"], server.socketPath);
    await settled(server, tasks, fds + 4);
    assert.equal(memfdCount(), 4, "the four queued regions are held as memfds");
    const got = await receiveRegion(a.thread, inproc.port);
    assert.equal(got.mr, MACH_MSG_SUCCESS);
    assert.ok(patterned(a.task.vm.read(got.address, got.bytes)!), "the in-process receiver has the bytes");
    a.task.vm.deallocate(got.address, got.bytes);
    // A receive too small for the message, without MACH_RCV_LARGE, destroys it (and closes its memfd).
    assert.equal((await receiveRegion(a.thread, inproc.port, 40)).mr, MACH_RCV_TOO_LARGE);
    await until(() => memfdCount() === 2, "the destroyed message's descriptor to close");
    // Destroying the port destroys the messages left in it, and their descriptors.
    assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name: inproc.port, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
    await until(() => fdCount() <= fds, "the destroyed port's messages' descriptors to close");

    // A Node client: its connection has no side channel, so the server reads the memfd for it.
    const client = await MachClient.connect({ socketPath: server.socketPath });
    try {
      const t = client.mainThread;
      const self = await t.taskSelfTrap();
      const cbp = await t.call("task_get_special_port", self, { which_port: TASK_BOOTSTRAP_PORT });
      const node = await bootstrapCheckIn(t, cbp["special_port"] as number, "machipc.test.ool.node");
      assert.equal(node.kr, KERN_SUCCESS);
      const withNode = server.kernel.tasks.size;
      // The client's socket and the server's end of it are this process's too.
      const withClient = fdCount();
      await runChecks(program(), ["send", "machipc.test.ool.node", "2"], server.socketPath);
      await settled(server, withNode, withClient + 2);
      assert.equal(memfdCount(), 2);
      for (let i = 0; i < 2; i++) {
        const r = await receiveRegion(t, node.port);
        assert.equal(r.mr, MACH_MSG_SUCCESS);
        assert.ok(patterned(client.memory.read(r.address, r.bytes)!), "the Node client has the bytes");
      }
      await until(() => fdCount() <= withClient, "the delivered regions' descriptors to close");
    } finally {
      client.close();
    }
    await until(() => server.kernel.tasks.size === tasks && fdCount() <= fds, "the Node client's task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});

/** Start `ool_fd hold K` and wait for its "ready". */
async function holding(socket: string, k: number): Promise<{ kill(): void }> {
  const child = spawn(program(), ["hold", String(k)], { env: { ...process.env, MACHIPC_SOCKET: socket }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve();
    });
    child.once("exit", (c) => reject(new Error(`ool_fd hold exited ${c}: ${out}`)));
  });
  assert.deepEqual(out.trim().split("\n").filter((l) => !l.startsWith("ok ") && l !== "ready"), []);
  return { kill: () => child.kill("SIGKILL") };
}

test("a task killed with regions queued by descriptor: its port dies with the messages, and the server closes their memfds", async () => {
  const server = await startServer();
  const tasks = server.kernel.tasks.size;
  const fds = fdCount();
  try {
    const p = await holding(server.socketPath, 5);
    assert.equal(memfdCount(), 5, "the server holds the 5 queued regions' memfds");
    p.kill();
    await settled(server, tasks, fds);
  } finally {
    await server.close();
  }
});

test("the descriptors held for one task are bounded: past --max-ool-fds-per-task regions are read into memory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-test-"));
  const server = new MachipcServer({ socketPath: join(dir, "s.sock"), boot: { cpus: 2, bootstrap: false }, limits: { maxOolFdsPerTask: 3 } });
  await server.listen();
  const tasks = server.kernel.tasks.size;
  const fds = fdCount();
  try {
    const p = await holding(server.socketPath, 5);
    // Three memfds; the other two regions were read into the messages.
    assert.equal(memfdCount(), 3);
    p.kill();
    await settled(server, tasks, fds);
  } finally {
    await server.close();
  }
});
