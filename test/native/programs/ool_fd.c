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
 * "ool_fd kept": a received region handed on unchanged goes on as the memfd it came in
 * (native/src/ool_kept.c), and only then: one written, mapped over or made unreadable since it
 * came goes as before (a copy, or not at all); the descriptors kept are bounded and closed.
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
#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "memfd_maps.h"

struct ool_msg {
  mach_msg_header_t h;
  mach_msg_body_t b;
  mach_msg_ool_descriptor_t d;
  mach_msg_max_trailer_t trailer;
};

static mach_port_t port;
static unsigned char *sent;
enum { BIG = 64 * 1024, SMALL = 4096, MANY = 80 };

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

static int memfd_mapped(const void *p) { return memfd_mapped_ino(p, NULL); }

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

/* A 64 KiB region to our own port. */
static mach_msg_return_t send_kept(void *address, int dealloc) { return send_region(port, address, BIG, dealloc); }

/* Receive one region: its address (NULL on failure). */
static unsigned char *receive_big(void) {
  struct ool_msg m;
  mach_msg_return_t mr = receive(&m);
  return mr == MACH_MSG_SUCCESS && m.d.size == BIG ? m.d.address : NULL;
}

/* The inode of the machipc memfd mapped at p, 0 when p is not in one. */
static unsigned long memfd_inode(const void *p) {
  unsigned long ino = 0;
  return memfd_mapped_ino(p, &ino) == 1 ? ino : 0;
}

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

static int patterned(const unsigned char *p, unsigned char seed) {
  for (int i = 0; p && i < BIG; i++)
    if (p[i] != (unsigned char)(i * 5 + seed)) return 0;
  return p != NULL;
}

static int kept(void) {
  mach_port_t self = mach_task_self();
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  check("mach_port_allocate", kr == KERN_SUCCESS, kr);
  unsigned char *orig = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < BIG; i++) orig[i] = (unsigned char)(i * 5 + 1);
  /* The first large send attaches this thread's side channel: what it receives from then on comes by descriptor. */
  mach_msg_return_t mr = send_kept(orig, 0);
  check("a region is sent", mr == MACH_MSG_SUCCESS, mr);
  unsigned char *a = receive_big();
  check("it is received as a memfd mapping, intact", patterned(a, 1) && memfd_inode(a) != 0, 0);
  unsigned long ino = memfd_inode(a);

  mr = send_kept(a, 1);
  unsigned char *b = receive_big();
  check("sent on unchanged with deallocate: it leaves the sender", mr == MACH_MSG_SUCCESS && memfd_inode(a) == 0, mr);
  check("and comes as the same memfd, intact", patterned(b, 1) && memfd_inode(b) == ino, 0);

  mr = send_kept(b, 0);
  b[0] = 0x77;
  unsigned char *c = receive_big();
  check("sent on unchanged without deallocate: the same memfd again", mr == MACH_MSG_SUCCESS && c && memfd_inode(c) == ino, mr);
  check("the sender's write after the send is not in what was received", patterned(c, 1), 0);
  c[1] = 0x66;
  check("the sender keeps its write, the receiver's write stays the receiver's", b[0] == 0x77 && b[1] == (unsigned char)(1 * 5 + 1) && c[1] == 0x66, 0);

  mr = send_kept(b, 1);
  unsigned char *d = receive_big();
  check("a region written since it came is copied into a new memfd", mr == MACH_MSG_SUCCESS && d && memfd_inode(d) != 0 && memfd_inode(d) != ino, mr);
  check("with the write in it", d && d[0] == 0x77 && d[2] == (unsigned char)(2 * 5 + 1), 0);
  vm_deallocate(self, (vm_address_t)c, BIG);
  vm_deallocate(self, (vm_address_t)d, BIG);

  /* Mapped over by other means than vm_deallocate: the memfd kept for the address no longer shows there. */
  send_kept(orig, 0);
  unsigned char *e = receive_big();
  /* By a file mapping never written (its pages the file's, as the kept memfd's would be): only who the file is tells them apart. */
  int other = memfd_create("other", MFD_CLOEXEC);
  static unsigned char fill[BIG];
  memset(fill, 0x33, BIG);
  int wrote = other >= 0 && pwrite(other, fill, BIG, 0) == BIG;
  void *over = e && wrote ? mmap(e, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, other, 0) : MAP_FAILED;
  if (other >= 0) close(other);
  volatile unsigned char sum = 0;
  for (int i = 0; over != MAP_FAILED && i < BIG; i += 4096) sum += ((unsigned char *)over)[i];
  mr = send_kept(e, 1);
  unsigned char *f = receive_big();
  int all33 = f != NULL;
  for (int i = 0; all33 && i < BIG; i++) all33 = f[i] == 0x33;
  check("a region mapped over is sent as what is there now", over == e && mr == MACH_MSG_SUCCESS && all33 && memfd_inode(f) != ino, mr);
  vm_deallocate(self, (vm_address_t)f, BIG);

  /* A page made unreadable: the region cannot be read, as vm_map_copyin finds. */
  send_kept(orig, 0);
  unsigned char *g = receive_big();
  int prot = g ? mprotect(g + 4096, 4096, PROT_NONE) : -1;
  mr = send_kept(g, 0);
  check("a region with a page made unreadable is MACH_SEND_INVALID_MEMORY", prot == 0 && mr == MACH_SEND_INVALID_MEMORY, mr);
  vm_deallocate(self, (vm_address_t)g, BIG);

  /* Many regions kept at once: the descriptors kept are bounded, and all go with their regions. */
  int before = open_fds();
  unsigned char *held[MANY];
  int intact = 1;
  for (int i = 0; i < MANY; i++) {
    send_kept(orig, 0);
    held[i] = receive_big();
    intact = intact && patterned(held[i], 1);
  }
  int during = open_fds();
  check("many regions received intact", intact, 0);
  check("the descriptors kept for them are bounded (64)", during - before <= 64 && during > before, (kern_return_t)(during - before));
  int resent = 1;
  for (int i = 0; i < MANY; i++) {
    resent = resent && send_kept(held[i], 1) == MACH_MSG_SUCCESS;
    unsigned char *back = receive_big();
    resent = resent && patterned(back, 1);
    vm_deallocate(self, (vm_address_t)back, BIG);
  }
  check("each sent on (kept or not) arrives intact", resent, 0);
  check("and every descriptor is closed once its region is gone", open_fds() == before, (kern_return_t)(open_fds() - before));
  kr = mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
  check("the port is destroyed", kr == KERN_SUCCESS, kr);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2) return modes(argc, argv);
  if (argc == 2 && strcmp(argv[1], "kept") == 0) return kept();
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
