/*
 * The C side of the process tests (test/proc/c_proc.test.ts drives it and
 * checks the server's state): fork's child is a new task, rights survive
 * exec, and each kind of hardware fault raised with known registers.
 *
 *   proctest fork               a receive right, then fork; the child checks the name is not its own
 *   proctest exec [TARGET]      a receive right, then exec of TARGET (default itself) as "exec-after NAME"
 *   proctest spawn              a receive right, then posix_spawn of itself as "spawned NAME"
 *   proctest fault KIND         a fault of KIND (segv prot bus ill fpe trap overflow inlib midcall)
 *
 * Lines go to stdout; "wait" lines make it read a line from stdin first.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <servers/bootstrap.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static void wait_line(void) {
  char buf[64];
  if (!fgets(buf, sizeof buf, stdin)) exit(3);
}

static mach_port_t new_port(void) {
  mach_port_t p;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS) exit(4);
  if (mach_port_insert_right(mach_task_self(), p, p, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS) exit(4);
  return p;
}

static mach_port_t g_block;
static void *blocked_receiver(void *arg) {
  (void)arg;
  struct {
    mach_msg_header_t h;
    mach_msg_trailer_t t;
  } m;
  kern_return_t kr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, g_block, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  say("blocked call completed: %s id %d", mach_error_string(kr), m.h.msgh_id);
  return NULL;
}
static void send_id(mach_port_t to, int id) {
  mach_msg_header_t h;
  memset(&h, 0, sizeof h);
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  h.msgh_size = sizeof h;
  h.msgh_remote_port = to;
  h.msgh_id = id;
  mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static int do_fork(void) {
  mach_port_t p = new_port();
  /* A thread of the parent blocked in mach_msg across the fork. */
  g_block = new_port();
  pthread_t blocked;
  pthread_create(&blocked, NULL, blocked_receiver, NULL);
  say("parent %d port 0x%x", (int)getpid(), p);
  wait_line();
  pid_t child = fork();
  if (child == 0) {
    mach_port_type_t t = 0;
    kern_return_t kr = mach_port_type(mach_task_self(), p, &t);
    say("child %d type-of-parent-port %s bootstrap %s", (int)getpid(), kr == KERN_INVALID_NAME ? "KERN_INVALID_NAME" : mach_error_string(kr), bootstrap_port != MACH_PORT_NULL ? "set" : "null");
    wait_line();
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  mach_port_type_t t = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), p, &t);
  say("parent after child: %s type 0x%x", mach_error_string(kr), t);
  send_id(g_block, 778);
  pthread_join(blocked, NULL);
  wait_line();
  return 0;
}

extern char **environ;

static int do_spawn(char *self) {
  mach_port_t p = new_port();
  say("parent %d port 0x%x", (int)getpid(), p);
  wait_line();
  char name[32];
  snprintf(name, sizeof name, "%u", p);
  char *argv[] = {self, "spawned", name, NULL};
  pid_t child;
  int r = posix_spawn(&child, self, NULL, NULL, argv, environ);
  if (r != 0) {
    say("posix_spawn failed: %d", r);
    return 1;
  }
  int status;
  waitpid(child, &status, 0);
  mach_port_type_t t = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), p, &t);
  say("parent after child: exit %d, %s type 0x%x", WIFEXITED(status) ? WEXITSTATUS(status) : -1, mach_error_string(kr), t);
  return 0;
}

/* The spawned image: a task of its own, made from the parent's. */
static int spawned(const char *parent_name) {
  mach_port_type_t t = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), (mach_port_name_t)strtoul(parent_name, NULL, 10), &t);
  mach_port_array_t ports = NULL;
  mach_msg_type_number_t n = 0;
  kern_return_t lk = mach_ports_lookup(mach_task_self(), &ports, &n);
  say("spawned %d type-of-parent-port %s bootstrap %s registered %s %s env %s", (int)getpid(),
      kr == KERN_INVALID_NAME ? "KERN_INVALID_NAME" : mach_error_string(kr), bootstrap_port != MACH_PORT_NULL ? "set" : "null",
      mach_error_string(lk), lk == KERN_SUCCESS && n > 0 && ports[0] != MACH_PORT_NULL ? "first-set" : "first-null",
      getenv("MACHIPC_SPAWN_PARENT") ? "left" : "gone");
  wait_line();
  return 0;
}

static int do_exec(char *target) {
  mach_port_t p = new_port();
  say("before exec %d port 0x%x self 0x%x", (int)getpid(), p, mach_task_self());
  wait_line();
  char name[32];
  snprintf(name, sizeof name, "%u", p);
  execl(target, target, "exec-after", name, (char *)NULL);
  say("exec failed");
  return 1;
}

static mach_port_t g_kept;
/* A new thread of the new image joins the task it carried on. */
static void *thread_after_exec(void *arg) {
  (void)arg;
  mach_port_type_t t = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), g_kept, &t);
  say("a thread after exec: %s type 0x%x", mach_error_string(kr), t);
  return NULL;
}

static int exec_after(const char *name) {
  mach_port_t p = (mach_port_t)strtoul(name, NULL, 10);
  mach_port_type_t t = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), p, &t);
  say("after exec %d port 0x%x: %s type 0x%x self 0x%x euid %d", (int)getpid(), p, mach_error_string(kr), t, mach_task_self(), (int)geteuid());
  g_kept = p;
  pthread_t th;
  pthread_create(&th, NULL, thread_after_exec, NULL);
  pthread_join(th, NULL);
  wait_line();
  return 0;
}

/*
 * Each fault with known registers: rbx = 0x1111, r12 = 0x2222 (x86_64), and
 * a faulting instruction whose length the test knows, so a handler can move
 * the instruction pointer past it. After a resume, "resumed KIND".
 */
#if defined(__x86_64__)
#define MARK "mov $0x1111, %%rbx\n\tmov $0x2222, %%r12\n\t"
#define CLOB "rbx", "r12", "memory"
static void fault_segv(void) { __asm__ volatile(MARK "xor %%eax, %%eax\n\tmov (%%rax), %%eax" ::: "rax", CLOB); }
/* The address in rdi: movl $1, (%rdi) is six bytes (c7 07 01 00 00 00), mov (%rdi), %eax two (8b 07). */
static void fault_at(volatile void *a) { __asm__ volatile(MARK "movl $1, (%0)" : : "D"(a) : CLOB); }
static void load_at(volatile void *a) { __asm__ volatile(MARK "mov (%0), %%eax" : : "D"(a) : "rax", CLOB); }
static void fault_ill(void) { __asm__ volatile(MARK "ud2" ::: CLOB); }
static void fault_fpe(void) { __asm__ volatile(MARK "xor %%edx, %%edx\n\tmov $1, %%eax\n\txor %%ecx, %%ecx\n\tdiv %%ecx" ::: "rax", "rcx", "rdx", CLOB); }
static void fault_trap(void) { __asm__ volatile(MARK "int3" ::: CLOB); }
#endif

static volatile int depth;
static int recurse(int n) {
  volatile char pad[1024];
  pad[0] = (char)n;
  depth++;
  /* Always true, but the compiler cannot tell: the recursion overflows the stack. */
  return depth > 0 ? recurse(n + 1) + pad[0] : 0;
}

static void on_usr1(int s) {
  (void)s;
  fault_segv(); /* in the middle of the thread's blocked mach_msg */
}

/* A thread whose first act is a fault: it has no thread in the server yet. */
static void *fault_first(void *arg) {
  (void)arg;
  fault_segv();
  say("the new thread resumed");
  return NULL;
}

static int do_fault(const char *kind) {
  say("ready %d", (int)getpid());
  wait_line();
  if (strcmp(kind, "segv") == 0) fault_segv();
  else if (strcmp(kind, "prot") == 0) {
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("page %p", page);
    fault_at(page);
  } else if (strcmp(kind, "bus") == 0) {
    char path[] = "/tmp/proctest-bus-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    void *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    say("page %p", map);
    load_at(map);
  } else if (strcmp(kind, "ill") == 0) fault_ill();
  else if (strcmp(kind, "fpe") == 0) fault_fpe();
  else if (strcmp(kind, "trap") == 0) fault_trap();
  else if (strcmp(kind, "overflow") == 0) return recurse(0);
  else if (strcmp(kind, "newthread") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, fault_first, NULL);
    pthread_join(t, NULL);
  }
  else if (strcmp(kind, "inlib") == 0) {
    /* A bad message pointer: the fault is inside libmachipc's mach_msg, reading the header's bits. */
    mach_msg((mach_msg_header_t *)(uintptr_t)0x10, MACH_SEND_MSG, 28, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  } else if (strcmp(kind, "midcall") == 0) {
    g_block = new_port();
    pthread_t t;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_create(&t, NULL, blocked_receiver, NULL);
    usleep(200000);
    pthread_kill(t, SIGUSR1);
    usleep(500000);
    send_id(g_block, 777);
    pthread_join(t, NULL);
  }
  say("resumed %s", kind);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "fork") == 0) return do_fork();
  if (argc >= 2 && strcmp(argv[1], "spawn") == 0) return do_spawn(argv[0]);
  if (argc >= 3 && strcmp(argv[1], "spawned") == 0) return spawned(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "exec") == 0) return do_exec(argc >= 3 ? argv[2] : argv[0]);
  if (argc >= 3 && strcmp(argv[1], "exec-after") == 0) return exec_after(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "fault") == 0) return do_fault(argv[2]);
  fprintf(stderr, "usage: proctest fork | spawn | exec | fault KIND\n");
  return 2;
}
