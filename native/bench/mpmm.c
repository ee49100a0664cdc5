/*
 * A message-passing benchmark in the style of the classic Mach ones (MPMM):
 * one server thread receives on a port and answers each request on its
 * send-once reply port; client threads send with MACH_SEND_MSG|MACH_RCV_MSG
 * and wait for the answer. The answer echoes the request's payload: the same
 * inline bytes, the same out-of-line region, the same port right. Both
 * sides hand on what they were given, as a Mach program passing data and
 * rights along does: the region goes with deallocate set (it leaves the
 * sender as it is sent) and the right is moved, so the RPC itself is all that
 * is measured, with no vm_deallocate or mach_port_deallocate per message.
 *
 *   mpmm threads CLIENTS N KIND    CLIENTS client threads of this process, N RPCs each
 *   mpmm procs CLIENTS N KIND      CLIENTS client processes, N RPCs each; they find the server's
 *                                  port by name (bootstrap_check_in / bootstrap_look_up)
 *   mpmm null N                    N null RPCs (mach_port_type), the baseline of the same run
 *
 * KIND is empty | empty+port | inline4k | inline4k+port | ool64k | ool64k+port.
 * Prints one line: "<ns per RPC as one client sees it> <RPCs per second over all clients>".
 */
#define _POSIX_C_SOURCE 200809L
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INLINE_BYTES 4096
#define OOL_BYTES (64 * 1024)
#define MSG_ID 0x4d504d

struct kind {
  size_t inline_bytes;
  int ool;
  int port;
};

/* The largest request or answer: header, body, two descriptors, the inline payload, a trailer. */
#define BUF_BYTES (sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t) + 2 * sizeof(mach_msg_ool_descriptor_t) + INLINE_BYTES + 256)

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int parse_kind(const char *s, struct kind *k) {
  memset(k, 0, sizeof *k);
  const char *plus = strchr(s, '+');
  size_t base = plus ? (size_t)(plus - s) : strlen(s);
  if (plus && strcmp(plus, "+port") != 0) return -1;
  k->port = plus != NULL;
  if (base == 5 && strncmp(s, "empty", 5) == 0) return 0;
  if (base == 8 && strncmp(s, "inline4k", 8) == 0) {
    k->inline_bytes = INLINE_BYTES;
    return 0;
  }
  if (base == 6 && strncmp(s, "ool64k", 6) == 0) {
    k->ool = 1;
    return 0;
  }
  return -1;
}

/*
 * Lay out a message of `kind` in `buf`: descriptors (an OOL region at `ool`, a
 * port right `port` with `port_disp`), then the inline payload. Returns its size.
 */
static mach_msg_size_t build(unsigned char *buf, const struct kind *k, mach_port_t remote, mach_msg_type_name_t remote_disp, mach_port_t local,
                             mach_msg_type_name_t local_disp, void *ool, int ool_dealloc, mach_port_t port, mach_msg_type_name_t port_disp) {
  mach_msg_header_t *h = (mach_msg_header_t *)buf;
  unsigned char *p = buf + sizeof *h;
  int ndesc = (k->ool ? 1 : 0) + (k->port ? 1 : 0);
  if (ndesc) {
    ((mach_msg_body_t *)p)->msgh_descriptor_count = (mach_msg_size_t)ndesc;
    p += sizeof(mach_msg_body_t);
    if (k->ool) {
      mach_msg_ool_descriptor_t *d = (mach_msg_ool_descriptor_t *)p;
      memset(d, 0, sizeof *d);
      d->address = ool;
      d->size = OOL_BYTES;
      d->deallocate = ool_dealloc;
      d->copy = MACH_MSG_VIRTUAL_COPY;
      d->type = MACH_MSG_OOL_DESCRIPTOR;
      p += sizeof *d;
    }
    if (k->port) {
      mach_msg_port_descriptor_t *d = (mach_msg_port_descriptor_t *)p;
      memset(d, 0, sizeof *d);
      d->name = port;
      d->disposition = port_disp;
      d->type = MACH_MSG_PORT_DESCRIPTOR;
      p += sizeof *d;
    }
  }
  memset(p, 0x5a, k->inline_bytes);
  p += k->inline_bytes;
  h->msgh_bits = MACH_MSGH_BITS(remote_disp, local_disp) | (ndesc ? MACH_MSGH_BITS_COMPLEX : 0);
  h->msgh_size = (mach_msg_size_t)(p - buf);
  h->msgh_remote_port = remote;
  h->msgh_local_port = local;
  h->msgh_voucher_port = MACH_PORT_NULL;
  h->msgh_id = MSG_ID;
  return h->msgh_size;
}

/* The out-of-line region and port a received message carries (NULL / MACH_PORT_NULL if none). */
static void carried(const unsigned char *buf, const struct kind *k, void **ool, mach_port_t *port) {
  const unsigned char *p = buf + sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t);
  *ool = NULL;
  *port = MACH_PORT_NULL;
  if (k->ool) {
    *ool = ((const mach_msg_ool_descriptor_t *)p)->address;
    p += sizeof(mach_msg_ool_descriptor_t);
  }
  if (k->port) *port = ((const mach_msg_port_descriptor_t *)p)->name;
}

static void die(const char *what, kern_return_t kr) {
  fprintf(stderr, "mpmm: %s: %s (0x%x)\n", what, mach_error_string(kr), kr);
  exit(1);
}

struct shared {
  struct kind kind;
  mach_port_t service;
  long n;
};

/* The server thread: answer every request with its own payload, on its reply port, until killed. */
static void *serve(void *arg) {
  struct shared *s = arg;
  unsigned char *buf = malloc(BUF_BYTES);
  mach_msg_return_t mr = mach_msg((mach_msg_header_t *)buf, MACH_RCV_MSG, 0, BUF_BYTES, s->service, 0, MACH_PORT_NULL);
  for (;;) {
    if (mr != MACH_MSG_SUCCESS) die("server receive", mr);
    mach_msg_header_t *h = (mach_msg_header_t *)buf;
    void *ool;
    mach_port_t port;
    carried(buf, &s->kind, &ool, &port);
    /* The answer gives back what came: the region (freed from this task as it goes), the right (moved). */
    mach_msg_size_t size = build(buf, &s->kind, h->msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0, ool, 1, port,
                                 MACH_MSG_TYPE_MOVE_SEND);
    mr = mach_msg((mach_msg_header_t *)buf, MACH_SEND_MSG | MACH_RCV_MSG, size, BUF_BYTES, s->service, 0, MACH_PORT_NULL);
  }
  return NULL;
}

/* One client: N RPCs to the service, each checked; the region and the right the answer brings go out again with the next request. */
static void *client(void *arg) {
  struct shared *s = arg;
  mach_port_t self = mach_task_self();
  mach_port_t reply = mach_reply_port();
  mach_port_t token = MACH_PORT_NULL;
  kern_return_t kr;
  if (s->kind.port) {
    if ((kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &token)) != KERN_SUCCESS) die("mach_port_allocate", kr);
    if ((kr = mach_port_insert_right(self, token, token, MACH_MSG_TYPE_MAKE_SEND)) != KERN_SUCCESS) die("mach_port_insert_right", kr);
  }
  vm_address_t region = 0;
  if (s->kind.ool && (kr = vm_allocate(self, &region, OOL_BYTES, VM_FLAGS_ANYWHERE)) != KERN_SUCCESS) die("vm_allocate", kr);
  unsigned char *buf = malloc(BUF_BYTES);
  for (long i = 0; i < s->n; i++) {
    mach_msg_size_t size = build(buf, &s->kind, s->service, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, (void *)region, 1, token,
                                 MACH_MSG_TYPE_MOVE_SEND);
    mach_msg_return_t mr = mach_msg((mach_msg_header_t *)buf, MACH_SEND_MSG | MACH_RCV_MSG, size, BUF_BYTES, reply, 0, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) die("client RPC", mr);
    void *ool;
    mach_port_t port;
    carried(buf, &s->kind, &ool, &port);
    if (((mach_msg_header_t *)buf)->msgh_id != MSG_ID || (s->kind.port && port != token) || (s->kind.ool && !ool)) die("answer", KERN_FAILURE);
    region = (vm_address_t)ool;
  }
  free(buf);
  if (region) vm_deallocate(self, region, OOL_BYTES);
  return NULL;
}

extern char **environ;

/*
 * A client process: look the service up by name, say it is ready on `ready`,
 * wait for the start byte on `go`, then run its RPCs (timed by the parent).
 */
static int client_process(const char *arg, long n, const char *kind, int ready, int go) {
  struct shared s;
  name_t name;
  snprintf(name, sizeof name, "%s", arg);
  if (parse_kind(kind, &s.kind) != 0) return 2;
  s.n = n;
  /* bootstrap_port is set once the process is a task: become one first. */
  (void)mach_task_self();
  kern_return_t kr = bootstrap_look_up(bootstrap_port, name, &s.service);
  if (kr != KERN_SUCCESS) die("bootstrap_look_up", kr);
  char c = 'r';
  if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) return 1;
  client(&s);
  return 0;
}

/*
 * The server thread in this process, CLIENTS processes (this program again,
 * spawned) as clients, started together once all have found the service.
 */
static int processes(const char *self, int clients, long n, const char *kind) {
  struct shared s;
  if (parse_kind(kind, &s.kind) != 0) return 2;
  name_t name;
  snprintf(name, sizeof name, "machipc.mpmm.%d", (int)getpid());
  (void)mach_task_self();
  kern_return_t kr = bootstrap_check_in(bootstrap_port, name, &s.service);
  if (kr != KERN_SUCCESS) die("bootstrap_check_in", kr);
  pthread_t server;
  pthread_create(&server, NULL, serve, &s);
  int ready[2], go[2];
  if (pipe(ready) != 0 || pipe(go) != 0) return 1;
  char nbuf[32], rbuf[16], gbuf[16];
  snprintf(nbuf, sizeof nbuf, "%ld", n);
  snprintf(rbuf, sizeof rbuf, "%d", ready[1]);
  snprintf(gbuf, sizeof gbuf, "%d", go[0]);
  pid_t pids[64];
  for (int i = 0; i < clients; i++) {
    char *args[] = {(char *)self, "client", name, nbuf, (char *)kind, rbuf, gbuf, NULL};
    if (posix_spawn(&pids[i], "/proc/self/exe", NULL, NULL, args, environ) != 0) return 1;
  }
  char c;
  for (int i = 0; i < clients; i++)
    if (read(ready[0], &c, 1) != 1) return 1;
  double t0 = now_ns();
  for (int i = 0; i < clients; i++)
    if (write(go[1], "g", 1) != 1) return 1;
  int failed = 0;
  for (int i = 0; i < clients; i++) {
    int st;
    if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) failed = 1;
  }
  double total = now_ns() - t0;
  if (failed) {
    fprintf(stderr, "mpmm: a client process failed\n");
    return 1;
  }
  printf("%.1f %.0f\n", total / n, (double)clients * n * 1e9 / total);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "client") == 0) return client_process(argv[2], atol(argv[3]), argv[4], atoi(argv[5]), atoi(argv[6]));
  if (argc == 5 && strcmp(argv[1], "procs") == 0) {
    int clients = atoi(argv[2]);
    if (clients < 1 || clients > 64 || atol(argv[3]) < 1) goto usage;
    return processes(argv[0], clients, atol(argv[3]), argv[4]);
  }
  if (argc == 3 && strcmp(argv[1], "null") == 0) {
    long n = atol(argv[2]);
    mach_port_t self = mach_task_self();
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
      mach_port_type_t t;
      kern_return_t kr = mach_port_type(self, self, &t);
      if (kr != KERN_SUCCESS) die("mach_port_type", kr);
    }
    double ns = (now_ns() - t0) / n;
    printf("%.1f %.0f\n", ns, 1e9 / ns);
    return 0;
  }
  struct shared s;
  if (argc == 5 && strcmp(argv[1], "threads") == 0 && parse_kind(argv[4], &s.kind) == 0) {
    int clients = atoi(argv[2]);
    s.n = atol(argv[3]);
    if (clients < 1 || clients > 64 || s.n < 1) goto usage;
    mach_port_t self = mach_task_self();
    kern_return_t kr;
    if ((kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &s.service)) != KERN_SUCCESS) die("mach_port_allocate", kr);
    if ((kr = mach_port_insert_right(self, s.service, s.service, MACH_MSG_TYPE_MAKE_SEND)) != KERN_SUCCESS) die("mach_port_insert_right", kr);
    pthread_t server, th[64];
    pthread_create(&server, NULL, serve, &s);
    double t0 = now_ns();
    for (int i = 0; i < clients; i++) pthread_create(&th[i], NULL, client, &s);
    for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
    double total = now_ns() - t0;
    printf("%.1f %.0f\n", total / s.n, (double)clients * s.n * 1e9 / total);
    return 0;
  }
usage:
  fprintf(stderr, "usage: mpmm threads|procs CLIENTS N empty|empty+port|inline4k|inline4k+port|ool64k|ool64k+port | mpmm null N\n");
  return 2;
}
