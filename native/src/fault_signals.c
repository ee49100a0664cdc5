/*
 * The program's own handlers for the fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP). On
 * macOS a fault is a Mach exception first: the thread's, the task's and the host's handlers see it
 * before BSD's handler at the host turns it into a signal, and only then does the program's signal
 * handler run. Here the fault arrives as a Linux signal, which faults.c's handler must receive to
 * raise the exception; so while faults are Mach exceptions, sigaction and signal for those signals
 * are interposed: the disposition the program sets is kept here, as BSD keeps it, and reported
 * back by sigaction, and when an exception ends in a signal, that disposition decides what
 * happens: the program's handler runs on the faulting context (which it may change, or leave by
 * siglongjmp), or the process dies of the signal. Every other signal goes straight to libc.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "fault_signals.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

static sigaction_fn g_real;
static int g_active;
/* The program's disposition of each fault signal, and whether it has set one (else: the default). */
static struct sigaction g_user[NSIG];
static unsigned char g_set[NSIG];

int machipc_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (!g_real) g_real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
  return g_real(sig, act, old);
}

void machipc_fault_signals_take(void) {
  if (!g_real) g_real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
  g_active = 1;
}

static int is_fault_signal(int sig) { return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP; }

int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (!g_active || !is_fault_signal(sig)) return machipc_real_sigaction(sig, act, old);
  if (old) {
    if (g_set[sig]) *old = g_user[sig];
    else {
      memset(old, 0, sizeof *old);
      old->sa_handler = SIG_DFL;
    }
  }
  if (act) {
    g_user[sig] = *act;
    g_set[sig] = 1;
  }
  return 0;
}

/* glibc's signal(): BSD semantics (the handler's own signal blocked while it runs, calls restarted). */
static __sighandler_t set_handler(int sig, __sighandler_t handler, int flags) {
  if (sig <= 0 || sig >= NSIG) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (!(flags & SA_NODEFER)) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (sigaction(sig, &act, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

__sighandler_t signal(int sig, __sighandler_t handler) { return set_handler(sig, handler, SA_RESTART); }
__sighandler_t bsd_signal(int sig, __sighandler_t handler) { return set_handler(sig, handler, SA_RESTART); }
__sighandler_t sysv_signal(int sig, __sighandler_t handler) { return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER); }

/* Die of `sig` as its default action has it: once the handler returns, if not at once. */
static void die_of(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  machipc_real_sigaction(sig, &dfl, NULL);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

void machipc_fault_signal(int sig, const siginfo_t *si, void *uc) {
  struct sigaction a;
  if (g_active && is_fault_signal(sig) && g_set[sig]) a = g_user[sig];
  else {
    memset(&a, 0, sizeof a);
    a.sa_handler = SIG_DFL;
  }
  /* Ignoring a fault would run the faulting instruction again forever: the kernel kills then, as here. */
  if (a.sa_handler == SIG_DFL || a.sa_handler == SIG_IGN) {
    die_of(sig);
    return;
  }
  /* As the kernel delivers it: the handler's mask (and the signal, unless SA_NODEFER) while it runs. */
  sigset_t mask = a.sa_mask, before;
  if (!(a.sa_flags & SA_NODEFER)) sigaddset(&mask, sig);
  pthread_sigmask(SIG_BLOCK, &mask, &before);
  if (a.sa_flags & SA_RESETHAND) {
    memset(&g_user[sig], 0, sizeof g_user[sig]);
    g_user[sig].sa_handler = SIG_DFL;
  }
  siginfo_t info = *si;
  info.si_signo = sig;
  if (a.sa_flags & SA_SIGINFO) a.sa_sigaction(sig, &info, uc);
  else a.sa_handler(sig);
  pthread_sigmask(SIG_SETMASK, &before, NULL);
}
