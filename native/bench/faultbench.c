/*
 * A hardware fault's round trip through Mach exception handling, against the
 * null RPC of the same process: a NULL load faults, the signal handler raises
 * EXC_BAD_ACCESS in the server, a handler thread of this task (its exception
 * port, EXCEPTION_STATE_IDENTITY) answers with the instruction pointer moved
 * past the load, and the thread resumes.
 *
 *   faultbench null N     ns per mach_port_type on the task's own port
 *   faultbench fault N    ns per fault -> handler -> resume
 */
#define _POSIX_C_SOURCE 200809L
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_exc_server.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
enum { FLAVOR = x86_THREAD_STATE64, PC = 16, LOAD = 2 };
static void fault(void) { __asm__ volatile("xor %%eax, %%eax\n\tmov (%%rax), %%eax" ::: "rax", "memory"); }
#elif defined(__aarch64__)
enum { FLAVOR = ARM_THREAD_STATE64, PC = 32, LOAD = 4 };
static void fault(void) { __asm__ volatile("mov x0, #0\n\tldr w0, [x0]" ::: "x0", "memory"); }
#endif

static mach_port_t g_port;

/* Every exception is answered with the thread moved past its load. */
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port, mach_port_t thread, mach_port_t task, exception_type_t exception,
                                                         mach_exception_data_t code, mach_msg_type_number_t codeCnt, int *flavor, thread_state_t old_state,
                                                         mach_msg_type_number_t old_stateCnt, thread_state_t new_state, mach_msg_type_number_t *new_stateCnt) {
  (void)exception_port, (void)thread, (void)task, (void)exception, (void)code, (void)codeCnt, (void)flavor;
  memcpy(new_state, old_state, 4 * old_stateCnt);
  *new_stateCnt = old_stateCnt;
  uint64_t pc = ((uint64_t)old_state[2 * PC] | ((uint64_t)old_state[2 * PC + 1] << 32)) + LOAD;
  new_state[2 * PC] = (natural_t)pc;
  new_state[2 * PC + 1] = (natural_t)(pc >> 32);
  return KERN_SUCCESS;
}

/* The handler thread: mach_exc_server over each exception message. */
static void *handler(void *arg) {
  (void)arg;
  for (;;) {
    union {
      union __RequestUnion__catch_mach_exc_subsystem req;
      mach_msg_header_t head;
      char room[sizeof(union __RequestUnion__catch_mach_exc_subsystem) + MAX_TRAILER_SIZE];
    } in;
    union {
      union __ReplyUnion__catch_mach_exc_subsystem rep;
      mach_msg_header_t head;
    } out;
    if (mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof in, g_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) != MACH_MSG_SUCCESS) return NULL;
    mach_exc_server(&in.head, &out.head);
    mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise_state_identity.thread.name);
    mach_port_deallocate(mach_task_self(), in.req.Request_mach_exception_raise_state_identity.task.name);
  }
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: faultbench null|fault N\n");
    return 2;
  }
  long n = atol(argv[2]);
  mach_port_t self = mach_task_self();
  if (strcmp(argv[1], "null") == 0) {
    mach_port_t p;
    mach_port_type_t t;
    if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS) return 1;
    mach_port_type(self, p, &t);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) mach_port_type(self, p, &t);
    printf("%.0f\n", (now_ns() - t0) / (double)n);
    return 0;
  }
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_port);
  if (kr == KERN_SUCCESS) kr = mach_port_insert_right(self, g_port, g_port, MACH_MSG_TYPE_MAKE_SEND);
  if (kr == KERN_SUCCESS) kr = task_set_exception_ports(self, EXC_MASK_BAD_ACCESS, g_port, (exception_behavior_t)(EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES), FLAVOR);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "faultbench: %s\n", mach_error_string(kr));
    return 1;
  }
  pthread_t t;
  pthread_create(&t, NULL, handler, NULL);
  fault(); /* the first one opens the fault handler's connection */
  double t0 = now_ns();
  for (long i = 0; i < n; i++) fault();
  printf("%.0f\n", (now_ns() - t0) / (double)n);
  return 0;
}
