/*
 * Out-of-line regions by file descriptor: a region of OOL_FD_MIN bytes or more
 * goes to the server as a sealed memfd passed with SCM_RIGHTS on a side
 * channel (a second connection of this thread's, which only the server's
 * native helpers read), and the MACH_MSG frame names it with no bytes inline.
 * A received region the server passes the same way is mapped copy-on-write,
 * as Mach's virtual copy gives the receiver a private copy. docs/server.md's
 * wire section describes the side channel and how it is authenticated.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* This thread's side channel: -1 not tried yet, -2 refused or not available (never tried again). */
static __thread int t_chan = -1;
/* The threshold, read once from MACHIPC_OOL_FD_MIN (0 turns the path off). */
static size_t g_min;
static pthread_once_t g_min_once = PTHREAD_ONCE_INIT;

/*
 * 16 KiB by measurement (docs/server.md): below it a memfd's create, write,
 * seal, pass, check and map cost more than sending the bytes through the socket.
 */
enum { OOL_FD_MIN_DEFAULT = 16384 };

static void read_min(void) {
  const char *e = getenv("MACHIPC_OOL_FD_MIN");
  g_min = OOL_FD_MIN_DEFAULT;
  if (e && *e) {
    char *end;
    unsigned long v = strtoul(e, &end, 10);
    if (*end == 0) g_min = v;
  }
}

size_t machipc_ool_fd_min(void) {
  pthread_once(&g_min_once, read_min);
  return g_min;
}

void machipc_ool_forked(void) {
  t_chan = -1;
  machipc_ool_kept_forked();
}

/*
 * Attach the side channel: OOL_CHANNEL on this thread's connection answers a
 * one-use nonce; a new connection presents it in OOL_ATTACH as its first frame
 * and the server (which checks that both connections are this process's, by
 * SO_PEERCRED) answers on it. Nothing else is sent on it until then.
 */
static int attach(void) {
  uint32_t len = 0;
  if (machipc_send_frame(machipc_thread_fd(), OP_OOL_CHANNEL, machipc_next_seq(), NULL, 0) < 0) return -1;
  unsigned char *r = machipc_recv_result(machipc_thread_fd(), &len);
  if (!r) return -1;
  unsigned char nonce[OOL_NONCE_BYTES];
  uint64_t at = 16 + (((uint64_t)get32(r + 4) + 3) & ~(uint64_t)3);
  int ok = len >= 16 && get32(r) == 0 && get32(r + 12) == OOL_NONCE_BYTES && at + OOL_NONCE_BYTES <= len;
  if (ok) memcpy(nonce, r + at, OOL_NONCE_BYTES);
  free(r);
  if (!ok) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t pl = strnlen(machipc_server_path, sizeof machipc_server_path);
  if (pl == 0 || pl >= sizeof addr.sun_path) goto fail;
  memcpy(addr.sun_path, machipc_server_path, pl);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto fail;
  struct part p[1] = {{nonce, OOL_NONCE_BYTES}};
  if (machipc_send_frame(fd, OP_OOL_ATTACH, 0, p, 1) < 0) goto fail;
  /* Attached: a bare 4-byte KERN_SUCCESS (a refusal is a RESULT frame, whose first word is its length). */
  unsigned char res[4];
  ssize_t k;
  do k = recv(fd, res, sizeof res, MSG_WAITALL);
  while (k < 0 && errno == EINTR);
  if (k != (ssize_t)sizeof res || get32(res) != KERN_SUCCESS) goto fail;
  machipc_track_fd(fd);
  return fd;
fail:
  close(fd);
  return -1;
}

int machipc_ool_channel(void) {
  if (t_chan == -1) {
    int fd = machipc_ool_fd_min() > 0 ? attach() : -1;
    t_chan = fd >= 0 ? fd : -2;
  }
  return t_chan >= 0 ? t_chan : -1;
}

void machipc_ool_thread_exit(void) {
  if (t_chan >= 0) {
    machipc_untrack_fd(t_chan);
    close(t_chan);
  }
  t_chan = -1;
}

int machipc_ool_memfd(const void *data, size_t n) {
  int fd = memfd_create("machipc-ool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  const unsigned char *p = data;
  size_t off = 0;
  while (off < n) {
    ssize_t w = pwrite(fd, p + off, n - off, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    /* The copy itself finds memory that cannot be read (no probe first: the write faults as the probe would). */
    if (w < 0 && errno == EFAULT) {
      close(fd);
      return -2;
    }
    if (w <= 0) goto fail;
    off += (size_t)w;
  }
  /* Sealed, so what the receiver maps is a snapshot nobody can change or truncate (a truncated mapping faults). */
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) goto fail;
  return fd;
fail:
  close(fd);
  return -1;
}

int machipc_ool_send_fds(int chan, uint32_t seq, const int *fds, int n) {
  unsigned char tag[4];
  put32(tag, seq);
  struct iovec iov = {tag, sizeof tag};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * OOL_FDS_MAX)];
  } ctl;
  if (n < 1 || n > OOL_FDS_MAX) return -1;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
  for (;;) {
    ssize_t k = sendmsg(chan, &mh, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    return k == (ssize_t)sizeof tag ? 0 : -1;
  }
}

int machipc_ool_recv_fds(int chan, uint32_t seq, int *fds, int n) {
  unsigned char tag[4];
  struct iovec iov = {tag, sizeof tag};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * OOL_FDS_MAX)];
  } ctl;
  for (int i = 0; i < n; i++) fds[i] = -1;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  /* The server passed them before it wrote the RESULT that names them: they are queued already. */
  ssize_t k;
  do k = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (k < 0 && errno == EINTR);
  if (k != (ssize_t)sizeof tag) return -1;
  int got = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int m = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < m; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof fd);
      if (got < n) fds[got] = fd;
      else close(fd);
      got++;
    }
  }
  if (got != n || get32(tag) != seq || (mh.msg_flags & MSG_CTRUNC)) {
    for (int i = 0; i < n; i++)
      if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
    return -1;
  }
  return 0;
}

void *machipc_ool_map_fd(uint64_t hint, int fd, size_t n) {
  size_t page = (size_t)vm_page_size;
  size_t len = (n + page - 1) & ~(page - 1);
  if (len == 0) len = page;
  /*
   * Private and writable: the receiver's writes go to its own pages, never to
   * the sender's. Not populated: a receiver that reads a part pays for that part.
   */
  void *p = mmap((void *)(uintptr_t)(hint & ~(uint64_t)(page - 1)), len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  return p == MAP_FAILED ? NULL : p;
}
