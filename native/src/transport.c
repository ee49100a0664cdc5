/*
 * The connection to a machipc server. Each C thread has its own; the first
 * one says who the process is (HELLO) and later ones join the same task
 * (JOIN), so every thread of the process is a thread of one machipc task.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

pthread_mutex_t machipc_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_token;
static int g_have_token;
static uint32_t g_task_pid;
static __thread int t_fd = -1;
/* A connect at load to a server nobody named: failing it says nothing (the first call will). */
static __thread int t_quiet;
static __thread uint32_t t_seq;
static __thread uint32_t t_thread_id;
char machipc_server_path[108];

int machipc_thread_fd(void) { return t_fd; }
uint32_t machipc_next_seq(void) { return ++t_seq; }
int machipc_have_task(void) { return g_have_token; }
uint64_t machipc_task_token(void) { return g_token; }
uint32_t machipc_thread_id(void) { return t_thread_id; }
uint32_t machipc_gettid(void) { return (uint32_t)syscall(SYS_gettid); }

void machipc_transport_forked(void) {
  g_token = 0;
  g_task_pid = 0;
  g_have_token = 0;
  t_fd = -1;
  t_seq = 0;
  t_thread_id = 0;
  machipc_ool_forked();
}

void machipc_set_thread_connection(int fd, uint32_t thread_id) {
  t_fd = fd;
  t_seq = 0;
  t_thread_id = thread_id;
}

void machipc_set_task(uint64_t token, uint32_t pid) {
  g_token = token;
  g_task_pid = pid;
  g_have_token = 1;
}

/* Where a RESULT's extra bytes start (after the message, padded, and its OOL regions, of which these have none). */
static uint64_t extra_at(const unsigned char *r) { return 16 + ((get32(r + 4) + 3) & ~(uint64_t)3); }

/*
 * read(2) on the server's socket, waiting in poll(2) first. A thread blocked in
 * read on a Unix stream socket is woken each time the server reads what this
 * thread sent (the sent bytes are charged to our socket; freeing them signals
 * write space on the queue the read sleeps on, without a key it could filter):
 * a spurious wake-up, a context switch, per request, which the kernel also
 * schedules onto the server's CPU, preempting the server mid-request. poll
 * waits for POLLIN only, so the thread sleeps once per RPC instead of twice.
 */
static ssize_t read_when_ready(int fd, void *buf, size_t n) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, -1) < 0) return -1;
  return read(fd, buf, n);
}

static int read_all(int fd, void *buf, size_t n) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t r = read_when_ready(fd, p, n);
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

int machipc_connect_quietly(void) {
  t_quiet = 1;
  int r = machipc_connect_thread();
  t_quiet = 0;
  return r;
}

int machipc_server_there(void) {
  char buf[512];
  struct stat st;
  const char *path = socket_path(buf, sizeof buf);
  return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * Before saying who we are: the socket's directory must be ours or root's and
 * writable by no one else, so the socket in it is the one its owner put there.
 * Returns 0 when it is (or does not exist: connect() then says there is no server).
 */
static int check_socket_dir(const char *path) {
  char dir[512];
  const char *slash = strrchr(path, '/');
  size_t dl = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
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
  if (!t_quiet) fprintf(stderr, "machipc: refusing to connect to %s: %s %s (uid %u, mode %04o)\n", path, dir, why, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
  return -1;
}

int machipc_send_frame(int fd, uint32_t op, uint32_t seq, const struct part *parts, int nparts) {
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

/*
 * Results are read ahead: one read takes whatever the socket holds (a whole
 * small RESULT, header and body, almost always), where reading the header and
 * then the body would cost a second system call per RPC. Bytes beyond the
 * frame stay for the next call on the same descriptor. 16 KiB holds a message
 * with a page or two inline (4 KiB of inline data took two reads with 4 KiB).
 */
enum { READ_AHEAD = 16384 };
static __thread unsigned char t_ahead[READ_AHEAD];
static __thread size_t t_ahead_len;
static __thread int t_ahead_fd = -1;
/* Bytes at the head of t_ahead that a frame read in place still uses: dropped at the next read. */
static __thread size_t t_ahead_lent;

/* Read ahead until the buffer holds `want` bytes (at most READ_AHEAD); -1, the buffer emptied, when the connection fails. */
static int fill_ahead(int fd, size_t want) {
  while (t_ahead_len < want) {
    ssize_t r = read_when_ready(fd, t_ahead + t_ahead_len, READ_AHEAD - t_ahead_len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      t_ahead_len = 0;
      return -1;
    }
    t_ahead_len += (size_t)r;
  }
  return 0;
}

/*
 * Read one RESULT frame; returns its payload (after the 16-byte frame header). When the whole frame
 * is in the read-ahead buffer, as a small one almost always is, the payload is returned where it is
 * (*owned 0), valid until the next read on this thread; else it is malloc'd (*owned 1), the caller's to free.
 */
const unsigned char *machipc_recv_result_view(int fd, uint32_t *len, int *owned) {
  if (t_ahead_fd != fd) {
    t_ahead_fd = fd;
    t_ahead_len = 0;
    t_ahead_lent = 0;
  }
  if (t_ahead_lent > 0) {
    memmove(t_ahead, t_ahead + t_ahead_lent, t_ahead_len - t_ahead_lent);
    t_ahead_len -= t_ahead_lent;
    t_ahead_lent = 0;
  }
  if (fill_ahead(fd, 16) < 0) return NULL;
  uint32_t total = get32(t_ahead);
  if (total < 16 + 16 || get32(t_ahead + 4) != OP_RESULT) {
    t_ahead_len = 0;
    return NULL;
  }
  /* A frame that fits the buffer is read into it to its end, and used there. */
  if (total <= READ_AHEAD && fill_ahead(fd, total) < 0) return NULL;
  *len = total - 16;
  if (t_ahead_len >= total) {
    t_ahead_lent = total;
    *owned = 0;
    return t_ahead + 16;
  }
  unsigned char *body = malloc(total - 16);
  if (!body) return NULL;
  size_t have = t_ahead_len - 16;
  memcpy(body, t_ahead + 16, have);
  t_ahead_len = 0;
  if (read_all(fd, body + have, total - 16 - have) < 0) {
    free(body);
    return NULL;
  }
  *owned = 1;
  return body;
}

/* Read one RESULT frame: returns the payload (after the 16-byte frame header), malloc'd. */
unsigned char *machipc_recv_result(int fd, uint32_t *len) {
  int owned;
  const unsigned char *p = machipc_recv_result_view(fd, len, &owned);
  if (!p || owned) return (unsigned char *)p;
  unsigned char *body = malloc(*len ? *len : 1);
  if (body) memcpy(body, p, *len);
  return body;
}

int machipc_connect_thread(void) {
  if (t_fd >= 0) return 0;
  /* A new image after exec carries on its task over the connection it kept (exec.c). */
  if (!g_have_token && machipc_exec_adopt() == 0) return 0;
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
    if (!t_quiet) fprintf(stderr, "machipc: socket path too long: %s\n", path);
    close(fd);
    return -1;
  }
  memcpy(addr.sun_path, path, plen + 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    if (!t_quiet) fprintf(stderr, "machipc: no server at %s (start one with `machipc serve`)\n", path);
    close(fd);
    return -1;
  }
  machipc_name_server_ptracer(fd);
  size_t pl = strlen(path);
  memcpy(machipc_server_path, path, pl < sizeof machipc_server_path ? pl + 1 : 0);
  pthread_mutex_lock(&machipc_lock);
  unsigned char payload[8 + 20 + 64];
  uint32_t len = 0;
  unsigned char *r = NULL;
  int made_task = 0;
  if (!g_have_token) {
    char name[64];
    snprintf(name, sizeof name, "c:%d", (int)getpid());
    size_t nl = strlen(name);
    /* A fork's child presents its parent's token first (FORK), then what HELLO says. */
    uint64_t parent;
    int forked = machipc_fork_parent(&parent);
    put64(payload, parent);
    unsigned char *hello = payload + 8;
    put32(hello, (uint32_t)getuid());
    put32(hello + 4, (uint32_t)getgid());
    put32(hello + 8, (uint32_t)getpid());
    put32(hello + 12, (uint32_t)nl);
    put32(hello + 16, machipc_gettid());
    memcpy(hello + 20, name, nl);
    struct part p[1] = {{forked ? payload : hello, (forked ? 8 : 0) + 20 + nl}};
    if (machipc_send_frame(fd, forked ? OP_FORK : OP_HELLO, 0, p, 1) == 0) r = machipc_recv_result(fd, &len);
    /* Success carries the 8-byte task token (and the thread's id) as its extra bytes; a refusal is a bare kern_return_t. */
    if (r && len >= 16 && get32(r + 12) >= 8) {
      uint64_t at = extra_at(r);
      if (get32(r + 8) == 0 && at + 8 <= len) {
        g_token = get64(r + at);
        g_task_pid = get32(r);
        g_have_token = 1;
        made_task = 1;
        if (get32(r + 12) >= 12 && at + 12 <= len) t_thread_id = get32(r + at + 8);
      }
    }
  } else {
    put64(payload, g_token);
    put32(payload + 8, machipc_gettid());
    struct part p[1] = {{payload, 12}};
    if (machipc_send_frame(fd, OP_JOIN, 0, p, 1) == 0) r = machipc_recv_result(fd, &len);
    /* JOIN answers the task's pid; anything else (the token is good only in the process that said HELLO) is a refusal. */
    if (r && get32(r) != g_task_pid) {
      free(r);
      r = NULL;
    }
    if (r && len >= 16 && get32(r + 12) >= 4 && extra_at(r) + 4 <= len) t_thread_id = get32(r + extra_at(r));
  }
  pthread_mutex_unlock(&machipc_lock);
  if (!r || (g_have_token == 0)) {
    free(r);
    close(fd);
    if (!t_quiet) fprintf(stderr, "machipc: the server refused this process\n");
    return -1;
  }
  free(r);
  t_fd = fd;
  machipc_track_fd(fd);
  machipc_thread_started();
  if (made_task) machipc_task_started();
  return 0;
}

void machipc_thread_exit(void) {
  if (t_fd < 0) return;
  machipc_untrack_fd(t_fd);
  close(t_fd);
  t_fd = -1;
  t_thread_id = 0;
  if (t_ahead_fd >= 0) t_ahead_len = 0, t_ahead_lent = 0, t_ahead_fd = -1;
}

mach_port_t machipc_trap(uint32_t which) {
  if (machipc_connect_thread() < 0) return MACH_PORT_NULL;
  unsigned char p4[4];
  put32(p4, which);
  struct part p[1] = {{p4, 4}};
  uint32_t len;
  if (machipc_send_frame(t_fd, OP_TRAP, ++t_seq, p, 1) < 0) return MACH_PORT_NULL;
  unsigned char *r = machipc_recv_result(t_fd, &len);
  if (!r) return MACH_PORT_NULL;
  mach_port_t v = get32(r);
  free(r);
  return v;
}

mach_port_name_t mach_reply_port(void) { return machipc_trap(TRAP_REPLY_PORT); }
mach_port_t mach_thread_self(void) { return machipc_trap(TRAP_THREAD_SELF); }
mach_port_t mach_host_self(void) { return machipc_trap(TRAP_HOST_SELF); }
