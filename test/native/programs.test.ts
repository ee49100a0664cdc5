/**
 * Programs written the way macOS programs are (a hostinfo, a vm_stat, an lsmp and a message ping-pong
 * benchmark), built with only -Inative/include and libmachipc, run against a server the test starts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);
const build = (name: string): string =>
  compile(readFileSync(`test/native/programs/${name}.c`, "utf8"), { link: true, name, flags: ["-D_POSIX_C_SOURCE=200809L"] });

async function against<T>(fn: (env: NodeJS.ProcessEnv, kernel: Awaited<ReturnType<typeof startServer>>["kernel"]) => Promise<T>): Promise<T> {
  const server = await startServer();
  try {
    const r = await fn({ ...process.env, MACHIPC_SOCKET: server.socketPath }, server.kernel);
    await until(() => server.kernel.tasks.size === 1, "every C task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
    return r;
  } finally {
    await server.close();
  }
}

test("pingpong: message round trips answered in order between two threads, and a semaphore ping-pong", async () => {
  const prog = build("pingpong");
  await against(async (env) => {
    const { stdout } = await run(prog, ["300"], { env });
    assert.match(stdout, /^300 message round trips, 300 answered in order\n/);
    assert.match(stdout, /message round trip: \d+ ns\n/);
    assert.match(stdout, /semaphore round trip: \d+ ns\n/);
  });
});

test("hostinfo: the kernel version, processors, the CPU's name and the default processor set, as macOS's hostinfo prints them", async () => {
  const prog = build("hostinfo");
  await against(async (env, kernel) => {
    const { stdout } = await run(prog, [], { env });
    assert.match(stdout, /^Mach kernel version:\n\t Darwin Kernel Version 15\.\d+\.\d+/);
    assert.match(stdout, /\nKernel configured for up to 2 processors\.\n/);
    assert.match(stdout, /\n2 processors are physically available\.\n2 processors are logically available\.\n/);
    assert.match(stdout, process.arch === "arm64" ? /\nProcessor type: arm64 \(ARM64\)\n/ : /\nProcessor type: x86_64h? \(Intel x86-64h? ?(Haswell)?\)\n/);
    assert.match(stdout, /\nProcessors active: 0 1\n/);
    assert.match(stdout, /\nPrimary memory available: \d+\.\d\d (giga|mega)bytes\n/);
    const tasks = /Default processor set: (\d+) tasks, (\d+) threads, 2 processors/.exec(stdout);
    assert.ok(tasks, stdout);
    assert.ok(Number(tasks[1]) >= 2 && Number(tasks[1]) <= kernel.tasks.size + 1, `${tasks[1]} tasks`);
    assert.match(stdout, /\nLoad average: \d+\.\d\d, Mach factor: \d+\.\d\d\n$/);
  });
});

test("vm_stat: host_statistics64(HOST_VM_INFO64) in vm_stat's words, with the page size", async () => {
  const prog = build("vm_stat");
  await against(async (env) => {
    const { stdout } = await run(prog, [], { env });
    assert.match(stdout, /^Mach Virtual Memory Statistics: \(page size of (4096|16384) bytes\)\n/);
    for (const label of ["Pages free:", "Pages active:", "Pages wired down:", "Pageins:", "Swapouts:"]) {
      assert.match(stdout, new RegExp(`\\n${label.replace(/[()"]/g, "\\\\$&")} +\\d+\\.\\n`), label);
    }
    const free = Number(/Pages free: +(\d+)\./.exec(stdout)![1]);
    assert.ok(free > 0, "a running machine has free pages");
  });
});

test("lsmp: the task's own names from mach_port_space_info, with receive status and kernel object types", async () => {
  const prog = build("lsmp");
  await against(async (env) => {
    const { stdout } = await run(prog, [], { env });
    assert.match(stdout, /^table size \d+, \d+ entries\n/);
    assert.match(stdout, /\n0x[0-9a-f]{8} send urefs=\d+ kobject=TASK\n/, "mach_task_self()");
    assert.match(stdout, /\n0x[0-9a-f]{8} recv urefs=\d+ qlimit=5 msgcount=0\n/, "the MIG reply port");
  });
});
