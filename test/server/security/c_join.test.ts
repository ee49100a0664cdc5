/**
 * libmachipc's threads JOIN their process's task. A forked child never uses
 * its parent's token to JOIN (the server would refuse it: another pid): it
 * becomes a task of its own with FORK (docs/processes.md), and its threads
 * join that one.
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
    /* The child is its own task: a new thread's connection joins that one. */
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

test("a C thread joins its process's task; a forked child's threads join the child's own task, not the parent's", async () => {
  const exe = compile(PROGRAM, { link: true, name: "cjoin" });
  const server = await startServer();
  try {
    const r = await run(exe, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } });
    assert.match(r.stdout, /^task self ok\nthread reply port ok\nthread reply port ok\n$/);
    assert.doesNotMatch(r.stderr, /refused/);
    await until(() => server.kernel.tasks.size === 1, "the C task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});
