/*
 * A crash reporter: runs a child that dereferences NULL, gets the child's task
 * port with task_for_pid, makes itself the child's EXC_BAD_ACCESS handler
 * (EXCEPTION_STATE_IDENTITY with 64-bit codes and the thread's registers),
 * and reports the crash: the fault address and the registers. Then, as asked,
 * it lets the child die of it (replying KERN_FAILURE, so BSD's handler turns
 * the exception into SIGSEGV) or moves the child's instruction pointer past
 * the faulting load and resumes it.
 *
 *   crashreporter die       report, then let the child die of SIGSEGV
 *   crashreporter resume    report, then resume the child after the load
 *
 * One exception is received with mach_msg and served by mach_exc_server, which
 * calls catch_mach_exception_raise_state_identity below.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_exc_server.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's crash: a load from address 0 whose length the reporter knows. */
static void crash(void) {
#if defined(__x86_64__)
  /* mov (%rax), %eax with rax = 0: two bytes, 8b 00. */
  __asm__ volatile("xor %%eax, %%eax\n\tmov (%%rax), %%eax" ::: "rax", "memory");
#elif defined(__aarch64__)
  __asm__ volatile("mov x0, #0\n\tldr w0, [x0]" ::: "x0", "memory");
#endif
}
#if defined(__x86_64__)
enum { LOAD_LENGTH = 2, PC_WORD = 32, FLAVOR = x86_THREAD_STATE64, STATE_WORDS = 42 };
static const char *const REGS[] = {"rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"};
#elif defined(__aarch64__)
enum { LOAD_LENGTH = 4, PC_WORD = 64, FLAVOR = ARM_THREAD_STATE64, STATE_WORDS = 68 };
static const char *const REGS[] = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "fp", "lr", "sp", "pc"};
#endif

static uint64_t word64(const natural_t *s, int i) { return (uint64_t)s[2 * i] | ((uint64_t)s[2 * i + 1] << 32); }

static pid_t g_child;
static int g_resume;

/* The crash report, and the decision: resume past the load, or not ours to fix. */
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task, exception_type_t exception,
                                                         mach_exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor, thread_state_t old_state,
                                                         mach_msg_type_number_t old_stateCnt, thread_state_t new_state, mach_msg_type_number_t *new_stateCnt) {
  (void)exception_port, (void)thread, (void)task, (void)codeCnt;
  printf("crash report for pid %d: exception %d, codes 0x%llx 0x%llx\n", (int)g_child, exception, (unsigned long long)code[0], (unsigned long long)code[1]);
  printf("fault address: 0x%llx (%s)\n", (unsigned long long)code[1], code[0] == KERN_INVALID_ADDRESS ? "KERN_INVALID_ADDRESS" : "other");
  for (size_t i = 0; i < sizeof REGS / sizeof REGS[0]; i++) printf("  %-6s 0x%016llx\n", REGS[i], (unsigned long long)word64(old_state, (int)i));
  if (!g_resume) {
    /* Not ours to fix: the search goes on to the host, where BSD's handler makes it SIGSEGV. */
    printf("letting the child die\n");
    fflush(stdout);
    return KERN_FAILURE;
  }
  memcpy(new_state, old_state, 4 * old_stateCnt);
  *new_stateCnt = old_stateCnt;
  uint64_t pc = word64(old_state, PC_WORD / 2) + LOAD_LENGTH;
  new_state[PC_WORD] = (natural_t)pc;
  new_state[PC_WORD + 1] = (natural_t)(pc >> 32);
  printf("resuming the child at 0x%llx (flavor %d)\n", (unsigned long long)pc, *flavor);
  fflush(stdout);
  return KERN_SUCCESS;
}

static int check(kern_return_t kr, const char *what) {
  if (kr == KERN_SUCCESS) return 0;
  fprintf(stderr, "crashreporter: %s: %s\n", what, mach_error_string(kr));
  return 1;
}

int main(int argc, char **argv) {
  int resume = argc > 1 && strcmp(argv[1], "resume") == 0;
  int ready[2], go[2];
  if (pipe(ready) || pipe(go)) return 1;
  pid_t child = fork();
  if (child == 0) {
    /* The child is its own task from the moment fork returns; it waits for its reporter (or its exit). */
    close(go[1]);
    close(ready[0]);
    char c = 1;
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) _exit(2);
    printf("child %d: dereferencing NULL\n", (int)getpid());
    fflush(stdout);
    crash();
    printf("child %d: resumed after the fault\n", (int)getpid());
    fflush(stdout);
    _exit(0);
  }
  close(go[0]);
  close(ready[1]);
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  mach_port_t task = MACH_PORT_NULL, port = MACH_PORT_NULL;
  if (check(task_for_pid(mach_task_self(), child, &task), "task_for_pid")) return 1;
  if (check(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port), "mach_port_allocate")) return 1;
  if (check(mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND), "mach_port_insert_right")) return 1;
  if (check(task_set_exception_ports(task, EXC_MASK_BAD_ACCESS, port, (exception_behavior_t)(EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES), FLAVOR),
            "task_set_exception_ports"))
    return 1;
  if (write(go[1], &c, 1) != 1) return 1;

  union {
    union __RequestUnion__catch_mach_exc_subsystem req;
    mach_msg_header_t head;
    char room[sizeof(union __RequestUnion__catch_mach_exc_subsystem) + MAX_TRAILER_SIZE];
  } in;
  union {
    union __ReplyUnion__catch_mach_exc_subsystem rep;
    mach_msg_header_t head;
  } out;
  g_child = child;
  g_resume = resume;
  if (check(mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "mach_msg receive")) return 1;
  if (!mach_exc_server(&in.head, &out.head)) {
    fprintf(stderr, "crashreporter: unexpected message id %d\n", in.head.msgh_id);
    return 1;
  }
  if (check(mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "mach_msg reply")) return 1;
  /* The thread and task rights the request brought. */
  mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise_state_identity.thread.name);
  mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise_state_identity.task.name);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) printf("child %d died of signal %d\n", (int)child, WTERMSIG(status));
  else printf("child %d exited with status %d\n", (int)child, WEXITSTATUS(status));
  return 0;
}
