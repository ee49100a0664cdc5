/**
 * native/build/machipc.pc: a program in a folder of its own builds with
 * `cc $(pkg-config --cflags --libs machipc) prog.c`, as the README says, and
 * runs from yet another folder against a server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "./cc.js";
import { startServer } from "../server/helpers.js";

const run = promisify(execFile);

const HELLO = String.raw`#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>

int main(void) {
  host_basic_info_data_t info;
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  kern_return_t kr = host_info(mach_host_self(), HOST_BASIC_INFO, (host_info_t)&info, &count);
  if (kr != KERN_SUCCESS) { fprintf(stderr, "%s\n", mach_error_string(kr)); return 1; }
  printf("%d CPUs, %llu bytes\n", info.max_cpus, (unsigned long long)info.max_mem);
  return 0;
}
`;

test("cc $(pkg-config --cflags --libs machipc) prog.c works from any folder, and the program runs from any folder", async () => {
  const src = tempDir();
  writeFileSync(join(src, "hello.c"), HELLO);
  const env = { ...process.env, PKG_CONFIG_PATH: resolve("native/build") };
  execFileSync("sh", ["-c", "cc $(pkg-config --cflags --libs machipc) hello.c -o hello"], { cwd: src, env, stdio: "pipe" });
  const server = await startServer();
  try {
    const { stdout } = await run(join(src, "hello"), [], { cwd: tempDir(), env: { PATH: process.env.PATH ?? "", MACHIPC_SOCKET: server.socketPath } });
    assert.match(stdout, /^2 CPUs, \d+ bytes\n$/);
  } finally {
    await server.close();
  }
});
