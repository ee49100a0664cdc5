/**
 * mach_task_self_ is a variable, as libsystem's: <mach/mach_init.h>'s
 * mach_task_self() reads it, and libmachipc sets it when the process becomes
 * a task (at load, so before main's first call; in a fork's child, to the
 * child's own task; in the new image after exec, to the same task).
 */
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { compile } from "../native/cc.js";
import { Proc, serve, killLeftovers, serverEnv as env } from "./c_helpers.js";

afterEach(killLeftovers);

const SOURCE = `#include <mach/mach.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read through its address first: before any call, the variable already names the task. */
static void report(const char *who) {
  mach_port_t *at = &mach_task_self_;
  mach_port_t direct = *at;
  mach_port_t macro = mach_task_self();
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), direct, &type);
  int pid = -1;
  kern_return_t kp = pid_for_task(direct, &pid);
  printf("%s %d self 0x%x macro 0x%x type %d 0x%x pid_for_task %d %d\\n", who, (int)getpid(), direct, macro, kr, type, kp, pid);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    report("exec");
    return 0;
  }
  report("parent");
  pid_t c = fork();
  if (c == 0) {
    report("child");
    _exit(0);
  }
  int st = 0;
  waitpid(c, &st, 0);
  execl(argv[0], argv[0], "exec", (char *)0);
  return 1;
}
`;

test("mach_task_self_ is a real variable set at load, in a fork's child and after exec, and mach_task_self() reads it", async () => {
  const bin = compile(SOURCE, { link: true, name: "task_self" });
  const server = await serve();
  const p = new Proc(bin, [], env(server));
  const lines: Record<string, RegExpMatchArray> = {};
  for (const who of ["parent", "child", "exec"]) {
    lines[who] = await p.line(new RegExp(`^${who} (\\d+) self 0x([0-9a-f]+) macro 0x([0-9a-f]+) type (-?\\d+) 0x([0-9a-f]+) pid_for_task (-?\\d+) (-?\\d+)$`));
  }
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  for (const [who, m] of Object.entries(lines)) {
    const pid = Number(m[1]);
    const self = parseInt(m[2]!, 16);
    assert.notEqual(self, 0, `${who}: mach_task_self_ is set before the program's first call`);
    assert.equal(parseInt(m[3]!, 16), self, `${who}: mach_task_self() is mach_task_self_`);
    assert.equal(Number(m[4]), 0, `${who}: mach_port_type on it`);
    assert.ok(parseInt(m[5]!, 16) & 0x10000, `${who}: a send right`);
    assert.deepEqual([Number(m[6]), Number(m[7])], [0, pid], `${who}: it is the task of the process itself`);
  }
  assert.notEqual(Number(lines["child"]![1]), Number(lines["parent"]![1]));
  // exec keeps the task: the new image's mach_task_self_ names the parent's task, in the same space.
  assert.equal(Number(lines["exec"]![1]), Number(lines["parent"]![1]));
  assert.equal(lines["exec"]![2], lines["parent"]![2]);
  await server.close();
});
