/*
 * A hostile client of the OOL-by-descriptor path, written against
 * libmachipc's private wire helpers (native/src/internal.h): MACH_MSG frames
 * naming a region by descriptor whose descriptor is no memfd, is unsealed,
 * is smaller than declared, is missing, comes with a surplus one or tagged
 * for another frame. Each is refused with MACH_SEND_INVALID_MEMORY, as XNU
 * refuses an unreadable region, nothing is queued, and the connection goes
 * on; an honest send works after them. Then the side channel: a nonce used
 * by another process (a fork's child) is refused, and used up.
 * Prints "ok <check>" per check, or "FAIL <check>: ..." and exits 1.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* libmachipc's private interface (internal.h), declared here as a hostile program would. */
struct part {
  const void *p;
  size_t n;
};
int machipc_connect_thread(void);
int machipc_thread_fd(void);
uint32_t machipc_next_seq(void);
int machipc_send_frame(int fd, uint32_t op, uint32_t seq, const struct part *parts, int nparts);
unsigned char *machipc_recv_result(int fd, uint32_t *len);
int machipc_ool_channel(void);
int machipc_ool_send_fds(int chan, uint32_t seq, const int *fds, int n);
int machipc_ool_memfd(const void *data, size_t n);
extern char machipc_server_path[108];
enum { OP_MACH_MSG = 4, OP_OOL_CHANNEL = 11, OP_OOL_ATTACH = 12, BY_FD = (int)0x80000000u, BIG = 65536 };

#include "check.h"

static unsigned char region[BIG];

struct ool_msg {
  mach_msg_header_t h;
  mach_msg_body_t b;
  mach_msg_ool_descriptor_t d;
};

/*
 * One MACH_MSG send of a 64 KiB region at `region` to `port`, its OOL_REGION header declaring
 * `declared` bytes by descriptor; `fds` (n of them, tagged `tag`, or the frame's seq when tag is 0) go first.
 */
static mach_msg_return_t send_by_fd(mach_port_t port, uint32_t declared, const int *fds, int n, uint32_t tag) {
  struct ool_msg m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.h.msgh_size = sizeof m;
  m.h.msgh_remote_port = port;
  m.h.msgh_id = 79;
  m.b.msgh_descriptor_count = 1;
  m.d.address = region;
  m.d.size = BIG;
  m.d.copy = MACH_MSG_VIRTUAL_COPY;
  m.d.type = MACH_MSG_OOL_DESCRIPTOR;
  unsigned char args[24] = {0}, head[12];
  uint32_t v = MACH_SEND_MSG;
  memcpy(args, &v, 4);
  v = sizeof m;
  memcpy(args + 4, &v, 4);
  v = 1;
  memcpy(args + 20, &v, 4);
  uint64_t a = (uint64_t)(uintptr_t)region;
  memcpy(head, &a, 8);
  v = declared | (uint32_t)BY_FD;
  memcpy(head + 8, &v, 4);
  struct part parts[3] = {{args, 24}, {head, 12}, {&m, sizeof m}};
  uint32_t seq = machipc_next_seq();
  if (n > 0 && machipc_ool_send_fds(machipc_ool_channel(), tag ? tag : seq, fds, n) != 0) return KERN_FAILURE;
  if (machipc_send_frame(machipc_thread_fd(), OP_MACH_MSG, seq, parts, 3) != 0) return KERN_FAILURE;
  uint32_t len;
  unsigned char *r = machipc_recv_result(machipc_thread_fd(), &len);
  if (!r) return KERN_FAILURE;
  mach_msg_return_t mr;
  memcpy(&mr, r, 4);
  free(r);
  return mr;
}

static int queue_empty(mach_port_t port) {
  struct {
    struct ool_msg m;
    mach_msg_max_trailer_t t;
  } b;
  return mach_msg(&b.m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof b, port, 0, MACH_PORT_NULL) == MACH_RCV_TIMED_OUT;
}

static void refused(const char *what, mach_port_t port, mach_msg_return_t mr) {
  char line[160];
  snprintf(line, sizeof line, "%s: MACH_SEND_INVALID_MEMORY, nothing queued", what);
  check(line, mr == MACH_SEND_INVALID_MEMORY && queue_empty(port), mr);
}

static int memfd_of(size_t n, int seals) {
  int fd = memfd_create("bad", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0 || pwrite(fd, region, n, 0) != (ssize_t)n) return -1;
  if (seals && fcntl(fd, F_ADD_SEALS, seals) != 0) return -1;
  return fd;
}

/* OOL_CHANNEL on this thread's connection: the nonce (16 bytes) into `nonce`; 0 on success. */
static int get_nonce(unsigned char *nonce) {
  if (machipc_send_frame(machipc_thread_fd(), OP_OOL_CHANNEL, machipc_next_seq(), NULL, 0) != 0) return -1;
  uint32_t len;
  unsigned char *r = machipc_recv_result(machipc_thread_fd(), &len);
  if (!r) return -1;
  uint32_t kr, ext;
  memcpy(&kr, r, 4);
  memcpy(&ext, r + 12, 4);
  int ok = kr == 0 && ext == 16 && len >= 32;
  if (ok) memcpy(nonce, r + 16, 16);
  free(r);
  return ok ? 0 : -1;
}

/* A raw OOL_ATTACH with `nonce` on a new connection: 0 attached, else the refusal's kern_return_t (-1: no answer). */
static int raw_attach(const unsigned char *nonce) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  memcpy(addr.sun_path, machipc_server_path, strnlen(machipc_server_path, sizeof addr.sun_path - 1));
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return -1;
  struct part p[1] = {{nonce, 16}};
  if (machipc_send_frame(fd, OP_OOL_ATTACH, 0, p, 1) != 0) return -1;
  unsigned char res[32];
  ssize_t k = read(fd, res, 4);
  uint32_t first = 0;
  if (k == 4) memcpy(&first, res, 4);
  int out = -1;
  if (k == 4 && first == 0) out = 0;
  else if (k == 4 && first == 32 && read(fd, res + 4, 28) == 28) memcpy(&out, res + 16, 4);
  close(fd);
  return out;
}

/* A nonce is good for the process it was given to, once; a connection gets one side channel. */
static void *nonce_checks(void *arg) {
  (void)arg;
  unsigned char nonce[16];
  check("OOL_CHANNEL gives a nonce", machipc_connect_thread() == 0 && get_nonce(nonce) == 0, 0);
  pid_t child = fork();
  if (child == 0) _exit(raw_attach(nonce) == KERN_INVALID_ARGUMENT ? 0 : 1);
  int st = 0;
  waitpid(child, &st, 0);
  check("another process (a fork's child) presenting the nonce is refused", WIFEXITED(st) && WEXITSTATUS(st) == 0, 0);
  check("the nonce is used up: its own process is refused with it now", raw_attach(nonce) == KERN_INVALID_ARGUMENT, 0);
  unsigned char junk[16] = {1, 2, 3};
  check("a made-up nonce is refused", raw_attach(junk) == KERN_INVALID_ARGUMENT, 0);
  check("the thread attaches a side channel with a nonce of its own", machipc_ool_channel() >= 0, 0);
  check("a connection with a side channel gets no second one", get_nonce(nonce) != 0, 0);
  return NULL;
}

int main(void) {
  mach_port_t self = mach_task_self(), port;
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  check("mach_port_allocate", kr == KERN_SUCCESS, kr);
  memset(region, 0x42, sizeof region);
  check("the side channel attaches", machipc_ool_channel() >= 0, 0);

  int p[2];
  if (pipe(p) != 0) return 2;
  refused("a pipe for a memfd", port, send_by_fd(port, BIG, &p[0], 1, 0));
  close(p[0]);
  close(p[1]);
  char tmpl[] = "/tmp/machipc-ool-bad-XXXXXX";
  int file = mkstemp(tmpl);
  unlink(tmpl);
  if (file < 0 || pwrite(file, region, BIG, 0) != BIG) return 2;
  refused("a regular file for a memfd", port, send_by_fd(port, BIG, &file, 1, 0));
  close(file);
  int fd = memfd_of(BIG, 0);
  refused("an unsealed memfd", port, send_by_fd(port, BIG, &fd, 1, 0));
  close(fd);
  fd = memfd_of(BIG, F_SEAL_WRITE);
  refused("a memfd sealed against writes only (it could be truncated)", port, send_by_fd(port, BIG, &fd, 1, 0));
  close(fd);
  fd = memfd_of(4096, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  refused("a sealed memfd smaller than declared", port, send_by_fd(port, BIG, &fd, 1, 0));
  close(fd);
  refused("a region by descriptor with no descriptor passed", port, send_by_fd(port, BIG, NULL, 0, 0));
  int two[2] = {memfd_of(BIG, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), memfd_of(BIG, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)};
  refused("two descriptors for one region", port, send_by_fd(port, BIG, two, 2, 0));
  fd = memfd_of(BIG, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  refused("a descriptor tagged for another frame", port, send_by_fd(port, BIG, &fd, 1, 12345));
  close(two[0]);
  close(two[1]);
  close(fd);

  /* After all that, the connection and its side channel work: an honest region by descriptor. */
  int good = machipc_ool_memfd(region, BIG);
  mach_msg_return_t mr = send_by_fd(port, BIG, &good, 1, 0);
  close(good);
  struct {
    struct ool_msg m;
    mach_msg_max_trailer_t t;
  } b;
  memset(&b, 0, sizeof b);
  mach_msg_return_t rr = mach_msg(&b.m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof b, port, 1000, MACH_PORT_NULL);
  unsigned char *got = b.m.d.address;
  check("an honest region by descriptor goes through after them", mr == MACH_MSG_SUCCESS && rr == MACH_MSG_SUCCESS && got && got[0] == 0x42 && got[BIG - 1] == 0x42, mr ? mr : rr);
  if (got) vm_deallocate(self, (vm_address_t)got, BIG);

  /* The side channel, on a thread of its own (a connection without one yet). */
  pthread_t t;
  pthread_create(&t, NULL, nonce_checks, NULL);
  pthread_join(t, NULL);
  kr = mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
  check("the port is destroyed", kr == KERN_SUCCESS, kr);
  return failures ? 1 : 0;
}
