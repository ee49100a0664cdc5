/*
 * A watch on the machine's wall clock: a thread blocked on a timerfd armed
 * with TFD_TIMER_CANCEL_ON_SET, which the kernel cancels (read() fails with
 * ECANCELED) every time CLOCK_REALTIME is set, even to the time it already
 * had. Each set calls the JavaScript callback once; the watch ends with stop().
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/eventfd.h>
#include <sys/timerfd.h>

struct calendar_watch {
  int timer_fd;
  int stop_fd;
  pthread_t thread;
  napi_threadsafe_function tsfn;
  int running;
};

/* Armed far in the future: it never expires, it only gets cancelled. */
static int calendar_arm(int fd) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = (time_t)1 << 40;
  return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void *calendar_thread(void *arg) {
  struct calendar_watch *w = arg;
  for (;;) {
    struct pollfd fds[2] = {{w->timer_fd, POLLIN, 0}, {w->stop_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    if (!fds[0].revents) continue;
    uint64_t n;
    if (read(w->timer_fd, &n, sizeof n) < 0 && errno == ECANCELED) {
      napi_call_threadsafe_function(w->tsfn, NULL, napi_tsfn_nonblocking);
      if (calendar_arm(w->timer_fd) != 0) break;
    }
  }
  return NULL;
}

static void calendar_call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  (void)data;
  if (env == NULL || cb == NULL) return;
  napi_value undefined;
  if (napi_get_undefined(env, &undefined) != napi_ok) return;
  napi_call_function(env, undefined, cb, 0, NULL, NULL);
}

static void calendar_stop(struct calendar_watch *w) {
  if (!w->running) return;
  w->running = 0;
  uint64_t one = 1;
  if (write(w->stop_fd, &one, sizeof one) < 0) { /* the thread also ends when its descriptors close */ }
  pthread_join(w->thread, NULL);
  close(w->timer_fd);
  close(w->stop_fd);
  napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
}

static napi_value calendar_stop_js(napi_env env, napi_callback_info info) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, &data) != napi_ok) return NULL;
  calendar_stop(data);
  return NULL;
}

static void calendar_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct calendar_watch *w = data;
  calendar_stop(w);
  free(w);
}

napi_value machipc_watch_calendar(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "watchCalendar(onSet): onSet must be a function");
    return NULL;
  }
  struct calendar_watch *w = calloc(1, sizeof *w);
  if (!w) return addon_throw_errno(env, "watchCalendar", ENOMEM);
  w->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
  if (w->timer_fd < 0) {
    int e = errno;
    free(w);
    return addon_throw_errno(env, "timerfd_create(CLOCK_REALTIME)", e);
  }
  w->stop_fd = eventfd(0, EFD_CLOEXEC);
  if (w->stop_fd < 0 || calendar_arm(w->timer_fd) != 0) {
    int e = errno;
    if (w->stop_fd >= 0) close(w->stop_fd);
    close(w->timer_fd);
    free(w);
    return addon_throw_errno(env, "timerfd_settime(TFD_TIMER_CANCEL_ON_SET)", e);
  }
  napi_value name;
  napi_create_string_utf8(env, "machipc calendar watch", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, calendar_call_js, &w->tsfn) != napi_ok) {
    close(w->stop_fd);
    close(w->timer_fd);
    free(w);
    return NULL;
  }
  /* The watch alone does not keep the process alive. */
  napi_unref_threadsafe_function(env, w->tsfn);
  int e = pthread_create(&w->thread, NULL, calendar_thread, w);
  if (e != 0) {
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
    close(w->stop_fd);
    close(w->timer_fd);
    free(w);
    return addon_throw_errno(env, "pthread_create", e);
  }
  w->running = 1;
  napi_value handle, stop;
  if (napi_create_object(env, &handle) != napi_ok) return NULL;
  if (napi_create_function(env, "stop", NAPI_AUTO_LENGTH, calendar_stop_js, w, &stop) != napi_ok) return NULL;
  if (napi_set_named_property(env, handle, "stop", stop) != napi_ok) return NULL;
  if (napi_add_finalizer(env, handle, w, calendar_finalize, NULL, NULL) != napi_ok) return NULL;
  return handle;
}
#else
napi_value machipc_watch_calendar(napi_env env, napi_callback_info info) {
  (void)info;
  return addon_throw_errno(env, "watching the wall clock (timerfd, Linux only)", ENOSYS);
}
#endif
