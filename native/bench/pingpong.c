/*
 * Socket round-trip benchmarks for `npm run bench`:
 *   pingpong server PATH REQ REP      a bare C echo server: read REQ bytes, write REP bytes
 *   pingpong client PATH N REQ REP    N round trips of REQ bytes out, REP bytes back; prints ns per trip
 *   pingpong rpc N                    N machipc null RPCs (mach_port_type) through libmachipc; prints ns per RPC
 *   pingpong special N                N host_get_special_port + mach_port_deallocate through libmachipc
 */
#define _POSIX_C_SOURCE 200809L
#include <machipc/mach.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int full(int fd, void *buf, size_t n, int wr) {
  char *p = buf;
  while (n) {
    ssize_t k = wr ? write(fd, p, n) : read(fd, p, n);
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int sock(const char *path, int listen_mode) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (listen_mode) {
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0) return -1;
    return fd;
  }
  return connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ? -1 : fd;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "server") == 0) {
    int ls = sock(argv[2], 1);
    size_t req = (size_t)atoi(argv[3]), rep = (size_t)atoi(argv[4]);
    char *buf = calloc(1, req > rep ? req : rep);
    printf("ready\n");
    fflush(stdout);
    for (;;) {
      int c = accept(ls, NULL, NULL);
      if (c < 0) return 1;
      while (full(c, buf, req, 0) == 0 && full(c, buf, rep, 1) == 0) {
      }
      close(c);
    }
  }
  if (argc >= 6 && strcmp(argv[1], "client") == 0) {
    int fd = sock(argv[2], 0);
    long n = atol(argv[3]);
    size_t req = (size_t)atoi(argv[4]), rep = (size_t)atoi(argv[5]);
    char *buf = calloc(1, req > rep ? req : rep);
    if (fd < 0) return 1;
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
      if (full(fd, buf, req, 1) < 0 || full(fd, buf, rep, 0) < 0) return 1;
    printf("%.1f\n", (now_ns() - t0) / n);
    return 0;
  }
  if (argc >= 3 && (strcmp(argv[1], "rpc") == 0 || strcmp(argv[1], "special") == 0)) {
    long n = atol(argv[2]);
    mach_port_t self = mach_task_self();
    mach_port_t host = mach_host_self();
    int special = strcmp(argv[1], "special") == 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
      kern_return_t kr;
      if (special) {
        mach_port_t p;
        kr = host_get_special_port(host, HOST_LOCAL_NODE, HOST_PORT, &p);
        if (kr == KERN_SUCCESS) kr = mach_port_deallocate(self, p);
      } else {
        mach_port_type_t t;
        kr = mach_port_type(self, self, &t);
      }
      if (kr != KERN_SUCCESS) {
        fprintf(stderr, "rpc failed: %s\n", mach_error_string(kr));
        return 1;
      }
    }
    printf("%.1f\n", (now_ns() - t0) / n);
    return 0;
  }
  fprintf(stderr, "usage: pingpong server PATH REQ REP | client PATH N REQ REP | rpc N | special N\n");
  return 2;
}
