/*
 * libmachipc: mach_msg and friends over a machipc server's Unix socket.
 *
 * Each C thread has its own connection; the first one says who the process
 * is (HELLO) and later ones join the same task (JOIN), so every thread of the
 * process is a thread of one machipc task. Frame layouts mirror
 * src/server/protocol.ts. The MIG calls below lay out their messages exactly
 * as MIG-generated 64-bit user stubs do.
 */
#define _GNU_SOURCE
#include "machipc/mach.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

NDR_record_t NDR_record = {0, 0, 0, 0, 1, 0, 0, 0};

enum { OP_HELLO = 1, OP_JOIN = 2, OP_TRAP = 3, OP_MACH_MSG = 4, OP_RESULT = 0x80 };
enum { TRAP_REPLY_PORT = 26, TRAP_THREAD_SELF = 27, TRAP_TASK_SELF = 28, TRAP_HOST_SELF = 29 };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_token;
static int g_have_token;
static mach_port_t g_task_self;
static __thread int t_fd = -1;
static __thread uint32_t t_seq;
static __thread mach_port_t t_mig_reply;

/* ---- byte helpers (little-endian, as the wire) ---- */
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int read_all(int fd, void *buf, size_t n) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/*
 * The server's socket, as src/server/socket_path.ts finds it: $MACHIPC_SOCKET,
 * else $XDG_RUNTIME_DIR when it is this user's own 0700 directory, else
 * ${TMPDIR:-/tmp}/machipc-<uid>.
 */
static const char *socket_path(char *buf, size_t n) {
  const char *env = getenv("MACHIPC_SOCKET");
  if (env && *env) return env;
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (xdg && *xdg && lstat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 0777) == 0700) {
    snprintf(buf, n, "%s/machipc.sock", xdg);
    return buf;
  }
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  size_t tl = strlen(tmp);
  while (tl > 1 && tmp[tl - 1] == '/') tl--;
  snprintf(buf, n, "%.*s/machipc-%u/machipc.sock", (int)tl, tmp, (unsigned)getuid());
  return buf;
}

/*
 * Before saying who we are: the socket's directory must be ours or root's and
 * writable by no one else, so the socket in it is the one its owner put there.
 * Returns 0 when it is (or does not exist: connect() then says there is no server).
 */
static int check_socket_dir(const char *path) {
  char dir[512];
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) : 1;
  if (slash == path) dl = 1;
  if (dl >= sizeof dir) dl = sizeof dir - 1;
  memcpy(dir, slash ? path : ".", dl);
  dir[dl] = 0;
  struct stat st;
  if (lstat(dir, &st) != 0) return 0;
  const char *why = NULL;
  if (S_ISLNK(st.st_mode)) why = "is a symbolic link";
  else if (!S_ISDIR(st.st_mode)) why = "is not a directory";
  else if (st.st_uid != getuid() && st.st_uid != 0) why = "is owned by another user";
  else if (st.st_mode & 022) why = "is writable by others, who could replace the socket";
  if (!why) return 0;
  fprintf(stderr, "machipc: refusing to connect to %s: %s %s (uid %u, mode %04o)\n", path, dir, why, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
  return -1;
}

/* One request/response exchange on this thread's connection. The response payload is malloc'd. */

struct part { const void *p; size_t n; };

static int send_frame(int fd, uint32_t op, uint32_t seq, const struct part *parts, int nparts) {
  size_t len = 16;
  for (int i = 0; i < nparts; i++) len += parts[i].n;
  unsigned char head[16];
  put32(head, (uint32_t)len);
  put32(head + 4, op);
  put32(head + 8, seq);
  put32(head + 12, 0);
  /* One writev for the whole frame: a write per part would cost a system call each. */
  struct iovec small[20];
  struct iovec *iov = nparts + 1 <= 20 ? small : malloc(sizeof *iov * (size_t)(nparts + 1));
  if (!iov) return -1;
  int n = 0;
  iov[n++] = (struct iovec){head, 16};
  for (int i = 0; i < nparts; i++)
    if (parts[i].n) iov[n++] = (struct iovec){(void *)parts[i].p, parts[i].n};
  int rc = 0;
  struct iovec *at = iov;
  while (n > 0) {
    ssize_t k = writev(fd, at, n > IOV_MAX ? IOV_MAX : n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      rc = -1;
      break;
    }
    while (n > 0 && (size_t)k >= at->iov_len) {
      k -= (ssize_t)at->iov_len;
      at++;
      n--;
    }
    if (n > 0) {
      at->iov_base = (char *)at->iov_base + k;
      at->iov_len -= (size_t)k;
    }
  }
  if (iov != small) free(iov);
  return rc;
}

/* Read one RESULT frame: returns the payload (after the 16-byte frame header), malloc'd. */
static unsigned char *recv_result(int fd, uint32_t *len) {
  unsigned char head[16];
  if (read_all(fd, head, 16) < 0) return NULL;
  uint32_t total = get32(head);
  if (total < 16 + 16 || get32(head + 4) != OP_RESULT) return NULL;
  unsigned char *body = malloc(total - 16);
  if (!body || read_all(fd, body, total - 16) < 0) {
    free(body);
    return NULL;
  }
  *len = total - 16;
  return body;
}

static int connect_thread(void) {
  if (t_fd >= 0) return 0;
  char pathbuf[512];
  const char *path = socket_path(pathbuf, sizeof pathbuf);
  if (check_socket_dir(path) < 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen >= sizeof addr.sun_path) {
    fprintf(stderr, "machipc: socket path too long: %s\n", path);
    close(fd);
    return -1;
  }
  memcpy(addr.sun_path, path, plen + 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "machipc: no server at %s (start one with `machipc serve`)\n", path);
    close(fd);
    return -1;
  }
  pthread_mutex_lock(&g_lock);
  unsigned char payload[16 + 64];
  uint32_t len = 0;
  unsigned char *r = NULL;
  if (!g_have_token) {
    char name[64];
    snprintf(name, sizeof name, "c:%d", (int)getpid());
    size_t nl = strlen(name);
    put32(payload, (uint32_t)getuid());
    put32(payload + 4, (uint32_t)getgid());
    put32(payload + 8, (uint32_t)getpid());
    put32(payload + 12, (uint32_t)nl);
    memcpy(payload + 16, name, nl);
    struct part p[1] = {{payload, 16 + nl}};
    if (send_frame(fd, OP_HELLO, 0, p, 1) == 0) r = recv_result(fd, &len);
    /* Success carries the 8-byte task token as its extra bytes; a refusal is a bare kern_return_t. */
    if (r && len >= 16 && get32(r + 12) == 8) {
      uint64_t msglen = get32(r + 4), nool = get32(r + 8);
      uint64_t at = 16 + ((msglen + 3) & ~(uint64_t)3);
      if (nool == 0 && at + 8 <= len) {
        g_token = get64(r + at);
        g_have_token = 1;
      }
    }
  } else {
    put64(payload, g_token);
    struct part p[1] = {{payload, 8}};
    if (send_frame(fd, OP_JOIN, 0, p, 1) == 0) r = recv_result(fd, &len);
  }
  pthread_mutex_unlock(&g_lock);
  if (!r || (g_have_token == 0)) {
    free(r);
    close(fd);
    fprintf(stderr, "machipc: the server refused this process\n");
    return -1;
  }
  free(r);
  t_fd = fd;
  return 0;
}

static mach_port_t trap(uint32_t which) {
  if (connect_thread() < 0) return MACH_PORT_NULL;
  unsigned char p4[4];
  put32(p4, which);
  struct part p[1] = {{p4, 4}};
  uint32_t len;
  if (send_frame(t_fd, OP_TRAP, ++t_seq, p, 1) < 0) return MACH_PORT_NULL;
  unsigned char *r = recv_result(t_fd, &len);
  if (!r) return MACH_PORT_NULL;
  mach_port_t v = get32(r);
  free(r);
  return v;
}

mach_port_name_t mach_reply_port(void) { return trap(TRAP_REPLY_PORT); }
mach_port_t mach_thread_self(void) { return trap(TRAP_THREAD_SELF); }
mach_port_t mach_host_self(void) { return trap(TRAP_HOST_SELF); }

/* Like Libsyscall's mach_task_self_: fetched once per process. */
mach_port_t mach_task_self(void) {
  if (g_task_self == MACH_PORT_NULL) g_task_self = trap(TRAP_TASK_SELF);
  return g_task_self;
}

mach_port_t mig_get_reply_port(void) {
  if (t_mig_reply == MACH_PORT_NULL) t_mig_reply = mach_reply_port();
  return t_mig_reply;
}

void mig_dealloc_reply_port(mach_port_t reply_port) {
  (void)reply_port;
  mach_port_t p = t_mig_reply;
  t_mig_reply = MACH_PORT_NULL;
  if (p != MACH_PORT_NULL) mach_port_destroy(mach_task_self(), p);
}

void mig_put_reply_port(mach_port_t reply_port) { (void)reply_port; }

/* ---- OOL memory the server handed us: malloc'd copies that vm_deallocate frees ---- */
struct alloc {
  void *p;
  struct alloc *next;
};
static struct alloc *g_allocs;

static void *remember(const void *data, size_t n) {
  void *p = malloc(n ? n : 1);
  struct alloc *a = malloc(sizeof *a);
  if (!p || !a) {
    free(p);
    free(a);
    return NULL;
  }
  memcpy(p, data, n);
  a->p = p;
  pthread_mutex_lock(&g_lock);
  a->next = g_allocs;
  g_allocs = a;
  pthread_mutex_unlock(&g_lock);
  return p;
}

kern_return_t vm_deallocate(task_t target_task, vm_address_t address, vm_size_t size) {
  (void)target_task;
  (void)size;
  pthread_mutex_lock(&g_lock);
  for (struct alloc **pp = &g_allocs; *pp; pp = &(*pp)->next) {
    if ((vm_address_t)(*pp)->p == address) {
      struct alloc *a = *pp;
      *pp = a->next;
      pthread_mutex_unlock(&g_lock);
      free(a->p);
      free(a);
      return KERN_SUCCESS;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return KERN_SUCCESS;
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
  unsigned char (*heads)[12];
  unsigned char **padded;
  int n;
  int cap;
};

static void collect_region(unsigned char *d, void *ctx) {
  struct collect *c = ctx;
  if (c->n >= c->cap) return;
  uint64_t addr = get64(d);
  uint32_t n = d[11] == 2 ? get32(d + 12) * 4 : get32(d + 12);
  if (!addr || !n) return;
  unsigned char *h = c->heads[c->n];
  put64(h, addr);
  put32(h + 8, n);
  c->parts[2 * c->n] = (struct part){h, 12};
  c->parts[2 * c->n + 1] = (struct part){(const void *)(uintptr_t)addr, (n + 3) & ~3u};
  c->n++;
}

struct patch {
  const unsigned char *regions;
  uint32_t count;
};

static void patch_region(unsigned char *d, void *ctx) {
  struct patch *p = ctx;
  uint64_t addr = get64(d);
  const unsigned char *r = p->regions;
  for (uint32_t i = 0; i < p->count; i++) {
    uint64_t a = get64(r);
    uint32_t n = get32(r + 8);
    if (a == addr) {
      void *copy = remember(r + 12, n);
      put64(d, (uint64_t)(uintptr_t)copy);
      return;
    }
    r += 12 + ((n + 3) & ~3u);
  }
}

mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                     mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify, mach_msg_header_t *rcv_msg,
                                     mach_msg_size_t rcv_limit) {
  (void)notify;
  (void)rcv_limit;
  if (connect_thread() < 0) return MACH_SEND_INVALID_DEST;
  struct collect c = {0};
  struct part small_parts[2 + 2 * 8];
  unsigned char small_heads[8][12];
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
      c.heads = malloc((size_t)c.cap * 12);
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
    if (n & 3) {
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
  int rc = send_frame(t_fd, OP_MACH_MSG, ++t_seq, parts, np);
  for (int i = 0; i < c.n; i++) free(c.padded[i]);
  if (c.heads && c.heads != small_heads) {
    free(c.heads);
    free(c.padded);
    free(parts);
  }
  if (rc < 0) return MACH_SEND_INVALID_DEST;
  uint32_t len;
  unsigned char *r = recv_result(t_fd, &len);
  if (!r) return MACH_RCV_PORT_DIED;
  mach_msg_return_t mr = (mach_msg_return_t)get32(r);
  uint32_t msglen = get32(r + 4);
  uint32_t ool = get32(r + 8);
  unsigned char *out = (unsigned char *)(rcv_msg ? rcv_msg : msg);
  if (msglen > 0) {
    /* A pseudo-received message goes back into the send buffer; a received one into the receive buffer. */
    size_t room = (option & MACH_RCV_MSG) ? rcv_size : send_size;
    if (!(option & MACH_RCV_MSG)) out = (unsigned char *)msg;
    memcpy(out, r + 16, msglen < room ? msglen : room);
    struct patch p = {r + 16 + ((msglen + 3) & ~3u), ool};
    if (ool) walk_ool(out, msglen < room ? msglen : room, patch_region, &p);
  }
  free(r);
  return mr;
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify) {
  return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify, NULL, 0);
}

/* ---- MIG user stubs (layouts of MIG-generated 64-bit clients) ---- */

#define BITS_SIMPLE MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE)
#define BITS_COMPLEX (BITS_SIMPLE | MACH_MSGH_BITS_COMPLEX)

/* Send `req` and wait for the reply in `rep` (rep_size bytes of room); then MIG's generic checks. */
static kern_return_t mig_rpc(void *req, mach_msg_size_t req_size, void *rep, mach_msg_size_t rep_size, mach_port_t target, mach_msg_id_t id,
                             int complex) {
  mach_msg_header_t *h = req;
  h->msgh_bits = complex ? BITS_COMPLEX : BITS_SIMPLE;
  h->msgh_size = req_size;
  h->msgh_remote_port = target;
  h->msgh_local_port = mig_get_reply_port();
  h->msgh_voucher_port = 0;
  h->msgh_id = id;
  mach_msg_return_t mr = mach_msg_overwrite(req, MACH_SEND_MSG | MACH_RCV_MSG, req_size, rep_size, h->msgh_local_port, 0, 0, rep, rep_size);
  if (mr != MACH_MSG_SUCCESS) {
    if ((mr & 0xffffc000) == 0x10004000) mig_dealloc_reply_port(h->msgh_local_port);
    return mr;
  }
  mach_msg_header_t *r = rep;
  if (r->msgh_id == 71) return MIG_SERVER_DIED;
  if (r->msgh_id != id + 100) return MIG_REPLY_MISMATCH;
  if (!(r->msgh_bits & MACH_MSGH_BITS_COMPLEX) && r->msgh_size == sizeof(mig_reply_error_t)) {
    kern_return_t kr = ((mig_reply_error_t *)rep)->RetCode;
    if (kr != KERN_SUCCESS) return kr;
  }
  return KERN_SUCCESS;
}

#pragma pack(push, 4)
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a; } req1_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a, b; } req2_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a, b, c; } req3_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; kern_return_t RetCode; uint32_t v; mach_msg_trailer_t t; } rep1_t;
typedef struct { mach_msg_header_t Head; mach_msg_body_t body; mach_msg_port_descriptor_t port; mach_msg_trailer_t t; } rep_port_t;
#pragma pack(pop)

static kern_return_t simple_call(mach_port_t target, mach_msg_id_t id, int nargs, uint32_t a, uint32_t b, uint32_t c, uint32_t *out) {
  union {
    req3_t req;
    rep1_t rep;
    mig_reply_error_t err;
    unsigned char pad[256];
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = a;
  u.req.b = b;
  u.req.c = c;
  mach_msg_size_t size = (mach_msg_size_t)(sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4 * nargs);
  kern_return_t kr = mig_rpc(&u, size, &u, sizeof u, target, id, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (out) {
    if (u.rep.Head.msgh_size != 40) return MIG_TYPE_ERROR;
    *out = u.rep.v;
  }
  return KERN_SUCCESS;
}

kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name) {
  return simple_call(task, 3204, 1, right, 0, 0, name);
}
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name) { return simple_call(task, 3205, 1, name, 0, 0, NULL); }
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) { return simple_call(task, 3206, 1, name, 0, 0, NULL); }
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta) {
  return simple_call(task, 3208, 3, name, right, (uint32_t)delta, NULL);
}
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype) {
  return simple_call(task, 3201, 1, name, 0, 0, ptype);
}

kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly) {
#pragma pack(push, 4)
  struct {
    mach_msg_header_t Head;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t poly;
    NDR_record_t NDR;
    mach_port_name_t name;
  } req;
#pragma pack(pop)
  union {
    mig_reply_error_t err;
    unsigned char pad[128];
  } rep;
  memset(&req, 0, sizeof req);
  req.body.msgh_descriptor_count = 1;
  req.poly.name = poly;
  req.poly.disposition = polyPoly;
  req.poly.type = MACH_MSG_PORT_DESCRIPTOR;
  req.NDR = NDR_record;
  req.name = name;
  return mig_rpc(&req, sizeof req, &rep, sizeof rep, task, 3214, 1);
}

/* A reply carrying an array of integers after RetCode and a count. */
static kern_return_t info_call(mach_port_t target, mach_msg_id_t id, int flavor, integer_t *out, mach_msg_type_number_t *cnt, int max) {
  union {
    req2_t req;
    struct {
      mach_msg_header_t Head;
      NDR_record_t NDR;
      kern_return_t RetCode;
      mach_msg_type_number_t Cnt;
      integer_t data[68];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)flavor;
  u.req.b = *cnt < (mach_msg_type_number_t)max ? *cnt : (mach_msg_type_number_t)max;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, target, id, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.Cnt;
  if (n > (mach_msg_type_number_t)max || u.rep.Head.msgh_size != 40 + 4 * n) return MIG_TYPE_ERROR;
  if (n > *cnt) {
    memcpy(out, u.rep.data, *cnt * 4);
    *cnt = n;
    return -307; /* MIG_ARRAY_TOO_LARGE */
  }
  memcpy(out, u.rep.data, n * 4);
  *cnt = n;
  return KERN_SUCCESS;
}

kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t host_info_out, mach_msg_type_number_t *host_info_outCnt) {
  return info_call(host, 200, flavor, host_info_out, host_info_outCnt, HOST_INFO_MAX);
}

kern_return_t host_kernel_version(host_t host, kernel_version_t kernel_version) {
  union {
    mach_msg_header_t req;
    struct {
      mach_msg_header_t Head;
      NDR_record_t NDR;
      kern_return_t RetCode;
      uint32_t Offset, Cnt;
      char s[512];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host, 201, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (u.rep.Cnt > 512) return MIG_TYPE_ERROR;
  memcpy(kernel_version, u.rep.s, u.rep.Cnt);
  kernel_version[511] = 0;
  return KERN_SUCCESS;
}

kern_return_t host_get_special_port(host_priv_t host_priv, int node, int which, mach_port_t *port) {
  union {
    req2_t req;
    rep_port_t rep;
    mig_reply_error_t err;
    unsigned char pad[128];
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)node;
  u.req.b = (uint32_t)which;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 412, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.body.msgh_descriptor_count != 1 || u.rep.port.disposition != 17) return MIG_TYPE_ERROR;
  *port = u.rep.port.name;
  return KERN_SUCCESS;
}

/* header | body | one port descriptor | NDR | ints */
#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t Head;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  NDR_record_t NDR;
  uint32_t a, b, c;
} req_port3_t;
#pragma pack(pop)

static kern_return_t port_call(mach_port_t target, mach_msg_id_t id, mach_port_t port, int nargs, uint32_t a, uint32_t b, uint32_t c) {
  req_port3_t req;
  union {
    mig_reply_error_t err;
    unsigned char pad[128];
  } rep;
  memset(&req, 0, sizeof req);
  req.body.msgh_descriptor_count = 1;
  req.port.name = port;
  req.port.disposition = MACH_MSG_TYPE_COPY_SEND;
  req.port.type = MACH_MSG_PORT_DESCRIPTOR;
  req.NDR = NDR_record;
  req.a = a;
  req.b = b;
  req.c = c;
  mach_msg_size_t size = (mach_msg_size_t)(offsetof(req_port3_t, a) + 4 * nargs);
  return mig_rpc(&req, size, &rep, sizeof rep, target, id, 1);
}

kern_return_t host_set_special_port(host_priv_t host_priv, int which, mach_port_t port) {
  return port_call(host_priv, 413, port, 1, (uint32_t)which, 0, 0);
}

kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, mach_port_t new_port, exception_behavior_t behavior,
                                       thread_state_flavor_t new_flavor) {
  return port_call(host_priv, 414, new_port, 3, exception_mask, (uint32_t)behavior, (uint32_t)new_flavor);
}

kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, exception_mask_array_t masks,
                                       mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers,
                                       exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors) {
  union {
    req1_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_port_descriptor_t handlers[32];
      NDR_record_t NDR;
      mach_msg_type_number_t masksCnt;
      uint32_t rest[96];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = exception_mask;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 415, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.masksCnt;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.body.msgh_descriptor_count != 32 || n > 32 ||
      u.rep.Head.msgh_size != 424 + 12 * n)
    return MIG_TYPE_ERROR;
  if (n > *masksCnt) return -307; /* MIG_ARRAY_TOO_LARGE */
  for (mach_msg_type_number_t i = 0; i < n; i++) {
    masks[i] = u.rep.rest[i];
    old_handlers[i] = u.rep.handlers[i].name;
    old_behaviors[i] = (exception_behavior_t)u.rep.rest[n + i];
    old_flavors[i] = (thread_state_flavor_t)u.rep.rest[2 * n + i];
  }
  *masksCnt = n;
  return KERN_SUCCESS;
}

kern_return_t host_processors(host_priv_t host_priv, processor_array_t *out_processor_list, mach_msg_type_number_t *out_processor_listCnt) {
  union {
    mach_msg_header_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_ool_ports_descriptor_t list;
      NDR_record_t NDR;
      mach_msg_type_number_t Cnt;
      mach_msg_trailer_t t;
    } rep;
    unsigned char pad[128];
  } u;
  memset(&u, 0, sizeof u);
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 407, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.list.type != MACH_MSG_OOL_PORTS_DESCRIPTOR) return MIG_TYPE_ERROR;
  *out_processor_list = u.rep.list.address;
  *out_processor_listCnt = u.rep.list.count;
  return KERN_SUCCESS;
}

kern_return_t processor_info(processor_t processor, processor_flavor_t flavor, host_t *host, processor_info_t processor_info_out,
                             mach_msg_type_number_t *processor_info_outCnt) {
  union {
    req2_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_port_descriptor_t host;
      NDR_record_t NDR;
      mach_msg_type_number_t Cnt;
      integer_t data[12];
      mach_msg_trailer_t t;
    } rep;
    mig_reply_error_t err;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)flavor;
  u.req.b = *processor_info_outCnt < PROCESSOR_INFO_MAX ? *processor_info_outCnt : PROCESSOR_INFO_MAX;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, processor, 3002, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.Cnt;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || n > 12 || u.rep.Head.msgh_size != 52 + 4 * n) return MIG_TYPE_ERROR;
  if (n > *processor_info_outCnt) return -307;
  *host = u.rep.host.name;
  memcpy(processor_info_out, u.rep.data, 4 * n);
  *processor_info_outCnt = n;
  return KERN_SUCCESS;
}

const char *mach_error_string(kern_return_t kr) {
  switch (kr) {
    case KERN_SUCCESS: return "(os/kern) successful";
    case KERN_INVALID_ADDRESS: return "(os/kern) invalid address";
    case KERN_INVALID_ARGUMENT: return "(os/kern) invalid argument";
    case KERN_FAILURE: return "(os/kern) failure";
    case KERN_NO_ACCESS: return "(os/kern) protection failure";
    case KERN_INVALID_NAME: return "(os/kern) invalid name";
    case KERN_INVALID_RIGHT: return "(os/kern) invalid right";
    case KERN_INVALID_VALUE: return "(os/kern) invalid value";
    case KERN_INVALID_HOST: return "(os/kern) invalid host";
    case MIG_TYPE_ERROR: return "(ipc/mig) type check error";
    case MIG_REPLY_MISMATCH: return "(ipc/mig) wrong reply message ID";
    case MIG_BAD_ID: return "(ipc/mig) bad request message ID";
    case MIG_BAD_ARGUMENTS: return "(ipc/mig) server detected error";
    case MIG_SERVER_DIED: return "(ipc/mig) server died";
    case MACH_SEND_INVALID_DEST: return "(ipc/send) invalid destination port";
    case MACH_SEND_TIMED_OUT: return "(ipc/send) timed out";
    case MACH_RCV_TIMED_OUT: return "(ipc/rcv) timed out";
    case MACH_RCV_INVALID_NAME: return "(ipc/rcv) invalid name";
    default: return "(unknown) error";
  }
}
