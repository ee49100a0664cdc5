/*
 * A program's own handler for a fault signal, as on macOS: the fault is a Mach exception first (a
 * task exception handler sees it), and the signal BSD's handler then chooses runs the program's
 * handler on the faulting context. sigaction reports the program's own disposition back, signal()
 * works as well, SA_RESETHAND resets it, and with no handler the process dies of the signal.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/mach_exc_server.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jump;
static atomic_int order;
static int exception_at, signal_at, signal_seen;
static void *fault_address;
static mach_port_t exc_port;

kern_return_t catch_mach_exception_raise(mach_port_t e, mach_port_t thread, mach_port_t task, exception_type_t exc, mach_exception_data_t code,
                                         mach_msg_type_number_t n) {
  (void)e, (void)thread, (void)task, (void)code, (void)n;
  if (exc == EXC_BAD_ACCESS) exception_at = ++order;
  /* Not handled: on to the host, where BSD's handler makes it SIGSEGV. An error return leaves the
     request's thread and task rights to mach_msg_server, which destroys the request. */
  return KERN_FAILURE;
}
kern_return_t catch_mach_exception_raise_state(mach_port_t e, exception_type_t x, const mach_exception_data_t c, mach_msg_type_number_t n, int *f,
                                               const thread_state_t a, mach_msg_type_number_t b, thread_state_t o, mach_msg_type_number_t *oc) {
  (void)e, (void)x, (void)c, (void)n, (void)f, (void)a, (void)b, (void)o, (void)oc;
  return KERN_FAILURE;
}
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t e, mach_port_t th, mach_port_t tk, exception_type_t x, mach_exception_data_t c,
                                                        mach_msg_type_number_t n, int *f, thread_state_t a, mach_msg_type_number_t b, thread_state_t o,
                                                        mach_msg_type_number_t *oc) {
  (void)e, (void)th, (void)tk, (void)x, (void)c, (void)n, (void)f, (void)a, (void)b, (void)o, (void)oc;
  return KERN_FAILURE;
}

static void *handler_thread(void *arg) {
  (void)arg;
  mach_msg_server_once(mach_exc_server, 4096, exc_port, 0);
  return NULL;
}

static void on_segv_info(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  signal_at = ++order;
  signal_seen = sig;
  fault_address = si->si_addr;
  siglongjmp(jump, 1);
}

static void on_segv_plain(int sig) {
  signal_seen = sig;
  siglongjmp(jump, 1);
}

static int fault_now(void) {
  if (sigsetjmp(jump, 1) == 0) {
    *(volatile int *)16 = 1;
    return 0;
  }
  return 1;
}

int main(void) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  check("sigaction(SIGSEGV) with a handler succeeds", sigaction(SIGSEGV, &sa, NULL) == 0, 0);
  check("...and sigaction reports the program's own handler back", sigaction(SIGSEGV, NULL, &old) == 0 && old.sa_sigaction == on_segv_info &&
        (old.sa_flags & SA_SIGINFO), 0);

  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &exc_port);
  mach_port_insert_right(mach_task_self(), exc_port, exc_port, MACH_MSG_TYPE_MAKE_SEND);
  kern_return_t kr = task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, exc_port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE);
  check("a task exception handler for EXC_BAD_ACCESS", kr == KERN_SUCCESS, kr);
  pthread_t th;
  pthread_create(&th, NULL, handler_thread, NULL);
  int jumped = fault_now();
  pthread_join(th, NULL);
  check("a fault: the Mach exception handler sees it first, then the program's SIGSEGV handler", jumped && exception_at == 1 && signal_at == 2 &&
        signal_seen == SIGSEGV && fault_address == (void *)16, 0);
  task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, MACH_PORT_NULL, EXCEPTION_DEFAULT, THREAD_STATE_NONE);
  mach_port_mod_refs(mach_task_self(), exc_port, MACH_PORT_RIGHT_RECEIVE, -1);
  mach_port_deallocate(mach_task_self(), exc_port);

  /* No Mach handler now: BSD's handler at the host, then the program's signal() handler. */
  signal_seen = 0;
  check("signal(SIGSEGV) returns the handler set before", signal(SIGSEGV, on_segv_plain) == (__sighandler_t)(void *)on_segv_info, 0);
  check("a fault with no Mach handler reaches the handler signal() set", fault_now() && signal_seen == SIGSEGV, 0);

  /* SA_RESETHAND: the first fault runs the handler, which the delivery resets to the default. */
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigaction(SIGSEGV, &sa, NULL);
  order = 0;
  check("SA_RESETHAND: the handler runs once", fault_now() && signal_at == 1, 0);
  check("...and the disposition is the default again", sigaction(SIGSEGV, NULL, &old) == 0 && old.sa_handler == SIG_DFL, 0);

  /* A SIGSEGV sent, not a fault, raises no exception and goes to the program's handler as ever. */
  signal(SIGSEGV, on_segv_plain);
  signal_seen = 0;
  int sent = sigsetjmp(jump, 1) == 0 ? (raise(SIGSEGV), 0) : 1;
  check("a SIGSEGV sent with raise() reaches the program's handler", sent && signal_seen == SIGSEGV, 0);
  signal(SIGSEGV, SIG_DFL);

  /* With the default, the process dies of the signal (a child shows it). */
  pid_t child = fork();
  if (child == 0) {
    *(volatile int *)16 = 1;
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  check("with the default disposition the process dies of SIGSEGV", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, 0);

  /* Other signals are libc's as ever. */
  check("SIGUSR1 is not kept apart", signal(SIGUSR1, SIG_IGN) == SIG_DFL && signal(SIGUSR1, SIG_DFL) == SIG_IGN, 0);
  return failures ? 1 : 0;
}
