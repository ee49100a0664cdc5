/**
 * libmachipc's threads JOIN their process's task; a forked child that still
 * holds its parent's token is refused (its JOIN comes from another pid) and
 * says so, rather than sharing the parent's task.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { compile } from "../../native/cc.js";
import { startServer, until } from "../helpers.js";

const run = promisify(execFile);

const PROGRAM = `
#define _DEFAULT_SOURCE
#include <mach/mach.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_main(void *arg) {
  (void)arg;
  /* A new thread has a connection of its own, which JOINs the task. */
  mach_port_t reply = mach_reply_port();
  printf("thread reply port %s\\n", reply != MACH_PORT_NULL ? "ok" : "null");
  return NULL;
}

int main(void) {
  mach_port_t self = mach_task_self();
  printf("task self %s\\n", self != MACH_PORT_NULL ? "ok" : "null");
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    /* The child's first call on this thread connects again, with the parent's token. */
    pthread_t c;
    pthread_create(&c, NULL, thread_main, NULL);
    pthread_join(c, NULL);
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  return 0;
}
`;

test("a C thread joins its process's task; a forked child's JOIN with the parent's token is refused", async () => {
  const exe = compile(PROGRAM, { link: true, name: "cjoin" });
  const server = await startServer();
  try {
    const r = await run(exe, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } });
    assert.match(r.stdout, /^task self ok\nthread reply port ok\nthread reply port null\n$/);
    assert.match(r.stderr, /machipc: the server refused this process/);
    await until(() => server.kernel.tasks.size === 1, "the C task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});
