/*
 * Out-of-line memory between two C threads (each its own connection) by file
 * descriptor: a region at or above the threshold travels as a sealed memfd
 * and is mapped copy-on-write in the receiver. The data arrive intact, the
 * receiver's writes stay its own, vm_deallocate frees the mapping, a region
 * sent back (as MPMM's server does) comes back, and small regions still go
 * inline. Prints "ok <check>" per check, or "FAIL <check>: ..." and exits 1.
 * "ool_fd send NAME K": send K 64 KiB regions (byte i is i*7+3) to the service NAME.
 * "ool_fd hold K": queue K (at most the queue limit, 5) 64 KiB regions on a port of its own, print
 * "ready", and wait to be killed.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <servers/bootstrap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

struct ool_msg {
  mach_msg_header_t h;
  mach_msg_body_t b;
  mach_msg_ool_descriptor_t d;
  mach_msg_max_trailer_t trailer;
};

static mach_port_t port;
static unsigned char *sent;
enum { BIG = 64 * 1024, SMALL = 4096 };

/* To a receive right of our own (MAKE_SEND), or to a send right (COPY_SEND). */
static mach_msg_type_name_t dest_disposition = MACH_MSG_TYPE_MAKE_SEND;

static mach_msg_return_t send_region(mach_port_t to, void *address, mach_msg_size_t size, int dealloc) {
  struct ool_msg m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(dest_disposition, 0);
  m.h.msgh_size = sizeof m - sizeof m.trailer;
  m.h.msgh_remote_port = to;
  m.h.msgh_id = 78;
  m.b.msgh_descriptor_count = 1;
  m.d.address = address;
  m.d.size = size;
  m.d.deallocate = dealloc;
  m.d.copy = MACH_MSG_VIRTUAL_COPY;
  m.d.type = MACH_MSG_OOL_DESCRIPTOR;
  return mach_msg(&m.h, MACH_SEND_MSG, m.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

/* Whether [p, p+1) lies in a mapping of a machipc memfd (/proc/self/maps names it "memfd:machipc-ool"). */
static int memfd_mapped(const void *p) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  uintptr_t a = (uintptr_t)p;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi) {
      found = strstr(line, "memfd:machipc-ool") != NULL ? 1 : -1;
      break;
    }
  }
  if (f) fclose(f);
  return found;
}

static void *sender(void *arg) {
  (void)arg;
  mach_msg_return_t mr = send_region(port, sent, BIG, 0);
  check("a first 64 KiB region is sent", mr == MACH_MSG_SUCCESS, mr);
  mr = send_region(port, sent, BIG, 0);
  check("a 64 KiB region is sent", mr == MACH_MSG_SUCCESS, mr);
  /* The sender changes its memory after the send: the receiver must see the snapshot. */
  memset(sent, 0xEE, 16);
  void *copy = malloc(SMALL);
  memset(copy, 0x5A, SMALL);
  mr = send_region(port, copy, SMALL, 0);
  check("a 4 KiB region is sent", mr == MACH_MSG_SUCCESS, mr);
  free(copy);
  return NULL;
}

static mach_msg_return_t receive(struct ool_msg *m) {
  memset(m, 0, sizeof *m);
  return mach_msg(&m->h, MACH_RCV_MSG, 0, sizeof *m, port, 0, MACH_PORT_NULL);
}

/* The test's modes: regions to another task's service, or left queued on our own port. */
static int modes(int argc, char **argv) {
  mach_port_t self = mach_task_self(), to = MACH_PORT_NULL;
  sent = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < BIG; i++) sent[i] = (unsigned char)(i * 7 + 3);
  int send = argc == 4 && strcmp(argv[1], "send") == 0;
  kern_return_t kr = send ? bootstrap_look_up(bootstrap_port, argv[2], &to) : mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &to);
  check(send ? "bootstrap_look_up" : "mach_port_allocate", kr == KERN_SUCCESS, kr);
  if (send) dest_disposition = MACH_MSG_TYPE_COPY_SEND;
  long k = atol(argv[argc - 1]);
  for (long i = 0; i < k; i++) {
    mach_msg_return_t mr = send_region(to, sent, BIG, 0);
    if (mr != MACH_MSG_SUCCESS) check("a region is sent", 0, mr);
  }
  check("the regions are sent", failures == 0, 0);
  if (send) return failures ? 1 : 0;
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2) return modes(argc, argv);
  mach_port_t self = mach_task_self();
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  check("mach_port_allocate", kr == KERN_SUCCESS, kr);
  sent = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < BIG; i++) sent[i] = (unsigned char)(i * 7 + 3);
  pthread_t t;
  pthread_create(&t, NULL, sender, NULL);
  pthread_join(t, NULL);

  struct ool_msg m;
  /* A thread gets regions by descriptor once its connection has a side channel: it attaches one
     after the first large region that comes to it inline (or at its first large send). */
  mach_msg_return_t mr = receive(&m);
  check("the first region to a thread without a side channel comes inline", mr == MACH_MSG_SUCCESS && m.d.address && memfd_mapped(m.d.address) == -1 && ((unsigned char *)m.d.address)[5] == (unsigned char)(5 * 7 + 3), mr);
  vm_deallocate(self, (vm_address_t)m.d.address, BIG);
  mr = receive(&m);
  check("the 64 KiB message is received", mr == MACH_MSG_SUCCESS && m.d.size == BIG && m.d.address != NULL, mr);
  unsigned char *got = m.d.address;
  int intact = got != NULL;
  for (int i = 0; intact && i < BIG; i++) intact = got[i] == (unsigned char)(i * 7 + 3);
  check("its data are the sender's at the send, intact", intact, mr);
  check("it came as a memfd mapping", got && memfd_mapped(got) == 1, mr);
  check("it is page-aligned", ((uintptr_t)got & (vm_page_size - 1)) == 0, mr);
  if (got) got[0] = 0x11, got[BIG - 1] = 0x22;
  check("the receiver writes its own copy; the sender's memory is unchanged", got && got[0] == 0x11 && sent[0] == 0xEE && sent[BIG - 1] == (unsigned char)((BIG - 1) * 7 + 3), mr);

  /* Sent on (deallocate, as MPMM's server answers): the region leaves this task and comes back. */
  mr = send_region(port, got, BIG, 1);
  check("the received region is sent on with deallocate", mr == MACH_MSG_SUCCESS, mr);
  check("deallocate unmapped it from the sender", got && memfd_mapped(got) == 0, mr);
  struct ool_msg m3;
  mr = receive(&m3);
  /* The first receive is the 4 KiB one, queued before. */
  check("the 4 KiB message is received", mr == MACH_MSG_SUCCESS && m3.d.size == SMALL, mr);
  unsigned char *small = m3.d.address;
  int ok = small != NULL;
  for (int i = 0; ok && i < SMALL; i++) ok = small[i] == 0x5A;
  check("a region under the threshold comes inline, in anonymous memory", ok && memfd_mapped(small) == -1, mr);
  kr = vm_deallocate(self, (vm_address_t)small, SMALL);
  check("vm_deallocate of the small region", kr == KERN_SUCCESS, kr);
  struct ool_msg m2;
  mr = receive(&m2);
  unsigned char *back = m2.d.address;
  check("the region sent on is received again", mr == MACH_MSG_SUCCESS && m2.d.size == BIG && back != NULL, mr);
  check("with the first receiver's writes in it", back && back[0] == 0x11 && back[BIG - 1] == 0x22 && back[1] == (unsigned char)(1 * 7 + 3), mr);
  kr = vm_deallocate(self, (vm_address_t)back, BIG);
  check("vm_deallocate of the received region", kr == KERN_SUCCESS && memfd_mapped(back) != 1, kr);
  kr = mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
  check("the port is destroyed", kr == KERN_SUCCESS, kr);
  return failures ? 1 : 0;
}
