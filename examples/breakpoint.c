/*
 * A debugger's breakpoint: the child runs into an int3 (brk on arm64); the
 * debugger, its EXC_BREAKPOINT handler (EXCEPTION_DEFAULT: only the thread
 * and task ports come, served by mach_exc_server), reads the stopped thread's
 * registers with thread_get_state, changes one with thread_set_state while the
 * thread waits, and lets it go on. The child prints what it finds in that register.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_exc_server.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
enum { FLAVOR = x86_THREAD_STATE64, WORDS = 42, VALUE_REG = 0 /* rax */, PC_REG = 16 };
/* rax = 0, int3, then rax is what the debugger left in it. */
static uint64_t stop_here(void) {
  uint64_t v;
  __asm__ volatile("xor %%eax, %%eax\n\tint3\n\tmov %%rax, %0" : "=r"(v) : : "rax");
  return v;
}
#elif defined(__aarch64__)
enum { FLAVOR = ARM_THREAD_STATE64, WORDS = 68, VALUE_REG = 0 /* x0 */, PC_REG = 32 };
static uint64_t stop_here(void) {
  uint64_t v;
  __asm__ volatile("mov x0, #0\n\tbrk #0\n\tmov %0, x0" : "=r"(v) : : "x0");
  return v;
}
#endif

/* The stopped thread: its registers read, one changed, and the thread let go. */
kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task, exception_type_t exception, mach_exception_data_t code,
                                         mach_msg_type_number_t codeCnt) {
  (void)exception_port, (void)task, (void)codeCnt;
  printf("debugger: exception %d (EXC_BREAKPOINT is %d), code %lld\n", exception, EXC_BREAKPOINT, (long long)code[0]);
  natural_t state[WORDS];
  mach_msg_type_number_t count = WORDS;
  kern_return_t kr = thread_get_state(thread, FLAVOR, state, &count);
  if (kr != KERN_SUCCESS) return kr;
  uint64_t pc = (uint64_t)state[2 * PC_REG] | ((uint64_t)state[2 * PC_REG + 1] << 32);
  printf("debugger: stopped at pc 0x%llx, register %llu\n", (unsigned long long)pc, (unsigned long long)state[2 * VALUE_REG]);
#if defined(__aarch64__)
  /* brk leaves pc on the instruction itself: step over it. */
  pc += 4;
  state[2 * PC_REG] = (natural_t)pc;
  state[2 * PC_REG + 1] = (natural_t)(pc >> 32);
#endif
  state[2 * VALUE_REG] = 42;
  state[2 * VALUE_REG + 1] = 0;
  return thread_set_state(thread, FLAVOR, state, count);
}

static int check(kern_return_t kr, const char *what) {
  if (kr == KERN_SUCCESS) return 0;
  fprintf(stderr, "breakpoint: %s: %s\n", what, mach_error_string(kr));
  return 1;
}

int main(void) {
  int ready[2], go[2];
  if (pipe(ready) || pipe(go)) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(go[1]);
    close(ready[0]);
    char c = 1;
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) _exit(2);
    uint64_t v = stop_here();
    printf("child: after the breakpoint the register holds %llu\n", (unsigned long long)v);
    fflush(stdout);
    _exit(0);
  }
  close(go[0]);
  close(ready[1]);
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  mach_port_t task, port;
  if (check(task_for_pid(mach_task_self(), child, &task), "task_for_pid")) return 1;
  if (check(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port), "mach_port_allocate")) return 1;
  if (check(mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND), "mach_port_insert_right")) return 1;
  if (check(task_set_exception_ports(task, EXC_MASK_BREAKPOINT, port, (exception_behavior_t)(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES), 0), "task_set_exception_ports"))
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
  if (check(mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "mach_msg receive")) return 1;
  if (!mach_exc_server(&in.head, &out.head)) return 1;
  if (check(mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "mach_msg reply")) return 1;
  mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise.thread.name);
  mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise.task.name);
  int status;
  waitpid(child, &status, 0);
  printf("debugger: child exited with status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
