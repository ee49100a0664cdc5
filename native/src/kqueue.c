/*
 * kqueue, kevent and kevent64 (BSD's event queue, bsd/kern/kern_event.c in xnu-3248) on top of
 * Linux's epoll, with EVFILT_MACHPORT for the served kernel's port sets.
 *
 * A kqueue is an epoll descriptor: file descriptors (EVFILT_READ / EVFILT_WRITE), timers (one
 * timerfd each) and an eventfd that EVFILT_USER's triggers write are registered in it, so a thread
 * waiting in kevent wakes for any of them, and select() or poll() on the kqueue sees them.
 *
 * close() is interposed so that closing a kqueue ends the kevent calls waiting in it (EBADF).
 *
 * EVFILT_MACHPORT is evaluated as filt_machport does, when kevent processes the knote: a receive
 * that never waits on the port set, directly into ext[0] (size ext[1]) when fflags asks for
 * MACH_RCV_MSG, else one that only learns which member port holds a message (data). A Mach port
 * set is no descriptor Linux can wait on, so a kevent that must wait for one port set and nothing
 * else waits in a receive on it (MACH_RCV_LARGE leaves the message queued for the knote); one that
 * waits for several sources waits on each port set in turn for at most SLICE_MS and polls the rest
 * between, and select() on the kqueue finds it readable (docs/kqueue.md). The register and process order, the flags a delivered event carries,
 * EV_ONESHOT / EV_DISPATCH / EV_CLEAR, and the errors (EINVAL, EBADF, ENOENT, ENOTSUP, EV_ERROR
 * events, EV_RECEIPT) are kern_event.c's.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* How long a wait for several sources stays in one port set's receive before looking at the others. */
enum { SLICE_MS = 2 };
/* A wait in one port set's receive looks up this often, to see its kqueue closed. */
enum { CLOSE_NOTICE_MS = 100 };
/* The port sets a wait takes turns on (more are still delivered, only found later). */
enum { MAX_SETS_WAITED = 64 };
/* Knotes per kqueue: every one holds a little memory and maybe a timerfd. */
enum { MAX_KNOTES = 4096 };
/* The epoll tags: what a ready registration is. */
enum { TAG_FD = 1, TAG_TIMER = 2, TAG_WAKE = 3 };
/* kevent() and kevent64() may not be mixed on one kqueue (kern_event.c's KQ_KEV32 / KQ_KEV64). */
enum { KIND_NONE, KIND_32, KIND_64 };

/* The receive options filt_machport honours. */
#define MACHPORT_OPTIONS (MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY | MACH_RCV_TRAILER_MASK | MACH_RCV_VOUCHER)

struct knote {
  struct knote *next;
  struct kevent64_s kev; /* as registered; data, fflags and ext[1] are the filter's current state */
  uint32_t sfflags;      /* the saved filter flags (kn_sfflags) */
  int64_t sdata;         /* the saved data (kn_sdata) */
  int disabled;
  int active;            /* EVFILT_USER: triggered; EVFILT_READ/WRITE: epoll said ready at the last look */
  uint32_t revents;      /* EVFILT_READ/WRITE: the epoll events seen */
  int64_t last;          /* EVFILT_READ/WRITE with EV_CLEAR: the data last delivered (-1: none) */
  int tfd;               /* EVFILT_TIMER: its timerfd */
  dev_t dev;             /* EVFILT_READ/WRITE: the file the descriptor named at EV_ADD */
  ino_t ino;
};

struct kq {
  struct kq *next;
  int refs;    /* kevent calls using it (g_lock): a closed kqueue is freed by the last */
  int dead;    /* closed: kevent calls in it end with EBADF */
  int fd;      /* the epoll descriptor the program holds */
  int ep;      /* this library's own descriptor of the same epoll, which the program's close() leaves open */
  int wakefd;  /* eventfd: EVFILT_USER triggers */
  int kind;
  int nknotes;
  unsigned rotor;
  pthread_mutex_t lock;
  struct knote *knotes;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kq *g_kqs;
/* How many kqueues exist, read without the lock by raw_close() on every descriptor. */
static atomic_int g_nkqs;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The C library's close: this file's own descriptors bypass the interposed raw_close() below (which takes g_lock). */
static int raw_close(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "close");
  return real ? real(fd) : (int)syscall(SYS_close, fd);
}

static uint64_t tag(int kind, int v) { return ((uint64_t)kind << 32) | (uint32_t)v; }

/* A fork's child: kqueues are not inherited (kern_event.c's fdcopy drops them). */
static void kq_forked(void) {
  for (struct kq *q = g_kqs, *n; q; q = n) {
    n = q->next;
    for (struct knote *k = q->knotes, *kn; k; k = kn) {
      kn = k->next;
      if (k->kev.filter == EVFILT_TIMER) raw_close(k->tfd);
      free(k);
    }
    raw_close(q->fd);
    raw_close(q->ep);
    raw_close(q->wakefd);
    free(q);
  }
  g_kqs = NULL;
  atomic_store(&g_nkqs, 0);
  pthread_mutex_init(&g_lock, NULL);
}

static void kq_once(void) { pthread_atfork(NULL, NULL, kq_forked); }

static void wake(struct kq *q);

static void knote_free(struct kq *q, struct knote *k) {
  if (k->kev.filter == EVFILT_TIMER) raw_close(k->tfd);
  free(k);
  q->nknotes--;
}

static void kq_free(struct kq *q) {
  for (struct knote *k = q->knotes, *n; k; k = n) {
    n = k->next;
    knote_free(q, k);
  }
  raw_close(q->wakefd);
  raw_close(q->ep);
  pthread_mutex_destroy(&q->lock);
  free(q);
}

/* Takes the kqueue of descriptor `fd` out of the table (g_lock held); the last kevent in it frees it. */
static void kq_retire_locked(int fd) {
  for (struct kq **p = &g_kqs; *p; p = &(*p)->next)
    if ((*p)->fd == fd) {
      struct kq *old = *p;
      *p = old->next;
      atomic_fetch_sub(&g_nkqs, 1);
      old->dead = 1;
      if (old->refs == 0) kq_free(old);
      else wake(old);
      return;
    }
}

int kqueue(void) {
  pthread_once(&g_once, kq_once);
  struct kq *q = calloc(1, sizeof *q);
  if (!q) return errno = ENOMEM, -1;
  q->fd = epoll_create1(0);
  q->ep = q->fd >= 0 ? fcntl(q->fd, F_DUPFD_CLOEXEC, 0) : -1;
  q->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(TAG_WAKE, 0)};
  if (q->fd < 0 || q->ep < 0 || q->wakefd < 0 || epoll_ctl(q->ep, EPOLL_CTL_ADD, q->wakefd, &ev) < 0) {
    int e = errno;
    if (q->fd >= 0) raw_close(q->fd);
    if (q->ep >= 0) raw_close(q->ep);
    if (q->wakefd >= 0) raw_close(q->wakefd);
    free(q);
    return errno = e, -1;
  }
  pthread_mutex_init(&q->lock, NULL);
  pthread_mutex_lock(&g_lock);
  /* A kqueue closed without raw_close() (dup2 over it, a raw syscall) left its record: the new descriptor's replaces it. */
  kq_retire_locked(q->fd);
  q->next = g_kqs;
  g_kqs = q;
  atomic_fetch_add(&g_nkqs, 1);
  pthread_mutex_unlock(&g_lock);
  return q->fd;
}

/*
 * raw_close() of any descriptor: a kqueue's ends the kevent calls waiting in it (EBADF, as closing a
 * kqueue wakes its waiters in XNU) and frees it once they are gone.
 */
int close(int fd) {
  if (atomic_load(&g_nkqs) > 0) {
    pthread_mutex_lock(&g_lock);
    kq_retire_locked(fd);
    pthread_mutex_unlock(&g_lock);
  }
  return raw_close(fd);
}

/* The kqueue `fd` names, locked; NULL (EBADF) when it names none. */
static struct kq *kq_lookup(int fd) {
  char link[32], path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = fd < 0 ? -1 : readlink(path, link, sizeof link - 1);
  if (n < 0) return NULL;
  link[n] = 0;
  /* The number may have been closed and reused by some other file since kqueue() made it. */
  if (strcmp(link, "anon_inode:[eventpoll]") != 0) return NULL;
  pthread_mutex_lock(&g_lock);
  struct kq *q = g_kqs;
  while (q && q->fd != fd) q = q->next;
  if (q) q->refs++;
  pthread_mutex_unlock(&g_lock);
  if (q) pthread_mutex_lock(&q->lock);
  return q;
}

/* The kevent call is done with q (unlocks it); a kqueue closed meanwhile is freed by the last one out. */
static void kq_release(struct kq *q) {
  pthread_mutex_unlock(&q->lock);
  pthread_mutex_lock(&g_lock);
  if (--q->refs == 0 && q->dead) kq_free(q);
  pthread_mutex_unlock(&g_lock);
}

static int is_fd_filter(int16_t f) { return f == EVFILT_READ || f == EVFILT_WRITE; }

/* The epoll registration of descriptor `fd`: what its READ and WRITE knotes want together. */
static int fd_reregister(struct kq *q, int fd) {
  uint32_t want = 0;
  for (struct knote *k = q->knotes; k; k = k->next) {
    if (!is_fd_filter(k->kev.filter) || (int)k->kev.ident != fd) continue;
    want |= k->kev.filter == EVFILT_READ ? EPOLLIN | EPOLLRDHUP : EPOLLOUT;
  }
  struct epoll_event ev = {.events = want, .data.u64 = tag(TAG_FD, fd)};
  if (!want) {
    (void)epoll_ctl(q->ep, EPOLL_CTL_DEL, fd, &ev);
    return 0;
  }
  if (epoll_ctl(q->ep, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
  if (errno == ENOENT && epoll_ctl(q->ep, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
  /* A regular file cannot be polled by epoll; like BSD's, it is always readable and writable. */
  return errno == EPERM ? 0 : -1;
}

static int timer_arm(struct knote *k) {
  uint64_t mult;
  switch (k->sfflags & (NOTE_SECONDS | NOTE_USECONDS | NOTE_NSECONDS)) {
  case NOTE_SECONDS: mult = 1000000000ull; break;
  case NOTE_USECONDS: mult = 1000ull; break;
  case NOTE_NSECONDS: mult = 1ull; break;
  case 0: mult = 1000000ull; break;
  default: return EINVAL;
  }
  uint64_t raw = (uint64_t)k->sdata;
  uint64_t ns = raw > UINT64_MAX / mult ? UINT64_MAX : raw * mult;
  if (ns > (uint64_t)INT64_MAX) ns = INT64_MAX;
  struct itimerspec it = {0};
  int flags = 0;
  if (k->sfflags & NOTE_ABSOLUTE) {
    /* A deadline in the calendar's time, once (filt_timerattach makes it EV_ONESHOT). */
    k->kev.flags |= EV_ONESHOT;
    flags = TFD_TIMER_ABSTIME;
    it.it_value.tv_sec = (time_t)(ns / 1000000000ull);
    it.it_value.tv_nsec = (long)(ns % 1000000000ull);
    if (ns == 0) it.it_value.tv_nsec = 1;
  } else if (ns == 0) {
    /* No interval: it has fired already, once (filt_timerattach's "fake immediate"). */
    it.it_value.tv_nsec = 1;
  } else {
    it.it_value.tv_sec = (time_t)(ns / 1000000000ull);
    it.it_value.tv_nsec = (long)(ns % 1000000000ull);
    it.it_interval = (k->kev.flags & EV_ONESHOT) ? (struct timespec){0, 0} : it.it_value;
  }
  /* A timer with a deadline counts its pops and is cleared as it is read (EV_CLEAR, as filt_timerattach sets). */
  if (ns != 0 || (k->sfflags & NOTE_ABSOLUTE)) k->kev.flags |= EV_CLEAR;
  k->kev.data = 0;
  if (timerfd_settime(k->tfd, flags, &it, NULL) < 0) return errno;
  return 0;
}

/* EVFILT_USER's touch at register: trigger, and the fflags operation. */
static void user_touch(struct knote *k, const struct kevent64_s *c) {
  if (c->fflags & NOTE_TRIGGER) k->active = 1;
  uint32_t ff = c->fflags & NOTE_FFLAGSMASK;
  switch (c->fflags & NOTE_FFCTRLMASK) {
  case NOTE_FFAND: k->sfflags &= ff; break;
  case NOTE_FFOR: k->sfflags |= ff; break;
  case NOTE_FFCOPY: k->sfflags = ff; break;
  default: break;
  }
  k->sdata = c->data;
}

/* filt_machportattach: the name must be a port set of this task. */
static int machport_attach(uint64_t ident) {
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), (mach_port_name_t)ident, &type);
  if (kr == KERN_INVALID_NAME) return ENOENT;
  if (kr != KERN_SUCCESS || !(type & MACH_PORT_TYPE_PORT_SET)) return ENOTSUP;
  return 0;
}

static void wake(struct kq *q) {
  uint64_t one = 1;
  (void)!write(q->wakefd, &one, sizeof one);
}

/* kevent_register: one change. Returns 0 or an errno. */
static int kq_register(struct kq *q, struct kevent64_s *c) {
  int16_t f = c->filter;
  if (f >= 0 || f + EVFILT_SYSCOUNT < 0) return EINVAL;
  struct stat st;
  if (is_fd_filter(f) && (c->ident > INT_MAX || fstat((int)c->ident, &st) < 0)) return EBADF;
  struct knote *k = q->knotes, **prev = &q->knotes;
  for (; k; prev = &k->next, k = k->next) {
    if (k->kev.ident != c->ident || k->kev.filter != f) continue;
    if (is_fd_filter(f) && (k->dev != st.st_dev || k->ino != st.st_ino)) continue;
    if (c->flags & EV_UDATA_SPECIFIC) {
      if ((k->kev.flags & EV_UDATA_SPECIFIC) && k->kev.udata == c->udata) break;
    } else if (!(k->kev.flags & EV_UDATA_SPECIFIC)) {
      break;
    }
  }
  if (!k) {
    if ((c->flags & (EV_ADD | EV_DELETE)) != EV_ADD) return ENOENT;
    if (f != EVFILT_READ && f != EVFILT_WRITE && f != EVFILT_TIMER && f != EVFILT_USER && f != EVFILT_MACHPORT) return ENOTSUP;
    if (q->nknotes >= MAX_KNOTES) return ENOMEM;
    if (f == EVFILT_MACHPORT) {
      int e = machport_attach(c->ident);
      if (e) return e;
    }
    k = calloc(1, sizeof *k);
    if (!k) return ENOMEM;
    k->kev = *c;
    k->kev.fflags = 0;
    k->kev.data = 0;
    k->sfflags = c->fflags;
    k->sdata = c->data;
    k->disabled = (c->flags & EV_DISABLE) != 0;
    k->last = -1;
    k->tfd = -1;
    if (is_fd_filter(f)) {
      k->dev = st.st_dev;
      k->ino = st.st_ino;
    }
    /*
     * xnu-3248's filt_userattach looks for NOTE_TRIGGER in the knote's fflags, which
     * kevent_register has just zeroed, so EV_ADD with NOTE_TRIGGER does not fire (rdar 28139044;
     * later kernels look at the saved fflags). Reproduced unless MACHIPC_FIXES has kqueueAddTrigger.
     */
    if (f == EVFILT_USER) k->active = (c->fflags & NOTE_TRIGGER) && machipc_fix("kqueueAddTrigger");
    if (f == EVFILT_TIMER) {
      /* NOTE_ABSOLUTE's deadline is in the calendar's time; an interval is not moved by clock changes. */
      k->tfd = timerfd_create((k->sfflags & NOTE_ABSOLUTE) ? CLOCK_REALTIME : CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
      if (k->tfd < 0) return free(k), errno;
      int e = timer_arm(k);
      struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(TAG_TIMER, k->tfd)};
      if (!e && epoll_ctl(q->ep, EPOLL_CTL_ADD, k->tfd, &ev) < 0) e = errno;
      if (e) return raw_close(k->tfd), free(k), e;
    }
    k->next = NULL;
    *prev = k;
    q->nknotes++;
    if (is_fd_filter(f) && fd_reregister(q, (int)c->ident) < 0) {
      int e = errno;
      *prev = NULL;
      knote_free(q, k);
      return e;
    }
    if (f == EVFILT_USER && k->active) wake(q);
    return 0;
  }
  if (c->flags & EV_DELETE) {
    *prev = k->next;
    int fd = (int)k->kev.ident;
    knote_free(q, k);
    if (is_fd_filter(f)) (void)fd_reregister(q, fd);
    return 0;
  }
  if (c->flags & EV_DISABLE) k->disabled = 1;
  else if (c->flags & EV_ENABLE) k->disabled = 0;
  k->kev.udata = c->udata;
  switch (f) {
  case EVFILT_READ:
  case EVFILT_WRITE:
    k->sfflags = c->fflags;
    k->sdata = c->data;
    break;
  case EVFILT_MACHPORT:
    k->sfflags = c->fflags;
    k->sdata = c->data;
    k->kev.ext[0] = c->ext[0];
    k->kev.ext[1] = c->ext[1];
    break;
  case EVFILT_USER:
    user_touch(k, c);
    if (k->active) wake(q);
    break;
  case EVFILT_TIMER: {
    k->sfflags = c->fflags;
    k->sdata = c->data;
    k->kev.ext[0] = c->ext[0];
    k->kev.ext[1] = c->ext[1];
    int e = timer_arm(k);
    /* filt_timertouch has no way to report the error but the knote itself. */
    if (e) {
      k->kev.flags |= EV_ERROR;
      k->kev.data = e;
    }
    break;
  }
  }
  return 0;
}

/* What epoll says is ready: marks fd knotes, counts timer pops, drains the wake-up. */
static void kq_refresh(struct kq *q) {
  for (struct knote *k = q->knotes; k; k = k->next)
    if (is_fd_filter(k->kev.filter)) k->active = 0, k->revents = 0;
  struct epoll_event evs[64];
  int n;
  do {
    n = epoll_wait(q->ep, evs, 64, 0);
    for (int i = 0; i < n; i++) {
      int kind = (int)(evs[i].data.u64 >> 32), v = (int)(uint32_t)evs[i].data.u64;
      if (kind == TAG_WAKE) {
        uint64_t x;
        (void)!read(q->wakefd, &x, sizeof x);
        continue;
      }
      for (struct knote *k = q->knotes; k; k = k->next) {
        if (kind == TAG_TIMER && k->kev.filter == EVFILT_TIMER && k->tfd == v) {
          uint64_t pops = 0;
          if (read(k->tfd, &pops, sizeof pops) == (ssize_t)sizeof pops) k->kev.data += (int64_t)pops;
        } else if (kind == TAG_FD && is_fd_filter(k->kev.filter) && (int)k->kev.ident == v) {
          uint32_t want = k->kev.filter == EVFILT_READ ? EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR : EPOLLOUT | EPOLLHUP | EPOLLERR;
          if (evs[i].events & want) k->active = 1, k->revents = evs[i].events;
        }
      }
    }
  } while (n == 64);
}

/* EVFILT_READ / EVFILT_WRITE: whether the descriptor is ready, and its data (bytes to read, room to write). */
static int fd_event(struct knote *k, struct kevent64_s *out) {
  int fd = (int)k->kev.ident;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_dev != k->dev || st.st_ino != k->ino) return -1; /* closed: the knote goes */
  int64_t data = 0;
  int eof = 0;
  if (S_ISREG(st.st_mode)) {
    off_t at = lseek(fd, 0, SEEK_CUR);
    data = k->kev.filter == EVFILT_READ ? (at >= 0 && st.st_size > at ? st.st_size - at : 0) : 0;
    k->active = k->kev.filter == EVFILT_WRITE || data > 0;
  } else {
    if (!k->active) return 0;
    int n = 0;
    if (k->kev.filter == EVFILT_READ) {
      eof = (k->revents & (EPOLLRDHUP | EPOLLHUP)) != 0;
      data = ioctl(fd, FIONREAD, &n) == 0 ? n : 1;
    } else {
      eof = (k->revents & (EPOLLHUP | EPOLLERR)) != 0;
      int sz = 0;
      socklen_t len = sizeof sz;
      if (S_ISSOCK(st.st_mode) && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, &len) == 0 && ioctl(fd, SIOCOUTQ, &n) == 0) data = sz > n ? sz - n : 0;
      else if (S_ISFIFO(st.st_mode) && (sz = fcntl(fd, F_GETPIPE_SZ)) > 0 && ioctl(fd, FIONREAD, &n) == 0) data = sz > n ? sz - n : 0;
      else data = 1;
    }
  }
  if (!k->active && !eof) return 0;
  if (k->kev.filter == EVFILT_READ && (k->sfflags & NOTE_LOWAT) && data < k->sdata && !eof) return 0;
  /* EV_CLEAR: reported again only once the state has moved on since the last report. */
  if ((k->kev.flags & EV_CLEAR) && data == k->last && !eof) return 0;
  k->last = data;
  *out = k->kev;
  out->data = data;
  out->fflags = 0;
  if (eof) out->flags |= EV_EOF;
  return 1;
}

/*
 * A direct receive with no buffer (ext[0] 0, as kevent() without ext gives): XNU receives the
 * message and fails to copy it out, so it is destroyed and fflags is MACH_RCV_INVALID_DATA.
 */
static int machport_to_nowhere(struct knote *k, struct kevent64_s *out, mach_msg_option_t option, mach_msg_size_t size) {
  /* Room past size for what a too-large receive writes there (a bare header and the largest trailer). */
  mach_msg_header_t *tmp = malloc((size > sizeof *tmp ? size : sizeof *tmp) + sizeof(mach_msg_max_trailer_t));
  if (!tmp) return 0;
  mach_msg_return_t mr = mach_msg(tmp, (option & ~(MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY)) | MACH_RCV_TIMEOUT, 0, size, (mach_port_name_t)k->kev.ident, 0, MACH_PORT_NULL);
  if (mr == MACH_MSG_SUCCESS) mach_msg_destroy(tmp);
  free(tmp);
  if (mr == MACH_RCV_TIMED_OUT) return 0;
  k->kev.data = MACH_PORT_NULL;
  k->kev.fflags = MACH_RCV_INVALID_DATA;
  *out = k->kev;
  if (k->kev.flags & EV_CLEAR) k->kev.data = 0, k->kev.fflags = 0;
  return 1;
}

/* filt_machport, then its touch for EVENT_PROCESS. */
static int machport_event(struct knote *k, struct kevent64_s *out) {
  mach_port_name_t name = (mach_port_name_t)k->kev.ident;
  mach_msg_option_t option = k->sfflags & MACHPORT_OPTIONS;
  mach_msg_return_t mr;
  if (option & MACH_RCV_MSG) {
    mach_msg_header_t *buf = (mach_msg_header_t *)(uintptr_t)k->kev.ext[0];
    mach_msg_size_t size = (mach_msg_size_t)k->kev.ext[1];
    if (!buf) return machport_to_nowhere(k, out, option, size);
    mr = mach_msg(buf, option | MACH_RCV_TIMEOUT, 0, size, name, 0, MACH_PORT_NULL);
    if (mr == MACH_RCV_TIMED_OUT) return 0;
    if (mr == MACH_RCV_INVALID_NAME) goto eof;
    k->kev.data = MACH_PORT_NULL;
    k->kev.fflags = (uint32_t)mr;
    /* The size the message needs, left queued (MACH_RCV_LARGE); else ext[1] stays what was asked. */
    if (mr == MACH_RCV_TOO_LARGE && (option & MACH_RCV_LARGE)) {
      k->kev.ext[1] = buf->msgh_size;
      if (option & MACH_RCV_LARGE_IDENTITY) k->kev.data = buf->msgh_local_port;
    }
  } else {
    /* Only the name of the port with a message: a header-sized buffer is too small for any message and its trailer. */
    mach_msg_header_t h = {0};
    mr = mach_msg(&h, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY | MACH_RCV_TIMEOUT, 0, sizeof h, name, 0, MACH_PORT_NULL);
    if (mr == MACH_RCV_TIMED_OUT) return 0;
    if (mr != MACH_RCV_TOO_LARGE) goto eof;
    k->kev.data = h.msgh_local_port;
  }
  *out = k->kev;
  if (k->kev.flags & EV_CLEAR) k->kev.data = 0, k->kev.fflags = 0;
  return 1;
eof:
  /* The name no longer names the port set: EV_EOF, once. */
  k->kev.data = 0;
  k->kev.flags |= EV_EOF | EV_ONESHOT;
  *out = k->kev;
  return 1;
}

/* One knote's event, if it has one: 1 (in *out), 0, or -1 when the knote must silently go. */
static int knote_event(struct knote *k, struct kevent64_s *out) {
  switch (k->kev.filter) {
  case EVFILT_READ:
  case EVFILT_WRITE:
    return fd_event(k, out);
  case EVFILT_MACHPORT:
    return machport_event(k, out);
  case EVFILT_USER:
    if (!k->active) return 0;
    *out = k->kev;
    out->fflags = k->sfflags;
    out->data = k->sdata;
    if (k->kev.flags & EV_CLEAR) k->active = 0;
    return 1;
  case EVFILT_TIMER:
    if (k->kev.data == 0 && !(k->kev.flags & EV_ERROR)) return 0;
    *out = k->kev;
    out->ext[0] = 0;
    k->kev.data = 0;
    k->kev.flags &= ~EV_ERROR;
    return 1;
  }
  return 0;
}

/* kqueue_scan's pass: up to n events of enabled knotes, with EV_ONESHOT and EV_DISPATCH applied. */
static int kq_collect(struct kq *q, struct kevent64_s *events, int n) {
  kq_refresh(q);
  int got = 0;
  for (struct knote **p = &q->knotes, *k; got < n && (k = *p);) {
    if (k->disabled) {
      p = &k->next;
      continue;
    }
    int r = knote_event(k, &events[got]);
    if (r < 0 || (r > 0 && (k->kev.flags & EV_ONESHOT))) {
      if (r > 0) got++;
      *p = k->next;
      int fd = (int)k->kev.ident, isfd = is_fd_filter(k->kev.filter);
      knote_free(q, k);
      if (isfd) (void)fd_reregister(q, fd);
      continue;
    }
    if (r > 0) {
      got++;
      if (k->kev.flags & EV_DISPATCH) k->disabled = 1;
    }
    p = &k->next;
  }
  return got;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Wait (with q unlocked) until something may have become ready or `deadline` (CLOCK_MONOTONIC ns;
 * -1 forever) passes. The Mach port sets among the enabled knotes decide how.
 */
static void kq_wait(struct kq *q, int64_t deadline) {
  mach_port_name_t sets[MAX_SETS_WAITED];
  int nsets = 0, others = 0;
  for (struct knote *k = q->knotes; k; k = k->next) {
    if (k->kev.filter == EVFILT_USER) others = 1;
    if (k->disabled) continue;
    if (k->kev.filter == EVFILT_MACHPORT) {
      if (nsets < MAX_SETS_WAITED) sets[nsets] = (mach_port_name_t)k->kev.ident;
      nsets++;
    } else {
      others = 1;
    }
  }
  int64_t left = deadline < 0 ? -1 : deadline - now_ns();
  if (deadline >= 0 && left <= 0) return;
  int ms = left < 0 ? -1 : (int)((left + 999999) / 1000000 > INT_MAX ? INT_MAX : (left + 999999) / 1000000);
  mach_port_name_t set = nsets ? sets[q->rotor++ % (unsigned)(nsets < MAX_SETS_WAITED ? nsets : MAX_SETS_WAITED)] : MACH_PORT_NULL;
  int fd = q->ep;
  pthread_mutex_unlock(&q->lock);
  if (!nsets) {
    struct epoll_event ev;
    (void)epoll_wait(fd, &ev, 1, ms);
  } else {
    int slice = (nsets == 1 && !others) ? (ms < 0 || ms > CLOSE_NOTICE_MS ? CLOSE_NOTICE_MS : ms) : (ms < 0 || ms > SLICE_MS ? SLICE_MS : ms);
    mach_msg_header_t h = {0};
    mach_msg_option_t opt = MACH_RCV_MSG | MACH_RCV_LARGE | (slice >= 0 ? MACH_RCV_TIMEOUT : 0);
    (void)mach_msg(&h, opt, 0, sizeof h, set, slice < 0 ? 0 : (mach_msg_timeout_t)slice, MACH_PORT_NULL);
  }
  pthread_mutex_lock(&q->lock);
}

static int kevent_common(int fd, const struct kevent64_s *changes, int nchanges, struct kevent64_s *events, int nevents, unsigned flags,
                         const struct timespec *timeout, int kind) {
  int64_t deadline = -1;
  if (flags & KEVENT_FLAG_IMMEDIATE) {
    deadline = 0;
  } else if (timeout) {
    if ((uint64_t)timeout->tv_sec >> 32 || timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000) return errno = EINVAL, -1;
    deadline = now_ns() + (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
  }
  struct kq *q = kq_lookup(fd);
  if (!q) return errno = EBADF, -1;
  if (q->kind != KIND_NONE && q->kind != kind) {
    kq_release(q);
    return errno = EINVAL, -1;
  }
  q->kind = kind;
  int out = 0;
  for (int i = 0; i < nchanges; i++) {
    struct kevent64_s c = changes[i];
    c.flags &= ~EV_SYSFLAGS;
    int e = kq_register(q, &c);
    if (e || (c.flags & EV_RECEIPT)) {
      if (nevents - out <= 0) {
        if (!e) continue;
        kq_release(q);
        return errno = e, -1;
      }
      c.flags = EV_ERROR;
      c.data = e;
      events[out++] = c;
    }
  }
  if (flags & KEVENT_FLAG_ERROR_EVENTS) nevents = out;
  if (out == 0 && nevents > 0) {
    for (;;) {
      out = kq_collect(q, events, nevents);
      if (out > 0 || deadline == 0 || (deadline > 0 && now_ns() >= deadline)) break;
      kq_wait(q, deadline);
      if (q->dead) {
        kq_release(q);
        return errno = EBADF, -1;
      }
    }
  }
  /*
   * No descriptor becomes readable when a port set gets a message, so while the kqueue has a
   * Mach knote it stays readable: select() or poll() on it returns at once and kevent does the
   * waiting, rather than select() sleeping through the message. Disabled ones count too: a port
   * set's knote stays on XNU's queue when disabled (KN_STAYQUEUED), and kqueue_select peeks at it.
   */
  for (struct knote *k = q->knotes; k; k = k->next)
    if (k->kev.filter == EVFILT_MACHPORT) {
      wake(q);
      break;
    }
  kq_release(q);
  return out;
}

int kevent64(int kq, const struct kevent64_s *changelist, int nchanges, struct kevent64_s *eventlist, int nevents, unsigned int flags,
             const struct timespec *timeout) {
  if (nchanges < 0 || nevents < 0) return errno = EINVAL, -1;
  return kevent_common(kq, changelist, nchanges, eventlist, nevents, flags, timeout, KIND_64);
}

int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist, int nevents, const struct timespec *timeout) {
  if (nchanges < 0 || nevents < 0) return errno = EINVAL, -1;
  struct kevent64_s *c = nchanges ? calloc((size_t)nchanges, sizeof *c) : NULL;
  struct kevent64_s *e = nevents ? calloc((size_t)nevents, sizeof *e) : NULL;
  if ((nchanges && !c) || (nevents && !e)) return free(c), free(e), errno = ENOMEM, -1;
  for (int i = 0; i < nchanges; i++)
    c[i] = (struct kevent64_s){changelist[i].ident, changelist[i].filter, changelist[i].flags, changelist[i].fflags, changelist[i].data,
                               (uint64_t)(uintptr_t)changelist[i].udata, {0, 0}};
  int n = kevent_common(kq, c, nchanges, e, nevents, 0, timeout, KIND_32);
  for (int i = 0; i < n; i++)
    eventlist[i] = (struct kevent){(uintptr_t)e[i].ident, e[i].filter, e[i].flags, e[i].fflags, (intptr_t)e[i].data, (void *)(uintptr_t)e[i].udata};
  int saved = errno;
  free(c);
  free(e);
  errno = saved;
  return n;
}
