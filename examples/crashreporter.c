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
 * The receive loop is written out with mach_msg, as mach_exc_server would run it.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* mach_exception_raise_state_identity's request and reply (mach_exc.defs, id 2407). */
#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t head;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t thread;
  mach_msg_port_descriptor_t task;
  NDR_record_t ndr;
  exception_type_t exception;
  mach_msg_type_number_t codeCnt;
  int64_t code[2];
  int flavor;
  mach_msg_type_number_t old_stateCnt;
  natural_t old_state[224];
  mach_msg_trailer_t trailer;
} exc_request_t;

typedef struct {
  mach_msg_header_t head;
  NDR_record_t ndr;
  kern_return_t ret;
  int flavor;
  mach_msg_type_number_t new_stateCnt;
  natural_t new_state[224];
} exc_reply_t;
#pragma pack(pop)

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

  exc_request_t req;
  mach_msg_return_t mr = mach_msg(&req.head, MACH_RCV_MSG, 0, sizeof req, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (check(mr, "mach_msg receive")) return 1;
  if (req.head.msgh_id != 2407) {
    fprintf(stderr, "crashreporter: unexpected message id %d\n", req.head.msgh_id);
    return 1;
  }
  printf("crash report for pid %d: exception %d, codes 0x%llx 0x%llx\n", (int)child, req.exception, (unsigned long long)req.code[0], (unsigned long long)req.code[1]);
  printf("fault address: 0x%llx (%s)\n", (unsigned long long)req.code[1], req.code[0] == KERN_INVALID_ADDRESS ? "KERN_INVALID_ADDRESS" : "other");
  for (size_t i = 0; i < sizeof REGS / sizeof REGS[0]; i++) printf("  %-6s 0x%016llx\n", REGS[i], (unsigned long long)word64(req.old_state, (int)i));

  exc_reply_t rep;
  memset(&rep, 0, sizeof rep);
  rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req.head.msgh_bits), 0);
  rep.head.msgh_remote_port = req.head.msgh_remote_port;
  rep.head.msgh_id = req.head.msgh_id + 100;
  rep.ndr = NDR_record;
  if (resume) {
    rep.ret = KERN_SUCCESS;
    rep.flavor = req.flavor;
    rep.new_stateCnt = req.old_stateCnt;
    memcpy(rep.new_state, req.old_state, 4 * req.old_stateCnt);
    uint64_t pc = word64(req.old_state, PC_WORD / 2) + LOAD_LENGTH;
    rep.new_state[PC_WORD] = (natural_t)pc;
    rep.new_state[PC_WORD + 1] = (natural_t)(pc >> 32);
    rep.head.msgh_size = (mach_msg_size_t)(44 + 4 * rep.new_stateCnt);
    printf("resuming the child at 0x%llx\n", (unsigned long long)pc);
  } else {
    /* Not ours to fix: the search goes on to the host, where BSD's handler makes it SIGSEGV. */
    rep.ret = KERN_FAILURE;
    rep.head.msgh_size = 36;
    printf("letting the child die\n");
  }
  fflush(stdout);
  if (check(mach_msg(&rep.head, MACH_SEND_MSG, rep.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "mach_msg reply")) return 1;
  mach_port_deallocate(mach_task_self(), req.thread.name);
  mach_port_deallocate(mach_task_self(), req.task.name);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) printf("child %d died of signal %d\n", (int)child, WTERMSIG(status));
  else printf("child %d exited with status %d\n", (int)child, WEXITSTATUS(status));
  return 0;
}
