/*
 * A thread's hardware faults as Mach exceptions. On macOS a fault is a trap
 * the kernel raises as an exception (thread, then task, then host handler;
 * BSD's handler at the host turns it into the signal the process dies of).
 * Here the fault arrives as a Linux signal; its handler raises the exception
 * in the server (EXCEPTION) with the thread's real registers from the signal
 * frame, waits as the faulting thread waits in XNU, and then either resumes
 * the thread with the state the handler returned (STATE / STATE_IDENTITY, or
 * thread_set_state from another task meanwhile) or gives the signal BSD's
 * handler chose to the program's own disposition of it (fault_signals.c).
 *
 * The handler is async-signal-safe: no malloc, no locks; frames are built on
 * the signal stack (each thread gets an alternate one, so a stack overflow is
 * handled too), and it talks over a connection of its own (the process's
 * spare one when free, else a fresh one) so a fault in the middle of another
 * call, in another thread's fault, or inside the library itself finds the
 * thread's own connection however it left it. A fault inside this handler is
 * delivered while its signal is blocked, and the kernel then kills the
 * process with it. MACHIPC_EXCEPTIONS=0 leaves all of this out.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "fault_signals.h"
#include "fault_codes.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <ucontext.h>
#include <unistd.h>

static const int FAULT_SIGNALS[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
enum { NSIGNALS = sizeof FAULT_SIGNALS / sizeof FAULT_SIGNALS[0] };
/* Enough for the handler's frames (a few KiB) and whatever it calls. */
enum { ALT_STACK = 64 * 1024 };

static int g_enabled;
static int g_spare_fd = -1;
static atomic_flag g_spare_busy = ATOMIC_FLAG_INIT;
static pthread_key_t g_alt_key;
static __thread void *t_alt_stack;

/* Signal-safe stream I/O. */
static int write_all_safe(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int read_all_safe(int fd, unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* socket + connect to the server the process is connected to (both async-signal-safe). */
static int dial(void) {
  if (!machipc_server_path[0]) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, machipc_server_path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One request, one RESULT into `out` (at most `cap` bytes of payload after the frame header); its payload length, or -1. */
static long exchange(int fd, uint32_t op, const unsigned char *payload, size_t n, unsigned char *frame, unsigned char *out, size_t cap) {
  put32(frame, (uint32_t)(16 + n));
  put32(frame + 4, op);
  put32(frame + 8, 1);
  put32(frame + 12, 0);
  if (payload != frame + 16) memmove(frame + 16, payload, n);
  if (write_all_safe(fd, frame, 16 + n) < 0) return -1;
  /* Header and payload in one read (readv is a bare system call, safe here): nothing but
     this request's answer comes on the connection, so reading up to `cap` takes no more. */
  unsigned char head[16];
  size_t got = 0;
  while (got < 16) {
    struct iovec iov[2] = {{head + got, 16 - got}, {out, cap}};
    ssize_t k = readv(fd, iov, 2);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    got += (size_t)k;
  }
  uint32_t total = get32(head);
  if (get32(head + 4) != OP_RESULT || total < 32 || total - 16 > cap || got > total) return -1;
  if (got < total && read_all_safe(fd, out + (got - 16), total - got) < 0) return -1;
  return (long)(total - 16);
}

/* A thread that never made a call has no thread in the server: it joins now, on a connection it then keeps. */
static int join_now(void) {
  int fd = dial();
  if (fd < 0) return -1;
  unsigned char frame[16 + 12], out[64];
  put64(frame + 16, machipc_task_token());
  put32(frame + 24, machipc_gettid());
  long n = exchange(fd, OP_JOIN, frame + 16, 12, frame, out, sizeof out);
  uint64_t at = n >= 16 ? 16 + ((get32(out + 4) + 3) & ~(uint64_t)3) : 0;
  if (n < 16 || get32(out + 12) < 4 || at + 4 > (uint64_t)n || get32(out + at) == 0) {
    close(fd);
    return -1;
  }
  machipc_set_thread_connection(fd, get32(out + at));
  machipc_track_fd(fd);
  return 0;
}

/* Flavor blocks of the EXCEPTION frame and its answer. */
struct state_out {
  int handled_by;
  int signal;
  const uint32_t *thread;
  const uint32_t *fpu;
};

static unsigned char *put_block(unsigned char *p, uint32_t flavor, const uint32_t *words, uint32_t count) {
  put32(p, flavor);
  put32(p + 4, count);
  memcpy(p + 8, words, 4 * (size_t)count);
  return p + 8 + 4 * (size_t)count;
}

/*
 * Raise the exception and wait for the answer: 1 and the answer in *res, or
 * 0 when the server cannot be asked. `blocks` is the state part of the
 * payload, already in `payload` after the 40-byte head.
 */
static int raise_in_server(const struct machipc_fault *f, unsigned char *frame, size_t blocks_len, uint32_t nblocks, unsigned char *answer, size_t cap, struct state_out *res) {
  unsigned char *p = frame + 16;
  put64(p, machipc_task_token());
  put32(p + 8, machipc_thread_id());
  put32(p + 12, (uint32_t)f->exception);
  put32(p + 16, 2);
  put32(p + 20, nblocks);
  put64(p + 24, (uint64_t)f->code[0]);
  put64(p + 32, (uint64_t)f->code[1]);
  int fresh = atomic_flag_test_and_set(&g_spare_busy);
  int fd = fresh ? -1 : g_spare_fd;
  if (fd < 0) fd = dial();
  if (fd < 0) {
    if (!fresh) atomic_flag_clear(&g_spare_busy);
    return 0;
  }
  long n = exchange(fd, OP_EXCEPTION, p, 40 + blocks_len, frame, answer, cap);
  if (fresh) close(fd);
  else if (n < 0) {
    close(fd);
    g_spare_fd = -1;
    atomic_flag_clear(&g_spare_busy);
  } else {
    g_spare_fd = fd;
    atomic_flag_clear(&g_spare_busy);
  }
  /* RESULT: value, msgLength 0, oolCount 0, extraLength; extra = handledBy, signal, flavorCount, blocks. */
  if (n < 16 + 12 || get32(answer + 4) != 0) return 0;
  const unsigned char *x = answer + 16;
  uint32_t xl = get32(answer + 12);
  if (16 + (uint64_t)xl > (uint64_t)n || xl < 12) return 0;
  res->handled_by = (int)get32(x);
  res->signal = (int)get32(x + 4);
  res->thread = res->fpu = NULL;
  uint32_t count = get32(x + 8);
  size_t off = 12;
  for (uint32_t i = 0; i < count && off + 8 <= xl; i++) {
    uint32_t flavor = get32(x + off), words = get32(x + off + 4);
    if (off + 8 + 4 * (size_t)words > xl) break;
    /* The answer's words sit 4-byte aligned in `answer`, which is itself aligned. */
    const uint32_t *w = (const uint32_t *)(const void *)(x + off + 8);
    if ((flavor == x86_THREAD_STATE64 && words == X86_THREAD_WORDS) || (flavor == ARM_THREAD_STATE64 && words == ARM_THREAD_WORDS)) res->thread = w;
    if ((flavor == x86_FLOAT_STATE64 && words == X86_FLOAT_WORDS) || (flavor == ARM_NEON_STATE64 && words == ARM_NEON_WORDS)) res->fpu = w;
    off += 8 + 4 * (size_t)words;
  }
  return 1;
}

static void on_fault(int sig, siginfo_t *si, void *ucv) {
  int saved_errno = errno;
  ucontext_t *uc = ucv;
  struct machipc_fault f;
  int raised = 0;
  uint32_t thread[ARM_THREAD_WORDS], fpu[ARM_NEON_WORDS], exc[4];
  uint32_t flavors[3] = {0, 0, 0}, counts[3] = {0, 0, 0};
#if defined(__x86_64__)
  uint64_t *g = (uint64_t *)(void *)uc->uc_mcontext.gregs;
  unsigned char *fx = (unsigned char *)uc->uc_mcontext.fpregs;
  uint32_t fsw = fx ? (uint32_t)(fx[2] | fx[3] << 8) : 0, mxcsr = fx ? get32(fx + 24) : 0;
  raised = machipc_x86_fault(sig, si->si_code, g[X86_REG_TRAPNO], g[X86_REG_ERR], g[X86_REG_CR2], fsw, mxcsr, &f);
  machipc_x86_thread_state(g, thread);
  machipc_x86_float_state(fx, fpu);
  machipc_x86_exception_state(g[X86_REG_TRAPNO], g[X86_REG_ERR], g[X86_REG_CR2], exc);
  flavors[0] = x86_THREAD_STATE64, counts[0] = X86_THREAD_WORDS;
  flavors[1] = x86_FLOAT_STATE64, counts[1] = X86_FLOAT_WORDS;
  flavors[2] = x86_EXCEPTION_STATE64, counts[2] = X86_EXCEPTION_WORDS;
#elif defined(__aarch64__)
  mcontext_t *m = &uc->uc_mcontext;
  uint32_t esr = 0;
  struct fpsimd_context *fp = NULL;
  for (struct _aarch64_ctx *h = (struct _aarch64_ctx *)(void *)m->__reserved; h->magic != 0 && (unsigned char *)h < (unsigned char *)m->__reserved + sizeof m->__reserved; h = (struct _aarch64_ctx *)(void *)((unsigned char *)h + h->size)) {
    if (h->magic == ESR_MAGIC) esr = (uint32_t)((struct esr_context *)h)->esr;
    if (h->magic == FPSIMD_MAGIC) fp = (struct fpsimd_context *)h;
    if (h->size == 0) break;
  }
  uint32_t instr = 0;
  if (sig == SIGILL || sig == SIGFPE) memcpy(&instr, (const void *)(uintptr_t)m->pc, 4);
  raised = machipc_arm64_fault(sig, si->si_code, esr, (uint64_t)(uintptr_t)si->si_addr, m->pc, m->sp, instr, &f);
  machipc_arm64_thread_state(m->regs, m->sp, m->pc, m->pstate, thread);
  if (fp) machipc_arm64_neon_state((const unsigned char *)fp->vregs, fp->fpsr, fp->fpcr, fpu);
  else memset(fpu, 0, sizeof fpu);
  machipc_arm64_exception_state(m->fault_address, esr, esr >> 26, exc);
  flavors[0] = ARM_THREAD_STATE64, counts[0] = ARM_THREAD_WORDS;
  flavors[1] = ARM_NEON_STATE64, counts[1] = ARM_NEON_WORDS;
  flavors[2] = ARM_EXCEPTION_STATE64, counts[2] = ARM_EXCEPTION_WORDS;
#endif
  if (!raised || !machipc_have_task() || (machipc_thread_id() == 0 && join_now() < 0)) {
    machipc_fault_signal(sig, si, ucv);
    errno = saved_errno;
    return;
  }
  /* Frame: header, EXCEPTION head, then the three flavors; the answer: header and RESULT with the state after delivery. */
  _Alignas(8) unsigned char frame[16 + 40 + 3 * 8 + 4 * (ARM_THREAD_WORDS + ARM_NEON_WORDS + 4)];
  _Alignas(8) unsigned char answer[16 + 12 + 2 * 8 + 4 * (ARM_THREAD_WORDS + ARM_NEON_WORDS) + 64];
  unsigned char *p = frame + 16 + 40;
  p = put_block(p, flavors[0], thread, counts[0]);
  p = put_block(p, flavors[1], fpu, counts[1]);
  p = put_block(p, flavors[2], exc, counts[2]);
  struct state_out res;
  if (!raise_in_server(&f, frame, (size_t)(p - (frame + 16 + 40)), 3, answer, sizeof answer, &res)) {
    machipc_fault_signal(sig, si, ucv);
    errno = saved_errno;
    return;
  }
  if (res.handled_by == 0) {
    /* Nobody but BSD took it (or nobody at all): the signal BSD chose, else the fault's own, to the program's disposition. */
    machipc_fault_signal(res.signal ? machipc_linux_signal(res.signal) : sig, si, ucv);
    errno = saved_errno;
    return;
  }
  /* Handled: the thread resumes with the state it has now (the handler's reply, or thread_set_state's). */
#if defined(__x86_64__)
  if (res.thread) machipc_x86_set_gregs(res.thread, g);
  if (res.fpu && fx) machipc_x86_set_fxsave(res.fpu, fx);
#elif defined(__aarch64__)
  if (res.thread) machipc_arm64_set_regs(res.thread, m->regs, &m->sp, &m->pc, &m->pstate);
  if (res.fpu && fp) machipc_arm64_set_neon(res.fpu, (unsigned char *)fp->vregs, &fp->fpsr, &fp->fpcr);
#endif
  errno = saved_errno;
}

static void free_alt_stack(void *p) {
  stack_t off = {.ss_flags = SS_DISABLE};
  sigaltstack(&off, NULL);
  munmap(p, ALT_STACK);
}

void machipc_thread_started(void) {
  if (!g_enabled || t_alt_stack) return;
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) return; /* the program has its own */
  void *p = mmap(NULL, ALT_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  stack_t ss = {.ss_sp = p, .ss_size = ALT_STACK, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) {
    munmap(p, ALT_STACK);
    return;
  }
  t_alt_stack = p;
  pthread_setspecific(g_alt_key, p);
}

void machipc_faults_forked(void) {
  /* The spare connection was the parent's (fork.c closed the child's copy of the others). */
  if (g_spare_fd >= 0) close(g_spare_fd);
  g_spare_fd = -1;
  atomic_flag_clear(&g_spare_busy);
}

/* On by default, as on macOS; MACHIPC_EXCEPTIONS=0 turns it off. Runs before fork.c's connect. */
__attribute__((constructor(150))) static void machipc_faults_init(void) {
  const char *v = getenv("MACHIPC_EXCEPTIONS");
  if (v && (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)) return;
  if (pthread_key_create(&g_alt_key, free_alt_stack) != 0) return;
  g_enabled = 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  /* The program's sigaction and signal for these signals are kept apart from here on (fault_signals.c). */
  machipc_fault_signals_take();
  for (int i = 0; i < NSIGNALS; i++) machipc_real_sigaction(FAULT_SIGNALS[i], &sa, NULL);
  machipc_thread_started();
}
