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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#if defined(__x86_64__)
enum { FLAVOR = x86_THREAD_STATE64, PC = 16, LOAD = 2 };
static void fault(void) { __asm__ volatile("xor %%eax, %%eax\n\tmov (%%rax), %%eax" ::: "rax", "memory"); }
#elif defined(__aarch64__)
enum { FLAVOR = ARM_THREAD_STATE64, PC = 32, LOAD = 4 };
static void fault(void) { __asm__ volatile("mov x0, #0\n\tldr w0, [x0]" ::: "x0", "memory"); }
#endif

static mach_port_t g_port;

/* The handler thread: every exception is answered with the thread moved past its load. */
static void *handler(void *arg) {
  (void)arg;
  for (;;) {
    exc_request_t req;
    if (mach_msg(&req.head, MACH_RCV_MSG, 0, sizeof req, g_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) != MACH_MSG_SUCCESS) return NULL;
    exc_reply_t rep;
    rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req.head.msgh_bits), 0);
    rep.head.msgh_remote_port = req.head.msgh_remote_port;
    rep.head.msgh_local_port = MACH_PORT_NULL;
    rep.head.msgh_voucher_port = MACH_PORT_NULL;
    rep.head.msgh_id = req.head.msgh_id + 100;
    rep.ndr = NDR_record;
    rep.ret = KERN_SUCCESS;
    rep.flavor = req.flavor;
    rep.new_stateCnt = req.old_stateCnt;
    memcpy(rep.new_state, req.old_state, 4 * req.old_stateCnt);
    uint64_t pc = ((uint64_t)req.old_state[2 * PC] | ((uint64_t)req.old_state[2 * PC + 1] << 32)) + LOAD;
    rep.new_state[2 * PC] = (natural_t)pc;
    rep.new_state[2 * PC + 1] = (natural_t)(pc >> 32);
    rep.head.msgh_size = (mach_msg_size_t)(44 + 4 * rep.new_stateCnt);
    mach_msg(&rep.head, MACH_SEND_MSG, rep.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    mach_port_deallocate(mach_task_self(), req.thread.name);
    mach_port_deallocate(mach_task_self(), req.task.name);
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
