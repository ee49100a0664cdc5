/*
 * A Mach message ping-pong benchmark as macOS programs write one: a server
 * thread answers each request on the reply port it carries, the main thread
 * times round trips with mach_absolute_time, and a semaphore ping-pong runs
 * the same way. Usage: pingpong [rounds]. Prints what it measured.
 */
#include <mach/mach.h>
#include <mach/mach_time.h>
#include <mach/semaphore.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PING_ID 1000

typedef struct {
  mach_msg_header_t header;
  int seq;
} ping_t;

typedef struct {
  ping_t msg;
  mach_msg_trailer_t trailer;
} ping_rcv_t;

static mach_port_t service;
static semaphore_t sem_ping, sem_pong;
static long rounds = 1000;

static void fail(const char *what, kern_return_t kr) {
  fprintf(stderr, "pingpong: %s: %s\n", what, mach_error_string(kr));
  exit(1);
}

static void *server(void *arg) {
  (void)arg;
  ping_rcv_t in;
  for (long i = 0; i < rounds; i++) {
    kern_return_t kr = mach_msg(&in.msg.header, MACH_RCV_MSG, 0, sizeof in, service, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (kr != KERN_SUCCESS) fail("server receive", kr);
    ping_t out;
    out.header.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in.msg.header.msgh_bits), 0);
    out.header.msgh_size = sizeof out;
    out.header.msgh_remote_port = in.msg.header.msgh_remote_port;
    out.header.msgh_local_port = MACH_PORT_NULL;
    out.header.msgh_voucher_port = MACH_PORT_NULL;
    out.header.msgh_id = in.msg.header.msgh_id + 100;
    out.seq = in.msg.seq;
    kr = mach_msg(&out.header, MACH_SEND_MSG, sizeof out, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (kr != KERN_SUCCESS) fail("server send", kr);
  }
  for (long i = 0; i < rounds; i++) {
    if (semaphore_wait(sem_ping) != KERN_SUCCESS) fail("semaphore_wait", KERN_FAILURE);
    if (semaphore_signal(sem_pong) != KERN_SUCCESS) fail("semaphore_signal", KERN_FAILURE);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) rounds = atol(argv[1]);
  kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &service);
  if (kr != KERN_SUCCESS) fail("mach_port_allocate", kr);
  kr = mach_port_insert_right(mach_task_self(), service, service, MACH_MSG_TYPE_MAKE_SEND);
  if (kr != KERN_SUCCESS) fail("mach_port_insert_right", kr);
  if ((kr = semaphore_create(mach_task_self(), &sem_ping, SYNC_POLICY_FIFO, 0)) != KERN_SUCCESS) fail("semaphore_create", kr);
  if ((kr = semaphore_create(mach_task_self(), &sem_pong, SYNC_POLICY_FIFO, 0)) != KERN_SUCCESS) fail("semaphore_create", kr);
  mach_port_t reply = mig_get_reply_port();

  pthread_t t;
  pthread_create(&t, NULL, server, NULL);

  mach_timebase_info_data_t tb;
  mach_timebase_info(&tb);
  uint64_t start = mach_absolute_time();
  long good = 0;
  for (long i = 0; i < rounds; i++) {
    union {
      ping_t out;
      ping_rcv_t in;
    } m;
    m.out.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.out.header.msgh_size = sizeof m.out;
    m.out.header.msgh_remote_port = service;
    m.out.header.msgh_local_port = reply;
    m.out.header.msgh_voucher_port = MACH_PORT_NULL;
    m.out.header.msgh_id = PING_ID;
    m.out.seq = (int)i;
    kr = mach_msg(&m.out.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.out, sizeof m, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (kr != KERN_SUCCESS) fail("round trip", kr);
    if (m.in.msg.header.msgh_id == PING_ID + 100 && m.in.msg.seq == (int)i) good++;
  }
  uint64_t msg_ns = (mach_absolute_time() - start) * tb.numer / tb.denom;

  start = mach_absolute_time();
  for (long i = 0; i < rounds; i++) {
    if ((kr = semaphore_signal(sem_ping)) != KERN_SUCCESS) fail("semaphore_signal", kr);
    if ((kr = semaphore_wait(sem_pong)) != KERN_SUCCESS) fail("semaphore_wait", kr);
  }
  uint64_t sem_ns = (mach_absolute_time() - start) * tb.numer / tb.denom;
  pthread_join(t, NULL);

  printf("%ld message round trips, %ld answered in order\n", rounds, good);
  printf("message round trip: %llu ns\n", (unsigned long long)(msg_ns / (uint64_t)rounds));
  printf("semaphore round trip: %llu ns\n", (unsigned long long)(sem_ns / (uint64_t)rounds));
  semaphore_destroy(mach_task_self(), sem_ping);
  semaphore_destroy(mach_task_self(), sem_pong);
  mach_port_mod_refs(mach_task_self(), service, MACH_PORT_RIGHT_RECEIVE, -1);
  return good == rounds ? 0 : 1;
}
