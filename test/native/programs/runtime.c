/*
 * libsystem's Mach runtime as a macOS program uses it: the kernel-RPC traps,
 * semaphores between threads, mach_msg_send / receive / server_once /
 * destroy, MIG's helpers, the page size, mach_absolute_time, vm_allocate and
 * page-aligned out-of-line memory. Prints "ok <check>" per check, or
 * "FAIL <check>: ..." and exits 1.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_time.h>
#include <mach/mach_traps.h>
#include <mach/mach_vm.h>
#include <mach/mach_voucher.h>
#include <mach/clock.h>
#include <mach/clock_reply.h>
#include <mach/mk_timer.h>
#include <mach/semaphore.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static semaphore_t ping, pong;

static void *ponger(void *arg) {
  (void)arg;
  for (int i = 0; i < 100; i++) {
    if (semaphore_wait(ping) != KERN_SUCCESS) return (void *)1;
    if (semaphore_signal(pong) != KERN_SUCCESS) return (void *)1;
  }
  return NULL;
}

static semaphore_t doomed;
static volatile int doomed_ready;
static void *doomed_waiter(void *arg) {
  /* The thread's connection first (its JOIN), so the wait itself is one frame away. */
  mach_port_deallocate(mach_task_self(), mach_thread_self());
  doomed_ready = 1;
  *(kern_return_t *)arg = semaphore_wait(doomed);
  return NULL;
}

/* A one-routine MIG-style demultiplexer: id 500 answers RetCode 7 in a mig_reply_error_t. */
static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out) {
  mig_reply_setup(in, out);
  if (in->msgh_id != 500) return FALSE;
  ((mig_reply_error_t *)out)->RetCode = 7;
  return TRUE;
}

static void *server_once(void *arg) {
  mach_port_t port = *(mach_port_t *)arg;
  mach_msg_return_t mr = mach_msg_server_once(demux, 256, port, 0);
  return (void *)(uintptr_t)(mr != MACH_MSG_SUCCESS);
}

int main(void) {
  mach_port_t self = mach_task_self();
  kern_return_t kr;

  /* The traps on our own task, and MACH_SEND_INVALID_DEST for anything else. */
  mach_port_name_t name = MACH_PORT_NULL;
  kr = _kernelrpc_mach_port_allocate_trap(self, MACH_PORT_RIGHT_RECEIVE, &name);
  check("_kernelrpc_mach_port_allocate_trap", kr == KERN_SUCCESS && MACH_PORT_VALID(name), kr);
  kr = _kernelrpc_mach_port_insert_right_trap(self, name, name, MACH_MSG_TYPE_MAKE_SEND);
  check("_kernelrpc_mach_port_insert_right_trap", kr == KERN_SUCCESS, kr);
  mach_port_name_t pset = MACH_PORT_NULL;
  kr = _kernelrpc_mach_port_allocate_trap(self, MACH_PORT_RIGHT_PORT_SET, &pset);
  kr = _kernelrpc_mach_port_insert_right_trap(self, pset, pset, MACH_MSG_TYPE_MAKE_SEND);
  check("insert_right of a port set is KERN_INVALID_RIGHT by trap", kr == KERN_INVALID_RIGHT, kr);
  kr = mach_port_insert_right(self, pset, pset, MACH_MSG_TYPE_MAKE_SEND);
  check("mach_port_insert_right(task, pset, pset, MAKE_SEND) takes the trap: KERN_INVALID_RIGHT, as on 10.11", kr == KERN_INVALID_RIGHT, kr);
  kr = _kernelrpc_mach_port_insert_right(self, pset, pset, MACH_MSG_TYPE_MAKE_SEND);
  check("the MIG message for it is refused with MACH_SEND_INVALID_RIGHT", kr == MACH_SEND_INVALID_RIGHT, kr);
  kr = _kernelrpc_mach_port_insert_member_trap(self, name, pset);
  check("_kernelrpc_mach_port_insert_member_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_extract_member_trap(self, name, pset);
  check("_kernelrpc_mach_port_extract_member_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_mod_refs_trap(self, name, MACH_PORT_RIGHT_SEND, 1);
  check("_kernelrpc_mach_port_mod_refs_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_deallocate_trap(self, name);
  check("_kernelrpc_mach_port_deallocate_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_allocate_trap(name, MACH_PORT_RIGHT_RECEIVE, &pset);
  check("a target other than our task is MACH_SEND_INVALID_DEST", kr == MACH_SEND_INVALID_DEST, kr);
  mach_port_options_t opts;
  memset(&opts, 0, sizeof opts);
  opts.flags = MPO_CONTEXT_AS_GUARD;
  mach_port_name_t guarded = MACH_PORT_NULL;
  kr = _kernelrpc_mach_port_construct_trap(self, &opts, 0x1234, &guarded);
  check("_kernelrpc_mach_port_construct_trap", kr == KERN_SUCCESS && MACH_PORT_VALID(guarded), kr);
  kr = _kernelrpc_mach_port_construct_trap(self, NULL, 0, &guarded);
  check("construct with no options is MACH_SEND_INVALID_DATA", kr == MACH_SEND_INVALID_DATA, kr);
  kr = _kernelrpc_mach_port_unguard_trap(self, guarded, 0x1234);
  check("_kernelrpc_mach_port_unguard_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_guard_trap(self, guarded, 0x99, FALSE);
  check("_kernelrpc_mach_port_guard_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_destruct_trap(self, guarded, 0, 0x99);
  check("_kernelrpc_mach_port_destruct_trap", kr == KERN_SUCCESS, kr);
  kr = _kernelrpc_mach_port_destroy_trap(self, name);
  check("_kernelrpc_mach_port_destroy_trap", kr == KERN_SUCCESS, kr);

  /* Semaphores: a ping-pong between two threads, a timeout, destruction under a waiter. */
  kr = semaphore_create(self, &ping, SYNC_POLICY_FIFO, 0);
  check("semaphore_create", kr == KERN_SUCCESS, kr);
  semaphore_create(self, &pong, SYNC_POLICY_FIFO, 0);
  pthread_t t;
  pthread_create(&t, NULL, ponger, NULL);
  int rounds = 0;
  for (int i = 0; i < 100; i++) {
    if (semaphore_signal(ping) != KERN_SUCCESS || semaphore_wait(pong) != KERN_SUCCESS) break;
    rounds++;
  }
  void *pr;
  pthread_join(t, &pr);
  check("100 semaphore ping-pongs between two threads", rounds == 100 && pr == NULL, KERN_FAILURE);
  mach_timespec_t ts = {0, 20 * 1000 * 1000};
  uint64_t t0 = mach_absolute_time();
  kr = semaphore_timedwait(ping, ts);
  uint64_t waited = mach_absolute_time() - t0;
  check("semaphore_timedwait times out", kr == KERN_OPERATION_TIMED_OUT && waited >= 15 * 1000 * 1000, kr);
  mach_timespec_t bad = {0, 1000000000};
  kr = semaphore_timedwait(ping, bad);
  check("a bad timespec is KERN_INVALID_VALUE", kr == KERN_INVALID_VALUE, kr);
  kr = semaphore_signal_all(ping);
  check("semaphore_signal_all with no waiter", kr == KERN_SUCCESS, kr);
  kr = semaphore_signal_thread(ping, MACH_PORT_NULL);
  check("semaphore_signal_thread with no waiter is KERN_NOT_WAITING", kr == KERN_NOT_WAITING, kr);
  semaphore_create(self, &doomed, SYNC_POLICY_FIFO, 0);
  kern_return_t doomed_kr = KERN_FAILURE;
  pthread_create(&t, NULL, doomed_waiter, &doomed_kr);
  struct timespec tick = {0, 1000 * 1000};
  while (!doomed_ready) nanosleep(&tick, NULL);
  struct timespec nap = {0, 200 * 1000 * 1000};
  nanosleep(&nap, NULL);
  kr = semaphore_destroy(self, doomed);
  pthread_join(t, NULL);
  check("semaphore_destroy wakes its waiter with KERN_TERMINATED", kr == KERN_SUCCESS && doomed_kr == KERN_TERMINATED, doomed_kr);
  semaphore_destroy(self, ping);
  semaphore_destroy(self, pong);

  /* mach_msg_send / mach_msg_receive with the header's size, and mach_msg_server_once. */
  mach_port_t port;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
  struct {
    mach_msg_header_t h;
    int payload;
    mach_msg_trailer_t trailer;
  } m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.h.msgh_size = sizeof m.h + sizeof m.payload;
  m.h.msgh_remote_port = port;
  m.h.msgh_id = 42;
  m.payload = 0x5eed;
  kr = mach_msg_send(&m.h);
  check("mach_msg_send", kr == MACH_MSG_SUCCESS, kr);
  memset(&m, 0, sizeof m);
  m.h.msgh_size = sizeof m;
  m.h.msgh_local_port = port;
  kr = mach_msg_receive(&m.h);
  check("mach_msg_receive", kr == MACH_MSG_SUCCESS && m.h.msgh_id == 42 && m.payload == 0x5eed, kr);
  pthread_create(&t, NULL, server_once, &port);
  mig_reply_error_t rq;
  memset(&rq, 0, sizeof rq);
  mach_port_t reply = mig_get_reply_port();
  rq.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  rq.Head.msgh_size = sizeof(mach_msg_header_t);
  rq.Head.msgh_remote_port = port;
  rq.Head.msgh_local_port = reply;
  rq.Head.msgh_id = 500;
  struct {
    mig_reply_error_t r;
    mach_msg_trailer_t trailer;
  } ans;
  kr = mach_msg(&rq.Head, MACH_SEND_MSG, rq.Head.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  kr = mach_msg(&ans.r.Head, MACH_RCV_MSG, 0, sizeof ans, reply, 0, MACH_PORT_NULL);
  pthread_join(t, &pr);
  check("mach_msg_server_once answers through the demultiplexer", kr == MACH_MSG_SUCCESS && ans.r.Head.msgh_id == 600 && ans.r.RetCode == 7 && pr == NULL, kr);

  /* mach_msg_destroy releases what a received message carries. */
  mach_port_t carried;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &carried);
  struct {
    mach_msg_header_t h;
    mach_msg_body_t b;
    mach_msg_port_descriptor_t p;
    mach_msg_trailer_t trailer;
  } c;
  memset(&c, 0, sizeof c);
  c.h.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  c.h.msgh_size = sizeof c - sizeof c.trailer;
  c.h.msgh_remote_port = port;
  c.b.msgh_descriptor_count = 1;
  c.p.name = carried;
  c.p.disposition = MACH_MSG_TYPE_MAKE_SEND;
  c.p.type = MACH_MSG_PORT_DESCRIPTOR;
  mach_msg_send(&c.h);
  memset(&c, 0, sizeof c);
  mach_msg(&c.h, MACH_RCV_MSG, 0, sizeof c, port, 0, MACH_PORT_NULL);
  mach_port_type_t type = 0;
  mach_port_type(self, carried, &type);
  int had_send = (type & MACH_PORT_TYPE_SEND) != 0;
  mach_msg_destroy(&c.h);
  mach_port_type(self, carried, &type);
  check("mach_msg_destroy releases a carried send right", had_send && !(type & MACH_PORT_TYPE_SEND), KERN_FAILURE);

  /* MIG's helpers, the page size, the clock. */
  char buf[8];
  int n = mig_strncpy(buf, "machipc-strings", sizeof buf);
  check("mig_strncpy truncates and terminates", n == 8 && strcmp(buf, "machipc") == 0, KERN_FAILURE);
  check("mig_strncpy of a zero length copies nothing", mig_strncpy(buf, "x", 0) == 0, KERN_FAILURE);
  vm_size_t ps = 0;
  kr = host_page_size(mach_host_self(), &ps);
  check("host_page_size is vm_page_size", kr == KERN_SUCCESS && ps == vm_page_size && vm_page_mask == ps - 1 && (1UL << vm_page_shift) == ps, kr);
  mach_timebase_info_data_t tb;
  kr = mach_timebase_info(&tb);
  uint64_t a = mach_absolute_time(), b = mach_absolute_time();
  check("mach_timebase_info and a monotonic mach_absolute_time", kr == KERN_SUCCESS && tb.numer > 0 && tb.denom > 0 && b >= a, kr);

  /* vm_allocate / protect / deallocate on our own memory. */
  vm_address_t va = 0;
  kr = vm_allocate(self, &va, 3 * vm_page_size, VM_FLAGS_ANYWHERE);
  check("vm_allocate gives zeroed page-aligned memory", kr == KERN_SUCCESS && (va & vm_page_mask) == 0 && ((char *)va)[vm_page_size] == 0, kr);
  ((char *)va)[0] = 1;
  kr = vm_protect(self, va, vm_page_size, FALSE, VM_PROT_READ);
  check("vm_protect", kr == KERN_SUCCESS, kr);
  kr = vm_protect(self, va, vm_page_size, FALSE, 0x40 | VM_PROT_READ);
  check("vm_protect with a bad protection is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = vm_deallocate(self, va, 3 * vm_page_size);
  check("vm_deallocate", kr == KERN_SUCCESS, kr);
  mach_vm_address_t mva = 0;
  kr = mach_vm_allocate(self, &mva, 1, 0x8);
  check("mach_vm_allocate refuses kernel-only flags", kr == KERN_INVALID_ARGUMENT, kr);
  /* mach_vm_map with no memory object goes through _kernelrpc_mach_vm_map_trap, with mach_vm_map's checks. */
  mach_vm_address_t mm = 0;
  kr = mach_vm_map(self, &mm, 3 * vm_page_size, 0xfffff, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map anywhere gives zeroed memory aligned to mask + 1", kr == KERN_SUCCESS && (mm & 0xfffff) == 0 && ((char *)(uintptr_t)mm)[2 * vm_page_size] == 0, kr);
  ((char *)(uintptr_t)mm)[0] = 7;
  mach_vm_address_t fixed = mm;
  kr = mach_vm_map(self, &fixed, vm_page_size, 0, VM_FLAGS_FIXED, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map at a taken fixed address is KERN_NO_SPACE", kr == KERN_NO_SPACE, kr);
  kr = mach_vm_map(self, &fixed, vm_page_size, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map with VM_FLAGS_OVERWRITE replaces the pages", kr == KERN_SUCCESS && fixed == mm && ((char *)(uintptr_t)mm)[0] == 0, kr);
  mach_vm_address_t refused = 0;
  kr = mach_vm_map(self, &refused, 0, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map of size 0 is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT && refused == 0, kr);
  kr = mach_vm_map(self, &refused, vm_page_size, 0, VM_FLAGS_ANYWHERE | 0x100, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map refuses VM_FLAGS_PERMANENT", kr == KERN_INVALID_ARGUMENT && refused == 0, kr);
  kr = mach_vm_map(self, &refused, vm_page_size, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, FALSE, 0x20, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map refuses a protection beyond VM_PROT_ALL", kr == KERN_INVALID_ARGUMENT && refused == 0, kr);
  vm_address_t vmm = 0;
  kr = vm_map(self, &vmm, vm_page_size, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, FALSE, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("vm_map anywhere, read-only", kr == KERN_SUCCESS && vmm != 0 && (vmm & vm_page_mask) == 0 && ((volatile char *)vmm)[0] == 0, kr);
  kr = mach_vm_deallocate(self, mm, 3 * vm_page_size) | vm_deallocate(self, vmm, vm_page_size);
  check("and both deallocate", kr == KERN_SUCCESS, kr);
  vm_address_t buf2 = 0;
  mig_allocate(&buf2, 100);
  check("mig_allocate", buf2 != 0 && (buf2 & vm_page_mask) == 0, KERN_FAILURE);
  mig_deallocate(buf2, 100);

  /* Out-of-line memory we receive lands page-aligned, and vm_deallocate frees exactly it. */
  struct {
    mach_msg_header_t h;
    mach_msg_body_t b;
    mach_msg_ool_descriptor_t d;
    mach_msg_max_trailer_t trailer;
  } o;
  static char data[10000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (char)i;
  memset(&o, 0, sizeof o);
  o.h.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  o.h.msgh_size = sizeof o - sizeof o.trailer;
  o.h.msgh_remote_port = port;
  o.b.msgh_descriptor_count = 1;
  o.d.address = data;
  o.d.size = sizeof data;
  o.d.copy = MACH_MSG_VIRTUAL_COPY;
  o.d.type = MACH_MSG_OOL_DESCRIPTOR;
  mach_msg_send(&o.h);
  memset(&o, 0, sizeof o);
  kr = mach_msg(&o.h, MACH_RCV_MSG, 0, sizeof o, port, 0, MACH_PORT_NULL);
  uintptr_t at = (uintptr_t)o.d.address;
  check("received OOL memory is page-aligned and intact", kr == MACH_MSG_SUCCESS && (at & vm_page_mask) == 0 && memcmp(o.d.address, data, sizeof data) == 0, kr);
  kr = vm_deallocate(self, at, o.d.size);
  check("vm_deallocate of received OOL memory", kr == KERN_SUCCESS, kr);

  /* No vouchers in machipc's kernel: the routines get a RELEASE kernel's answers, as messages. */
  uint8_t recipes[64];
  mach_msg_type_number_t nrecipes = sizeof recipes;
  kr = mach_voucher_debug_info(self, 0x103, recipes, &nrecipes);
  check("mach_voucher_debug_info is DEVELOPMENT-only (KERN_NOT_SUPPORTED)", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_voucher_extract_all_attr_recipes(MACH_PORT_NULL, recipes, &nrecipes);
  check("a null voucher is MACH_SEND_INVALID_DEST", kr == MACH_SEND_INVALID_DEST, kr);
  kr = mach_voucher_extract_attr_content(self, MACH_VOUCHER_ATTR_KEY_BANK, recipes, &nrecipes);
  check("a port that is no voucher converts to IV_NULL (KERN_INVALID_ARGUMENT)", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_voucher_attr_command(self, MACH_VOUCHER_ATTR_KEY_BANK, 1, recipes, 4, recipes, &nrecipes);
  check("mach_voucher_attr_command on no voucher (KERN_INVALID_ARGUMENT)", kr == KERN_INVALID_ARGUMENT, kr);

  /* xnu-3248's lock sets are gone (sync_lock.c): no port is one, every routine is KERN_FAILURE. */
  kr = lock_acquire(self, 0);
  check("lock_acquire on a port that is no lock set (KERN_FAILURE)", kr == KERN_FAILURE, kr);
  kr = lock_try(self, 3);
  check("lock_try (KERN_FAILURE)", kr == KERN_FAILURE, kr);

  /* clock_alarm_reply: the kernel's alarm message, and the same message sent by the stub. */
  struct {
    mach_msg_header_t h;
    NDR_record_t ndr;
    kern_return_t code;
    alarm_type_t type;
    mach_timespec_t t;
    mach_msg_trailer_t tr;
  } am;
  mach_port_t alarms, sysclock;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &alarms);
  mach_timespec_t when = {0, 1000};
  kr = host_get_clock_service(mach_host_self(), SYSTEM_CLOCK, &sysclock);
  if (kr == KERN_SUCCESS) kr = clock_alarm(sysclock, TIME_RELATIVE, when, alarms);
  if (kr == KERN_SUCCESS) kr = mach_msg(&am.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof am, alarms, 5000, MACH_PORT_NULL);
  check("clock_alarm's clock_alarm_reply arrives (3125107, 48 bytes, KERN_SUCCESS, the alarm's type)",
        kr == KERN_SUCCESS && am.h.msgh_id == 3125107 && am.h.msgh_size == 48 && am.code == KERN_SUCCESS && am.type == TIME_RELATIVE, kr);
  mach_timespec_t stamp = {5, 6};
  kr = clock_alarm_reply(alarms, MACH_MSG_TYPE_MAKE_SEND_ONCE, KERN_INVALID_VALUE, TIME_ABSOLUTE, stamp);
  if (kr == KERN_SUCCESS) kr = mach_msg(&am.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof am, alarms, 5000, MACH_PORT_NULL);
  check("clock_alarm_reply's stub sends the same layout with the disposition given",
        kr == KERN_SUCCESS && am.h.msgh_bits == 0x1200 && am.h.msgh_id == 3125107 && am.h.msgh_size == 48 && am.code == KERN_INVALID_VALUE &&
            am.type == TIME_ABSOLUTE && am.t.tv_sec == 5 && am.t.tv_nsec == 6,
        kr);
  mach_port_mod_refs(self, alarms, MACH_PORT_RIGHT_RECEIVE, -1);
  mach_port_deallocate(self, sysclock);

  /* Mach timers (traps 91-94): an armed deadline sends one mk_timer_expire_msg_t to the timer's own port. */
  mach_port_name_t timer = mk_timer_create();
  check("mk_timer_create gives a receive right", timer != MACH_PORT_NULL, KERN_FAILURE);
  struct {
    mk_timer_expire_msg_t m;
    mach_msg_trailer_t tr;
  } tm;
  kr = mk_timer_arm(timer, mach_absolute_time() + 2000000);
  if (kr == KERN_SUCCESS) kr = mach_msg(&tm.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof tm, timer, 5000, MACH_PORT_NULL);
  check("an armed timer's expiry arrives (id 0, 48 bytes, on the timer's port)",
        kr == KERN_SUCCESS && tm.m.header.msgh_id == 0 && tm.m.header.msgh_size == 48 && tm.m.header.msgh_local_port == timer && tm.m.unused[0] == 0, kr);
  uint64_t deadline = mach_absolute_time() + 60ull * 1000000000ull, armed = 1;
  mk_timer_arm(timer, deadline);
  kr = mk_timer_cancel(timer, &armed);
  check("mk_timer_cancel gives the deadline it was armed for", kr == KERN_SUCCESS && armed == deadline, kr);
  kr = mk_timer_cancel(timer, &armed);
  check("a timer not armed cancels to 0", kr == KERN_SUCCESS && armed == 0, kr);
  mk_timer_arm(timer, deadline);
  kr = mk_timer_cancel(timer, (uint64_t *)8);
  check("a bad result_time is KERN_FAILURE (the copyout), the timer cancelled", kr == KERN_FAILURE && mk_timer_cancel(timer, &armed) == KERN_SUCCESS && armed == 0, kr);
  kr = mk_timer_arm(self, 0);
  check("mk_timer_arm on a send right is KERN_INVALID_RIGHT", kr == KERN_INVALID_RIGHT, kr);
  kr = mk_timer_destroy(timer);
  check("mk_timer_destroy", kr == KERN_SUCCESS, kr);
  kr = mk_timer_destroy(timer);
  check("a destroyed timer's name is gone (KERN_INVALID_NAME)", kr == KERN_INVALID_NAME, kr);

  /* clock_sleep (trap 62) on the system clock: relative 2 ms, a refused type, the calendar clock. */
  mach_timespec_t snooze = {0, 2000000}, woke = {0, 0};
  kr = clock_sleep(MACH_PORT_NULL, TIME_RELATIVE, snooze, &woke);
  check("clock_sleep sleeps on the system clock and answers its time", kr == KERN_SUCCESS && (woke.tv_sec > 0 || woke.tv_nsec >= 2000000), kr);
  mach_timespec_t odd = {3, 4};
  kr = clock_sleep(MACH_PORT_NULL, 2, odd, &woke);
  check("clock_sleep with a bad type is KERN_INVALID_VALUE, the time copied out as given", kr == KERN_INVALID_VALUE && woke.tv_sec == 3 && woke.tv_nsec == 4, kr);
  clock_serv_t calendar;
  kr = host_get_clock_service(mach_host_self(), CALENDAR_CLOCK, &calendar);
  if (kr == KERN_SUCCESS) kr = clock_sleep(calendar, TIME_RELATIVE, snooze, &woke);
  check("the calendar clock cannot be slept on (KERN_FAILURE)", kr == KERN_FAILURE, kr);
  mach_port_deallocate(self, calendar);

  /* MACH_RCV_LARGE with rcv_size 0: the size needed (and, with the identity, the port) land in the header anyway. */
  mach_port_t peek;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &peek);
  mach_msg_header_t ph = {0};
  ph.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  ph.msgh_size = sizeof ph;
  ph.msgh_remote_port = peek;
  ph.msgh_id = 4242;
  (void)mach_msg(&ph, MACH_SEND_MSG, sizeof ph, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  mach_msg_header_t got = {0};
  kr = mach_msg(&got, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY | MACH_RCV_TIMEOUT, 0, 0, peek, 0, MACH_PORT_NULL);
  check("MACH_RCV_LARGE with rcv_size 0: MACH_RCV_TOO_LARGE, msgh_size the size, msgh_local_port the port",
        kr == MACH_RCV_TOO_LARGE && got.msgh_size == sizeof ph && got.msgh_local_port == peek && got.msgh_id == 0, kr);
  struct {
    mach_msg_header_t h;
    mach_msg_trailer_t t;
  } whole;
  kr = mach_msg(&whole.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof whole, peek, 0, MACH_PORT_NULL);
  check("and the message stayed queued", kr == MACH_MSG_SUCCESS && whole.h.msgh_id == 4242, kr);
  /* Without MACH_RCV_LARGE a header's room is too small for a bare header and its trailer: the message goes,
     and msg_receive_error's header and trailer are copied out past rcv_size, as XNU's ipc_kmsg_put does. */
  (void)mach_msg(&ph, MACH_SEND_MSG, sizeof ph, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
  memset(&whole, 0xa5, sizeof whole);
  kr = mach_msg(&whole.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof whole.h, peek, 0, MACH_PORT_NULL);
  check("a bare header into rcv_size 24: MACH_RCV_TOO_LARGE, the header and the 8-byte trailer written",
        kr == MACH_RCV_TOO_LARGE && whole.h.msgh_id == 4242 && whole.h.msgh_size == sizeof ph && whole.h.msgh_local_port == peek && whole.t.msgh_trailer_size == 8 &&
            whole.t.msgh_trailer_type == MACH_MSG_TRAILER_FORMAT_0,
        kr);
  kr = mach_msg(&whole.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof whole, peek, 0, MACH_PORT_NULL);
  check("and that message is gone", kr == MACH_RCV_TIMED_OUT, kr);
  mach_port_mod_refs(self, peek, MACH_PORT_RIGHT_RECEIVE, -1);

  char *cpu, *sub;
  slot_name(CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_H, &cpu, &sub);
  check("slot_name", strcmp(cpu, "x86_64h") == 0 && strcmp(sub, "Intel x86-64h Haswell") == 0, KERN_FAILURE);
  check("mach_error_string", strcmp(mach_error_string(KERN_NO_ACCESS), "(os/kern) no access") == 0, KERN_FAILURE);
  mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
  return failures ? 1 : 0;
}
