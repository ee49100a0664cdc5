/**
 * The generated C against a live server, written as a macOS program uses MIG
 * output: MIG's reply-port rule after a refused send,
 * exceptions the kernel raises served through mach_exc_server() and
 * exc_server() into the program's catch_* routines, kernel notifications
 * through notify_server(), and the servers' own request checks. One program,
 * compiled once.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { compile } from "../native/cc.js";
import { startServer, until } from "../server/helpers.js";
import { EXC_ARITHMETIC, EXC_BAD_ACCESS, EXC_BREAKPOINT, EXC_SOFTWARE, KERN_SUCCESS } from "../../src/index.js";

const PROGRAM = String.raw`
#include <mach/mach.h>
#include <mach/exc_server.h>
#include <mach/mach_exc_server.h>
#include <mach/notify_server.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task, exception_type_t exception,
                                         mach_exception_data_t code, mach_msg_type_number_t codeCnt) {
  (void)port; (void)thread; (void)task;
  printf("mach_exception_raise %d codes %u %#llx %#llx\n", exception, codeCnt, (unsigned long long)code[0], (unsigned long long)code[1]);
  return KERN_SUCCESS;
}
kern_return_t catch_mach_exception_raise_state(mach_port_t port, exception_type_t exception, const mach_exception_data_t code,
                                               mach_msg_type_number_t codeCnt, int *flavor, const thread_state_t old_state,
                                               mach_msg_type_number_t old_stateCnt, thread_state_t new_state, mach_msg_type_number_t *new_stateCnt) {
  (void)port; (void)exception; (void)code; (void)codeCnt; (void)flavor; (void)old_state; (void)old_stateCnt; (void)new_state; (void)new_stateCnt;
  return KERN_FAILURE;
}
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread, mach_port_t task, exception_type_t exception,
                                                        mach_exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor,
                                                        thread_state_t old_state, mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
                                                        mach_msg_type_number_t *new_stateCnt) {
  (void)port; (void)code;
  printf("mach_exception_raise_state_identity %d codes %u flavor %d count %u room %u identity %d\n", exception, codeCnt, *flavor, old_stateCnt,
         *new_stateCnt, MACH_PORT_VALID(thread) && MACH_PORT_VALID(task));
  memcpy(new_state, old_state, old_stateCnt * sizeof(natural_t));
  new_state[0] = 0x1234;
  *new_stateCnt = old_stateCnt;
  return KERN_SUCCESS;
}
kern_return_t catch_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task, exception_type_t exception, exception_data_t code,
                                    mach_msg_type_number_t codeCnt) {
  (void)port; (void)thread; (void)task;
  printf("exception_raise %d codes %u %#x %#x\n", exception, codeCnt, code[0], code[1]);
  return KERN_SUCCESS;
}
kern_return_t catch_exception_raise_state(mach_port_t port, exception_type_t exception, const exception_data_t code, mach_msg_type_number_t codeCnt,
                                          int *flavor, const thread_state_t old_state, mach_msg_type_number_t old_stateCnt, thread_state_t new_state,
                                          mach_msg_type_number_t *new_stateCnt) {
  (void)port; (void)code;
  printf("exception_raise_state %d codes %u flavor %d count %u\n", exception, codeCnt, *flavor, old_stateCnt);
  memcpy(new_state, old_state, old_stateCnt * sizeof(natural_t));
  new_state[1] = 0x5678;
  *new_stateCnt = old_stateCnt;
  return KERN_SUCCESS;
}
/* catch_exception_raise_state_identity is left out: its id answers MIG_BAD_ID. */

kern_return_t do_mach_notify_no_senders(mach_port_t notify, mach_port_mscount_t mscount) {
  (void)notify;
  printf("no_senders mscount %u\n", mscount);
  return KERN_SUCCESS;
}
kern_return_t do_mach_notify_send_once(mach_port_t notify) {
  (void)notify;
  printf("send_once\n");
  return KERN_SUCCESS;
}
kern_return_t do_mach_notify_port_destroyed(mach_port_t notify, mach_port_t rights) {
  mach_port_type_t t = 0;
  (void)notify;
  kern_return_t kr = mach_port_type(mach_task_self(), rights, &t);
  printf("port_destroyed receive right back %d\n", kr == KERN_SUCCESS && (t & MACH_PORT_TYPE_RECEIVE) != 0);
  return KERN_SUCCESS;
}

static mach_port_t pset;

/* The 64-bit general registers of the machine the server models (its own). */
#if defined(__aarch64__) || defined(__arm64__)
#define GENERAL_STATE ARM_THREAD_STATE64
#else
#define GENERAL_STATE x86_THREAD_STATE64
#endif

/* Serve what arrives on the set: exceptions and notifications, each through its demultiplexer. */
static void *serve(void *arg) {
  (void)arg;
  union { mach_msg_header_t h; unsigned char b[4096]; } in, out;
  for (;;) {
    if (mach_msg(&in.h, MACH_RCV_MSG, 0, sizeof in, pset, 0, 0) != MACH_MSG_SUCCESS) return NULL;
    boolean_t ok = mach_exc_server(&in.h, &out.h) || exc_server(&in.h, &out.h) || notify_server(&in.h, &out.h);
    if (!ok) printf("unserved id %d: %d\n", in.h.msgh_id, ((mig_reply_error_t *)&out)->RetCode);
    else if (in.h.msgh_id >= 2400 && in.h.msgh_id < 2500 && ((mig_reply_error_t *)&out)->RetCode == MIG_BAD_ID) printf("id %d: MIG_BAD_ID\n", in.h.msgh_id);
    fflush(stdout);
    if (ok && MACH_PORT_VALID(out.h.msgh_remote_port)) mach_msg(&out.h, MACH_SEND_MSG, out.h.msgh_size, 0, 0, 0, 0);
  }
}

static mach_port_t exc_port(exception_mask_t mask, exception_behavior_t behavior) {
  mach_port_t p;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
  mach_port_insert_right(mach_task_self(), p, p, MACH_MSG_TYPE_MAKE_SEND);
  mach_port_move_member(mach_task_self(), p, pset);
  kern_return_t kr = task_set_exception_ports(mach_task_self(), mask, p, behavior, GENERAL_STATE);
  if (kr) printf("task_set_exception_ports %#x\n", kr);
  return p;
}

/* The servers' own checks, on requests made by hand. */
static void server_checks(void) {
  union { mach_msg_header_t h; unsigned char b[512]; } in, out;
  memset(&in, 0, sizeof in);
  in.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0);
  in.h.msgh_size = 40;
  in.h.msgh_id = 2405;
  boolean_t ok = mach_exc_server(&in.h, &out.h);
  printf("simple 2405: %d %d id %d size %u\n", ok, ((mig_reply_error_t *)&out)->RetCode, out.h.msgh_id, out.h.msgh_size);
  in.h.msgh_id = 2409;
  ok = mach_exc_server(&in.h, &out.h);
  printf("2409: %d %d\n", ok, ((mig_reply_error_t *)&out)->RetCode);
  in.h.msgh_id = 70;
  in.h.msgh_size = 24;
  ok = notify_server(&in.h, &out.h);
  printf("short no-senders: %d %d\n", ok, ((mig_reply_error_t *)&out)->RetCode);
}

int main(void) {
  mach_port_t self = mach_task_self();
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* MIG's reply-port rule: a send refused after the reply right was made replaces the reply port. */
  mach_port_t p;
  mach_port_type_t t = 0;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p);
  mach_port_t first = mig_get_reply_port();
  /* The MIG message itself (mach_port_insert_right would take the trap, which answers KERN_INVALID_NAME without a message). */
  kern_return_t kr = _kernelrpc_mach_port_insert_right(self, p, 0x7777707, MACH_MSG_TYPE_MOVE_SEND);
  printf("refused %#x reply port %s\n", kr, mig_get_reply_port() == first ? "kept" : "replaced");
  kr = mach_port_type(self, p, &t);
  printf("next call %#x type %#x\n", kr, t);
  kr = mach_port_type(self, p, &t);
  printf("and the next %#x type %#x\n", kr, t);
  kr = mach_port_type(self, first, &t);
  printf("old reply port %#x\n", kr);
  /* A refused destination leaves the reply port as it was. */
  mach_port_t second = mig_get_reply_port();
  kr = mach_port_type(0x7777707, p, &t);
  printf("bad destination %#x reply port %s\n", kr, mig_get_reply_port() == second ? "kept" : "replaced");

  /* CountInOut: the caller's room goes in the request. */
  integer_t info[HOST_BASIC_INFO_COUNT] = {0};
  mach_msg_type_number_t count = HOST_BASIC_INFO_OLD_COUNT;
  kr = host_info(mach_host_self(), HOST_BASIC_INFO, info, &count);
  printf("host_info in the old count: %d count %u max_cpus %d\n", kr, count, info[0]);

  server_checks();

  mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &pset);
  exc_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES);
  exc_port(EXC_MASK_BREAKPOINT, EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES);
  exc_port(EXC_MASK_ARITHMETIC, EXCEPTION_DEFAULT);
  exc_port(EXC_MASK_SOFTWARE, EXCEPTION_STATE);
  exc_port(EXC_MASK_EMULATION, EXCEPTION_STATE_IDENTITY);

  /* Notifications to a port in the set. */
  mach_port_t notify;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &notify);
  mach_port_move_member(self, notify, pset);
  mach_port_t watched, previous;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &watched);
  mach_port_insert_right(self, watched, watched, MACH_MSG_TYPE_MAKE_SEND);
  mach_port_request_notification(self, watched, MACH_NOTIFY_NO_SENDERS, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
  mach_port_t doomed;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &doomed);
  mach_port_request_notification(self, doomed, MACH_NOTIFY_PORT_DESTROYED, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);

  pthread_t th;
  pthread_create(&th, NULL, serve, NULL);
  mach_port_deallocate(self, watched);
  mach_port_mod_refs(self, doomed, MACH_PORT_RIGHT_RECEIVE, -1);
  mach_port_t once;
  mach_msg_type_name_t once_type;
  mach_port_extract_right(self, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &once, &once_type);
  mach_port_deallocate(self, once);
  printf("ready\n");
  pause();
  return 0;
}
`;

let program = "";
before(() => {
  program = compile(PROGRAM, { link: true, name: "migcheck", flags: ["-D_DEFAULT_SOURCE", "-pthread"] });
});

async function lines(child: ChildProcessWithoutNullStreams, out: { text: string }, want: RegExp, what: string) {
  await until(() => want.test(out.text), what, 10000);
  void child;
}

test("generated stubs, servers and reply-port rule against a live server", async () => {
  const server = await startServer();
  const child = spawn(program, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } });
  const out = { text: "" };
  child.stdout.on("data", (d) => (out.text += d));
  child.stderr.on("data", (d) => (out.text += d));
  try {
    await lines(child, out, /^ready$/m, "the program to set up");
    // A refused body (MACH_SEND_INVALID_RIGHT) destroyed the reply right: a fresh reply port, and later calls read their own replies.
    assert.match(out.text, /^refused 0x1000000a reply port replaced$/m);
    assert.match(out.text, /^next call 0 type 0x20000$/m);
    assert.match(out.text, /^and the next 0 type 0x20000$/m);
    assert.match(out.text, /^old reply port 0xf$/m);
    assert.match(out.text, /^bad destination 0x10000003 reply port kept$/m);
    assert.match(out.text, /^host_info in the old count: 0 count 5 max_cpus 2$/m);
    // The servers' checks: a short request is MIG_BAD_ARGUMENTS; an id outside the subsystem, MIG_BAD_ID and FALSE.
    assert.match(out.text, /^simple 2405: 1 -304 id 2505 size 36$/m);
    assert.match(out.text, /^2409: 0 -303$/m);
    assert.match(out.text, /^short no-senders: 1 -304$/m);
    // Kernel notifications through notify_server().
    await lines(child, out, /^send_once$/m, "the send-once notification");
    assert.match(out.text, /^no_senders mscount 1$/m);
    await lines(child, out, /^port_destroyed receive right back 1$/m, "the port-destroyed notification");

    const task = [...server.kernel.tasks.values()].find((t) => t.pid === child.pid)!;
    assert.ok(task, "the program's task");
    const victim = task.threads[0]!;
    const raise = async (exc: number, codes: (number | bigint)[], want: RegExp) => {
      const o = await victim.raiseException(exc, codes, { timeoutMs: 10000 });
      assert.equal(o.kr, KERN_SUCCESS, `exception ${exc} handled`);
      assert.equal(o.handledBy, "task", JSON.stringify(o.attempts) + out.text);
      await lines(child, out, want, `exception ${exc}`);
      return o;
    };
    await raise(EXC_BAD_ACCESS, [1, 0x123456789an], /^mach_exception_raise 1 codes 2 0x1 0x123456789a$/m);
    const si = await raise(EXC_BREAKPOINT, [2, 3], /^mach_exception_raise_state_identity 6 codes 2 flavor \d+ count \d+ room 224 identity 1$/m);
    assert.equal(si.state[0], 0x1234, "the new state came back");
    await raise(EXC_ARITHMETIC, [5, 0x77], /^exception_raise 3 codes 2 0x5 0x77$/m);
    const st = await raise(EXC_SOFTWARE, [0x10003, 0], /^exception_raise_state 5 codes 2 flavor \d+ count \d+$/m);
    assert.equal(st.state[1], 0x5678);
    // No catch_exception_raise_state_identity in the program: MIG_BAD_ID, and the exception goes unhandled there.
    const o = await victim.raiseException(4, [1, 1], { timeoutMs: 10000 });
    assert.notEqual(o.handledBy, "task");
    await lines(child, out, /^id 2403: MIG_BAD_ID$/m, "the unserved exception");
  } finally {
    child.kill();
    await until(() => server.kernel.tasks.size === 1, "the program's task to die").catch(() => undefined);
    assert.deepEqual(server.kernel.findViolations(), []);
    await server.close();
  }
});
