/*
 * kqueue as a macOS program uses it: EVFILT_MACHPORT on a port set (the member's name, or the
 * message itself received into ext[0]), EV_DISPATCH / EV_ENABLE, EV_ONESHOT, EV_RECEIPT, the
 * errors of kevent_register, waits that a message, a pipe or a user event ends, timers, select()
 * on the kqueue, and a fork's child not inheriting it.
 */
#include <errno.h>
#include <mach/mach.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static mach_port_t port, pset;
static int pipefd[2];
static int kq;

static void send_id(mach_port_t to, int id) {
  mach_msg_header_t h = {0};
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  h.msgh_size = sizeof h;
  h.msgh_remote_port = to;
  h.msgh_id = id;
  (void)mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

/* Drains every queued message of the port (it is in the set). */
static int drain(void) {
  int n = 0;
  struct {
    mach_msg_header_t h;
    mach_msg_trailer_t t;
  } m;
  while (mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, pset, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS) n++;
  return n;
}

static int64_t ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct timespec zero = {0, 0};

static void *later(void *arg) {
  usleep(50000);
  long what = (long)arg;
  if (what == 0) send_id(port, 5);
  if (what == 1) (void)!write(pipefd[1], "x", 1);
  if (what == 2) {
    struct kevent64_s t;
    EV_SET64(&t, 9, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFCOPY | 0x21, 0, 0, 0, 0);
    (void)kevent64(kq, &t, 1, NULL, 0, 0, NULL);
  }
  return NULL;
}

/* A kevent waiting in a kqueue another thread closes. */
static int closing_kq;
static int closing_result, closing_errno;
static void *wait_in_closing(void *arg) {
  struct kevent64_s ev;
  (void)arg;
  closing_result = kevent64(closing_kq, NULL, 0, &ev, 1, 0, NULL);
  closing_errno = errno;
  return NULL;
}

static int64_t wait_for(long what, struct kevent64_s *ev) {
  pthread_t t;
  /* Timed from before the thread starts its 50 ms sleep: a main thread slow to run would otherwise measure less. */
  int64_t t0 = ms_now();
  pthread_create(&t, NULL, later, (void *)what);
  int n = kevent64(kq, NULL, 0, ev, 1, 0, NULL);
  pthread_join(t, NULL);
  return n == 1 ? ms_now() - t0 : -1;
}

int main(void) {
  mach_port_t self = mach_task_self();
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &pset);
  mach_port_move_member(self, port, pset);
  kq = kqueue();
  check("kqueue() gives a descriptor", kq >= 0, errno);

  struct kevent64_s c, ev[4];
  EV_SET64(&c, port, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  errno = 0;
  int n = kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  check("a receive right is no port set: -1, ENOTSUP (no room for an error event)", n == -1 && errno == ENOTSUP, errno);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("with room, the error is an EV_ERROR event", n == 1 && ev[0].flags == EV_ERROR && ev[0].data == ENOTSUP && ev[0].ident == port, (int)ev[0].data);
  EV_SET64(&c, 0x4321, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("a name that is nothing: ENOENT", n == 1 && ev[0].data == ENOENT, (int)ev[0].data);
  EV_SET64(&c, 1, -20, EV_ADD, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("an unknown filter: EINVAL", n == 1 && ev[0].data == EINVAL, (int)ev[0].data);
  EV_SET64(&c, 987, EVFILT_READ, EV_ADD, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("EVFILT_READ on a closed descriptor: EBADF", n == 1 && ev[0].data == EBADF, (int)ev[0].data);
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_DELETE, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("deleting what was never added: ENOENT", n == 1 && ev[0].data == ENOENT, (int)ev[0].data);

  /* The member's name, the message left queued. */
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ADD | EV_CLEAR | EV_RECEIPT, 0, 0, 0x77, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("EV_RECEIPT: an EV_ERROR event with data 0", n == 1 && ev[0].flags == EV_ERROR && ev[0].data == 0, (int)ev[0].data);
  n = kevent64(kq, NULL, 0, ev, 4, KEVENT_FLAG_IMMEDIATE, NULL);
  check("an empty port set: no event", n == 0, errno);
  send_id(port, 1);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("a message: the port set's event names the member port", n == 1 && ev[0].ident == pset && ev[0].filter == EVFILT_MACHPORT && ev[0].data == port && ev[0].udata == 0x77,
        (int)ev[0].data);
  check("the event carries the flags it was added with", n == 1 && (ev[0].flags & (EV_ADD | EV_CLEAR)) == (EV_ADD | EV_CLEAR) && !(ev[0].flags & EV_ERROR), ev[0].flags);
  check("and the message is still queued", drain() == 1, 0);
  struct kevent k32;
  n = kevent(kq, NULL, 0, &k32, 1, &zero);
  check("kevent() on a kqueue kevent64() used: EINVAL", n == -1 && errno == EINVAL, errno);

  /* Direct receive, dispatched. */
  struct {
    mach_msg_header_t h;
    mach_msg_trailer_t t;
  } buf;
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ADD | EV_DISPATCH, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 0, (uint64_t)(uintptr_t)&buf, sizeof buf);
  n = kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  check("EV_ADD on the knote there changes its receive options", n == 0, errno);
  send_id(port, 76);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("but not its flags: still EV_CLEAR, no EV_DISPATCH", n == 1 && buf.h.msgh_id == 76 && (ev[0].flags & EV_CLEAR) && !(ev[0].flags & EV_DISPATCH), ev[0].flags);
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_DELETE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ADD | EV_DISPATCH, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 0, (uint64_t)(uintptr_t)&buf, sizeof buf);
  n = kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  check("a new knote with EV_DISPATCH", n == 0, errno);
  send_id(port, 77);
  send_id(port, 78);
  memset(&buf, 0, sizeof buf);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("MACH_RCV_MSG: the message is received into ext[0], fflags its mach_msg_return_t", n == 1 && ev[0].fflags == MACH_MSG_SUCCESS && buf.h.msgh_id == 77 && ev[0].data == 0,
        (int)ev[0].fflags);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("EV_DISPATCH: disabled once delivered, though a message waits", n == 0, errno);
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ENABLE, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY, 0, 0, (uint64_t)(uintptr_t)&buf, 16);
  n = kevent64(kq, &c, 1, ev, 4, 0, &zero);
  check("EV_ENABLE with a buffer too small: MACH_RCV_TOO_LARGE, ext[1] the size needed, data the port",
        n == 1 && ev[0].fflags == MACH_RCV_TOO_LARGE && ev[0].ext[1] == sizeof(mach_msg_header_t) && ev[0].data == port, (int)ev[0].fflags);
  check("MACH_RCV_LARGE left the message queued", drain() == 1, 0);

  /* kevent() has no ext: MACH_RCV_MSG there has no buffer, so the message is lost to MACH_RCV_INVALID_DATA. */
  int kq32 = kqueue();
  struct kevent k1;
  EV_SET(&k1, pset, EVFILT_MACHPORT, EV_ADD, MACH_RCV_MSG, 0, NULL);
  (void)kevent(kq32, &k1, 1, NULL, 0, NULL);
  send_id(port, 79);
  n = kevent(kq32, NULL, 0, &k1, 1, &zero);
  check("MACH_RCV_MSG with no buffer: MACH_RCV_INVALID_DATA, the message destroyed", n == 1 && k1.fflags == MACH_RCV_INVALID_DATA && drain() == 0, (int)k1.fflags);
  close(kq32);

  /* Waiting. */
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ENABLE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  int64_t t0 = ms_now();
  struct timespec thirty = {0, 30 * 1000000};
  n = kevent64(kq, NULL, 0, ev, 4, 0, &thirty);
  check("a 30 ms timeout with nothing to deliver: 0 after about 30 ms", n == 0 && ms_now() - t0 >= 25, (int)(ms_now() - t0));
  int64_t waited = wait_for(0, ev);
  check("a wait with no timeout ends when a message comes", waited >= 40 && ev[0].data == port, (int)waited);
  drain();
  fd_set r;
  FD_ZERO(&r);
  FD_SET(kq, &r);
  struct timeval tv = {0, 0};
  check("select() finds a kqueue with a port set's knote readable", select(kq + 1, &r, NULL, NULL, &tv) == 1, errno);

  /* A pipe beside the port set: the wait takes turns and still ends at once. */
  pipe(pipefd);
  EV_SET64(&c, pipefd[0], EVFILT_READ, EV_ADD, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, &zero);
  check("an empty pipe: nothing", n == 0, errno);
  waited = wait_for(1, ev);
  check("a write to the pipe ends a wait that also watches the port set", waited >= 40 && waited < 1000 && ev[0].filter == EVFILT_READ && ev[0].data == 1, (int)waited);
  (void)!write(pipefd[1], "yyyy", 4);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("EVFILT_READ's data: the bytes there", n == 1 && ev[0].data == 5, (int)ev[0].data);
  close(pipefd[1]);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("the writer gone: EV_EOF", n == 1 && (ev[0].flags & EV_EOF), ev[0].flags);
  EV_SET64(&c, pipefd[0], EVFILT_READ, EV_DELETE, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, &zero);
  check("EV_DELETE: the pipe's knote goes", n == 0, errno);

  /* xnu-3248's add-and-trigger bug, unless MACHIPC_FIXES asks for the later behaviour. */
  const char *fixes = getenv("MACHIPC_FIXES");
  int fixed = fixes && strstr(fixes, "kqueueAddTrigger");
  EV_SET64(&c, 8, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, &zero);
  check(fixed ? "EV_ADD with NOTE_TRIGGER fires (MACHIPC_FIXES=kqueueAddTrigger)" : "EV_ADD with NOTE_TRIGGER does not fire, as in xnu-3248",
        fixed ? n == 1 && ev[0].ident == 8 && ev[0].filter == EVFILT_USER : n == 0, n);
  EV_SET64(&c, 8, EVFILT_USER, EV_DELETE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);

  /* User events and timers. */
  EV_SET64(&c, 9, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  waited = wait_for(2, ev);
  check("NOTE_TRIGGER from another thread ends the wait; NOTE_FFCOPY's flags delivered", waited >= 40 && ev[0].filter == EVFILT_USER && ev[0].fflags == 0x21, (int)ev[0].fflags);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("EV_CLEAR: a user event is delivered once per trigger", n == 0, errno);
  EV_SET64(&c, 9, EVFILT_USER, EV_DELETE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_DISABLE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  EV_SET64(&c, 3, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_USECONDS, 20000, 0, 0, 0);
  t0 = ms_now();
  n = kevent64(kq, &c, 1, ev, 4, 0, NULL);
  check("a one-shot 20 ms timer (NOTE_USECONDS) fires once, counting one pop", n == 1 && ev[0].filter == EVFILT_TIMER && ev[0].data == 1 && ms_now() - t0 >= 15, (int)ev[0].data);
  EV_SET64(&c, 3, EVFILT_TIMER, EV_DELETE, 0, 0, 0, 0, 0);
  n = kevent64(kq, &c, 1, ev, 4, 0, &zero);
  check("EV_ONESHOT: the knote went with its event", n == 1 && ev[0].data == ENOENT, (int)ev[0].data);

  /* The port set destroyed under its knote: EV_EOF, once. */
  EV_SET64(&c, pset, EVFILT_MACHPORT, EV_ENABLE, 0, 0, 0, 0, 0);
  (void)kevent64(kq, &c, 1, NULL, 0, 0, NULL);
  mach_port_mod_refs(self, pset, MACH_PORT_RIGHT_PORT_SET, -1);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("a destroyed port set: EV_EOF", n == 1 && (ev[0].flags & EV_EOF) && ev[0].data == 0, ev[0].flags);
  n = kevent64(kq, NULL, 0, ev, 4, 0, &zero);
  check("and then the knote is gone", n == 0, errno);

  /* A kqueue closed under a kevent waiting in it (on a port set alone) ends that kevent with EBADF. */
  mach_port_t set2;
  mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set2);
  closing_kq = kqueue();
  EV_SET64(&c, set2, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  (void)kevent64(closing_kq, &c, 1, NULL, 0, 0, NULL);
  pthread_t waiter;
  pthread_create(&waiter, NULL, wait_in_closing, NULL);
  usleep(50000);
  t0 = ms_now();
  close(closing_kq);
  pthread_join(waiter, NULL);
  check("closing a kqueue ends the kevent waiting in it: EBADF", closing_result == -1 && closing_errno == EBADF && ms_now() - t0 < 1000, closing_errno);
  int again = kqueue();
  EV_SET64(&c, set2, EVFILT_MACHPORT, EV_ADD, 0, 0, 0, 0, 0);
  check("a new kqueue in the closed one's place starts empty", again >= 0 && kevent64(again, NULL, 0, ev, 4, 0, &zero) == 0 && kevent64(again, &c, 1, NULL, 0, 0, NULL) == 0, errno);
  close(again);
  mach_port_mod_refs(self, set2, MACH_PORT_RIGHT_PORT_SET, -1);

  pid_t child = fork();
  if (child == 0) _exit(kevent64(kq, NULL, 0, ev, 1, 0, &zero) == -1 && errno == EBADF ? 0 : 1);
  int st = 0;
  waitpid(child, &st, 0);
  check("a fork's child does not inherit the kqueue: EBADF", WIFEXITED(st) && WEXITSTATUS(st) == 0, st);
  close(kq);
  check("kevent on a closed kqueue: EBADF", kevent64(kq, NULL, 0, ev, 1, 0, &zero) == -1 && errno == EBADF, errno);
  return failures ? 1 : 0;
}
