/*
 * mach_msg over the wire: the message bytes go to the server as they are,
 * with the out-of-line regions they point to sent along; received regions
 * land in fresh pages whose addresses are patched into the descriptors. Sent
 * regions marked deallocate leave the sender once the message is sent, as
 * vm_map_copyin with src_destroy takes them.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * Whether [p, p+n) can be read, asked of the kernel rather than found out
 * by writev: a region writev cannot read fails the frame part-way, after its
 * first bytes are on the wire, and the connection is lost. One byte of each
 * page is read through process_vm_readv on this process (one system call per
 * 256 pages, nothing copied but those bytes); where that call is refused
 * (a seccomp filter), each page is written to a pipe, which fails the same way.
 */
enum { PROBE_BATCH = 256 };
static pthread_mutex_t probe_pipe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probe_pipe[2] = {-1, -1};

/* 0 when a page of [start, end) faults; 1 otherwise (without a pipe nothing is known, and the send goes as before). */
static int readable_by_pipe(uintptr_t start, uintptr_t end, size_t page) {
  pthread_mutex_lock(&probe_pipe_lock);
  int ok = 1;
  if (probe_pipe[0] >= 0 || pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
    for (uintptr_t a = start; ok && a < end; a = (a | (page - 1)) + 1) {
      char c;
      ssize_t w = write(probe_pipe[1], (const void *)a, 1);
      if (w < 0 && errno == EFAULT) ok = 0;
      else if (w == 1) (void)!read(probe_pipe[0], &c, 1);
    }
  }
  pthread_mutex_unlock(&probe_pipe_lock);
  return ok;
}

static int readable(const void *p, size_t n) {
  uintptr_t start = (uintptr_t)p, end = start + n;
  if (n == 0) return 1;
  if (end < start) return 0;
  size_t page = (size_t)vm_page_size;
  static int no_vm_readv;
  while (start < end && !no_vm_readv) {
    struct iovec remote[PROBE_BATCH];
    char sink[PROBE_BATCH];
    int k = 0;
    for (uintptr_t a = start; a < end && k < PROBE_BATCH; a = (a | (page - 1)) + 1) remote[k++] = (struct iovec){(void *)a, 1};
    struct iovec local = {sink, (size_t)k};
    ssize_t got = process_vm_readv(getpid(), &local, 1, remote, (unsigned long)k, 0);
    if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
      no_vm_readv = 1;
      break;
    }
    if (got != k) return 0;
    start = ((uintptr_t)remote[k - 1].iov_base | (page - 1)) + 1;
  }
  if (start >= end) return 1;
  return readable_by_pipe(start, end, page);
}

/* Walk a complex message's descriptors, calling fn for OOL and OOL-ports ones. */
static void walk_ool(unsigned char *msg, size_t size, void (*fn)(unsigned char *desc, void *ctx), void *ctx) {
  if (size < 28 || !(get32(msg) & MACH_MSGH_BITS_COMPLEX)) return;
  uint32_t count = get32(msg + 24);
  size_t off = 28;
  for (uint32_t i = 0; i < count && off + 12 <= size; i++) {
    unsigned type = msg[off + 11];
    if (type == 1 || type == 2 || type == 3) {
      if (off + 16 > size) return;
      fn(msg + off, ctx);
      off += 16;
    } else off += 12;
  }
}

/* The OOL regions a message sends along: a header and the data for each (sized by the caller). */
struct collect {
  struct part *parts;
  /* Per region: address (8), size (4, OOL_REGION_BY_FD set for one sent by descriptor), the descriptor's deallocate flag (1). */
  unsigned char (*heads)[16];
  unsigned char **padded;
  int n;
  int cap;
  /* Regions sent by descriptor (ool_fd.c): their memfds and region indexes, in order. */
  int fds[OOL_FDS_MAX];
  int fd_region[OOL_FDS_MAX];
  /* A kept memfd's slot (ool_kept.c) where the descriptor is lent, not the send's own (-1). */
  int fd_slot[OOL_FDS_MAX];
  int nfd;
};

/* Whether region `n` bytes long goes as a memfd: large enough, room in the frame's list, and a side channel. */
static int by_fd(struct collect *c, size_t n) {
  size_t min = machipc_ool_fd_min();
  return min > 0 && n >= min && c->nfd < OOL_FDS_MAX && machipc_ool_channel() >= 0;
}

static void collect_region(unsigned char *d, void *ctx) {
  struct collect *c = ctx;
  if (c->n >= c->cap) return;
  uint64_t addr = get64(d);
  uint32_t n = d[11] == 2 ? get32(d + 12) * 4 : get32(d + 12);
  if (!addr || !n) return;
  const void *p = (const void *)(uintptr_t)addr;
  /*
   * OOL memory (not port arrays) of the threshold's size goes by descriptor, no bytes in the frame:
   * the memfd it came in when the region is a received one handed on unchanged, else a new one.
   */
  int fd = -1, slot = -1;
  if (d[11] != 2 && n <= OOL_FD_MAX_BYTES && by_fd(c, n) && (fd = machipc_ool_reuse(p, n, &slot)) < 0) fd = machipc_ool_memfd(p, n);
  /* Memory that cannot be read is not sent: the kernel finds nothing mapped there
     and answers MACH_SEND_INVALID_MEMORY, as vm_map_copyin's failure does. */
  if (fd == -2 || (fd < 0 && !readable(p, n))) return;
  unsigned char *h = c->heads[c->n];
  put64(h, addr);
  put32(h + 8, n);
  h[12] = d[8];
  c->parts[2 * c->n] = (struct part){h, 12};
  c->parts[2 * c->n + 1] = (struct part){p, (n + 3) & ~3u};
  if (fd >= 0) {
    put32(h + 8, n | OOL_REGION_BY_FD);
    c->parts[2 * c->n + 1].n = 0;
    c->fds[c->nfd] = fd;
    c->fd_slot[c->nfd] = slot;
    c->fd_region[c->nfd++] = c->n;
  }
  c->n++;
}

/* The memfds could not be passed: their regions go inline after all. */
static void inline_again(struct collect *c) {
  for (int i = 0; i < c->nfd; i++) {
    int k = c->fd_region[i];
    uint32_t n = get32(c->heads[k] + 8) & ~OOL_REGION_BY_FD;
    put32(c->heads[k] + 8, n);
    c->parts[2 * k + 1].n = (n + 3) & ~3u;
  }
}

struct patch {
  const unsigned char *regions;
  uint32_t count;
  /* The descriptors of the regions the RESULT marks OOL_REGION_BY_FD, in order (-1 where none came, or once kept). */
  int *fds;
};

static void patch_region(unsigned char *d, void *ctx) {
  struct patch *p = ctx;
  uint64_t addr = get64(d);
  const unsigned char *r = p->regions;
  int k = 0;
  for (uint32_t i = 0; i < p->count; i++) {
    uint64_t a = get64(r);
    uint32_t n = get32(r + 8);
    int fd_carried = (n & OOL_REGION_BY_FD) != 0;
    n &= ~OOL_REGION_BY_FD;
    if (a == addr) {
      void *copy = fd_carried ? (k < OOL_FDS_MAX && p->fds[k] >= 0 ? machipc_ool_map_fd(a, p->fds[k], n) : NULL) : machipc_map_ool(a, r + 12, n);
      /* The memfd stays with its mapping, to go on as it is if the region is sent on unchanged. */
      if (fd_carried && copy) {
        machipc_ool_keep(copy, n, p->fds[k]);
        p->fds[k] = -1;
      }
      put64(d, (uint64_t)(uintptr_t)copy);
      return;
    }
    if (fd_carried) k++;
    r += 12 + (fd_carried ? 0 : ((n + 3) & ~3u));
  }
}

/*
 * How many of a RESULT's `count` regions came by descriptor; `*large` is set when one
 * came inline that could have come so (this thread has no side channel yet).
 */
static int fd_regions(const unsigned char *r, uint32_t count, const unsigned char *end, int *large) {
  int k = 0;
  size_t min = machipc_ool_fd_min();
  for (uint32_t i = 0; i < count && r + 12 <= end; i++) {
    uint32_t n = get32(r + 8);
    if (n & OOL_REGION_BY_FD) k++;
    else if (min > 0 && n >= min) *large = 1;
    r += 12 + ((n & OOL_REGION_BY_FD) ? 0 : ((n + 3) & ~3u));
  }
  return k;
}

mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                     mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify, mach_msg_header_t *rcv_msg,
                                     mach_msg_size_t rcv_limit) {
  (void)notify;
  (void)rcv_limit;
  if (machipc_connect_thread() < 0) return MACH_SEND_INVALID_DEST;
  struct collect c = {0};
  struct part small_parts[2 + 2 * 8];
  unsigned char small_heads[8][16];
  unsigned char *small_padded[8] = {0};
  struct part *parts = small_parts;
  int complex = (option & MACH_SEND_MSG) && send_size >= 28 && (get32((unsigned char *)msg) & MACH_MSGH_BITS_COMPLEX);
  if (complex) {
    /* Every descriptor is at least 12 bytes, which bounds how many regions there can be. */
    uint32_t count = get32((unsigned char *)msg + 24);
    uint32_t bound = (send_size - 28) / 12;
    c.cap = (int)(count < bound ? count : bound);
    if (c.cap <= 8) {
      c.heads = small_heads;
      c.padded = small_padded;
    } else {
      c.heads = malloc((size_t)c.cap * 16);
      c.padded = calloc((size_t)c.cap, sizeof *c.padded);
      parts = malloc(sizeof *parts * (2 + 2 * (size_t)c.cap));
      if (!c.heads || !c.padded || !parts) {
        free(c.heads);
        free(c.padded);
        free(parts);
        return MACH_SEND_NO_BUFFER;
      }
    }
    c.parts = parts + 1;
    walk_ool((unsigned char *)msg, send_size, collect_region, &c);
  }
  /* OOL regions whose last bytes run past a 4-byte boundary would be padded by reading a little
     further: copy them instead so nothing outside the caller's memory is read. */
  for (int i = 0; i < c.n; i++) {
    size_t n = get32(c.heads[i] + 8);
    if (!(n & OOL_REGION_BY_FD) && (n & 3)) {
      c.padded[i] = calloc(1, (n + 3) & ~3u);
      if (c.padded[i]) memcpy(c.padded[i], c.parts[2 * i + 1].p, n);
      c.parts[2 * i + 1].p = c.padded[i];
    }
  }
  unsigned char args[24];
  put32(args, (uint32_t)option);
  put32(args + 4, send_size);
  put32(args + 8, rcv_size);
  put32(args + 12, rcv_name);
  put32(args + 16, timeout);
  put32(args + 20, (uint32_t)c.n);
  int np = 0;
  parts[np++] = (struct part){args, 24};
  np += 2 * c.n; /* the regions were collected in place, right after the arguments */
  if (option & MACH_SEND_MSG) parts[np++] = (struct part){msg, send_size};
  uint32_t seq = machipc_next_seq();
  /* The descriptors go first, so they are queued when the server reads the frame naming them. */
  if (c.nfd > 0 && machipc_ool_send_fds(machipc_ool_channel(), seq, c.fds, c.nfd) != 0) inline_again(&c);
  for (int i = 0; i < c.nfd; i++) {
    if (c.fd_slot[i] >= 0) machipc_ool_reuse_done(c.fd_slot[i]);
    else close(c.fds[i]);
  }
  int rc = machipc_send_frame(machipc_thread_fd(), OP_MACH_MSG, seq, parts, np);
  for (int i = 0; i < c.n; i++) free(c.padded[i]);
  /* The RESULT where it was read (the thread's read-ahead buffer) when it can be: no copy of it first. */
  const unsigned char *r = NULL;
  int owned = 0;
  uint32_t len = 0;
  if (rc == 0) r = machipc_recv_result_view(machipc_thread_fd(), &len, &owned);
  mach_msg_return_t mr = rc < 0 ? MACH_SEND_INVALID_DEST : r ? (mach_msg_return_t)get32(r) : MACH_RCV_PORT_DIED;
  /* Sent (whatever the receive half did): regions given with deallocate leave this task. */
  int sent = r && (mr == MACH_MSG_SUCCESS || (mr & ~MACH_MSG_MASK) >= MACH_RCV_IN_PROGRESS);
  for (int i = 0; sent && i < c.n; i++) {
    if (!c.heads[i][12]) continue;
    uint64_t a = get64(c.heads[i]), end = a + (get32(c.heads[i] + 8) & ~OOL_REGION_BY_FD);
    uint64_t start = a & ~(uint64_t)vm_page_mask;
    end = (end + vm_page_mask) & ~(uint64_t)vm_page_mask;
    munmap((void *)(uintptr_t)start, (size_t)(end - start));
    machipc_ool_forget(start, end);
  }
  if (c.heads && c.heads != small_heads) {
    free(c.heads);
    free(c.padded);
    free(parts);
  }
  if (!r) return mr;
  uint32_t msglen = get32(r + 4);
  uint32_t ool = get32(r + 8);
  unsigned char *out = (unsigned char *)(rcv_msg ? rcv_msg : msg);
  if (msglen > 0) {
    /* A pseudo-received message goes back into the send buffer; a received one into the receive buffer. */
    size_t room = (option & MACH_RCV_MSG) ? rcv_size : send_size;
    if (!(option & MACH_RCV_MSG)) out = (unsigned char *)msg;
    /*
     * A message too large without MACH_RCV_LARGE leaves msg_receive_error's bare header and
     * trailer, which XNU's ipc_kmsg_put copies out whatever rcv_size is (a receive of a header's
     * size gets the 8-byte trailer after it, as on macOS).
     */
    if (mr == MACH_RCV_TOO_LARGE && !(option & MACH_RCV_LARGE) && (option & MACH_RCV_MSG)) room = msglen;
    memcpy(out, r + 16, msglen < room ? msglen : room);
    /*
     * MACH_RCV_LARGE's answer is copied out to msgh_size (and msgh_local_port with
     * MACH_RCV_LARGE_IDENTITY) whatever rcv_size is, as mach_msg_receive_results does: a
     * receive of size 0 learns the size it needs.
     */
    if (mr == MACH_RCV_TOO_LARGE && (option & MACH_RCV_LARGE) && msglen >= 16 && room < 16) {
      memcpy(out + 4, r + 16 + 4, 4);
      if (option & MACH_RCV_LARGE_IDENTITY) memcpy(out + 12, r + 16 + 12, 4);
    }
    const unsigned char *regions = r + 16 + ((msglen + 3) & ~3u);
    int fds[OOL_FDS_MAX];
    int large = 0;
    int nfd = ool ? fd_regions(regions, ool, r + len, &large) : 0;
    if (nfd > OOL_FDS_MAX || (nfd > 0 && machipc_ool_channel() < 0) || (nfd > 0 && machipc_ool_recv_fds(machipc_ool_channel(), seq, fds, nfd) != 0)) {
      if (nfd > OOL_FDS_MAX) nfd = OOL_FDS_MAX;
      for (int i = 0; i < nfd; i++) fds[i] = -1;
    }
    struct patch p = {regions, ool, fds};
    if (ool) walk_ool(out, msglen < room ? msglen : room, patch_region, &p);
    /* Mapped regions keep their pages; the descriptors are no longer needed. */
    for (int i = 0; i < nfd; i++)
      if (fds[i] >= 0) close(fds[i]);
    /* A receiver of large regions gets the next ones by descriptor (attaching reads on this thread's connection: r is done with). */
    if (owned) free((void *)r);
    r = NULL;
    if (large) (void)machipc_ool_channel();
  }
  if (owned && r) free((void *)r);
  return mr;
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify) {
  return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify, NULL, 0);
}
