/*
 * Threads as macOS makes them: every pthread of a task is a Mach thread from its creation
 * (bsdthread_create makes the kernel thread before pthread_create returns), so task_threads
 * counts it and pthread_mach_thread_np names it at once; when it ends, its Mach thread ends
 * (its connection closes) and the names libpthread held for it go.
 *
 * pthread_create is interposed (the real one is found with dlsym(RTLD_NEXT)): the new thread
 * connects and joins the task before the program's start routine runs, and pthread_create returns
 * once it has. A thread that cannot connect (no server, the server's thread limit) runs all the
 * same, without a Mach thread, as a thread did before its first Mach call.
 *
 * The np calls of Darwin's <pthread.h>: pthread_mach_thread_np (the thread's kernel port name,
 * whose reference libpthread holds), pthread_from_mach_thread_np, pthread_threadid_np (the
 * kernel's thread_id, as THREAD_IDENTIFIER_INFO gives it), pthread_main_np and the stack's
 * pthread_get_stackaddr_np (its top) and pthread_get_stacksize_np.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mach/thread_info.h>

struct reg {
  struct reg *next;
  pthread_t thread;
  mach_port_t name;
  int ended; /* its name was given up; kept, as libpthread keeps a pthread_t's port until the thread is joined */
};

/* Ended threads remembered at most (a newer thread with the same pthread_t takes its entry over). */
enum { ENDED_KEPT = 64 };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg *g_regs;
static pthread_key_t g_exit_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static create_fn g_real_create;

/* The calling thread's kernel port name, recorded once (one user reference, libpthread's). */
int pthread_main_np(void);
static void once(void);

static mach_port_t register_self(void) {
  pthread_once(&g_once, once);
  pthread_t me = pthread_self();
  pthread_mutex_lock(&g_lock);
  for (struct reg **p = &g_regs; *p; p = &(*p)->next)
    if (pthread_equal((*p)->thread, me)) {
      struct reg *r = *p;
      if (r->ended) {
        /* An ended thread's pthread_t, reused for this one. */
        *p = r->next;
        free(r);
        break;
      }
      pthread_mutex_unlock(&g_lock);
      return r->name;
    }
  pthread_mutex_unlock(&g_lock);
  if (!machipc_have_task() || machipc_connect_quietly() < 0) return MACH_PORT_NULL;
  mach_port_t name = mach_thread_self();
  struct reg *r = malloc(sizeof *r);
  if (!r || name == MACH_PORT_NULL) {
    free(r);
    return name;
  }
  r->thread = me;
  r->name = name;
  r->ended = 0;
  pthread_mutex_lock(&g_lock);
  r->next = g_regs;
  g_regs = r;
  pthread_mutex_unlock(&g_lock);
  /* Its end undoes this; the main thread's connection is the task's own and lasts as long as the process. */
  if (!pthread_main_np()) (void)pthread_setspecific(g_exit_key, (void *)1);
  return name;
}

/* A thread this library started is ending: its names, MIG reply port and connections go. */
static void thread_ending(void *unused) {
  (void)unused;
  pthread_t me = pthread_self();
  mach_port_t name = MACH_PORT_NULL;
  int kept = 0;
  pthread_mutex_lock(&g_lock);
  for (struct reg **p = &g_regs; *p;) {
    struct reg *r = *p;
    if (pthread_equal(r->thread, me) && !r->ended) {
      name = r->name;
      r->ended = 1;
    }
    if (r->ended && ++kept > ENDED_KEPT) {
      *p = r->next;
      free(r);
      continue;
    }
    p = &r->next;
  }
  pthread_mutex_unlock(&g_lock);
  if (machipc_thread_fd() >= 0) {
    machipc_mig_reply_thread_exit();
    if (name != MACH_PORT_NULL) (void)mach_port_deallocate(mach_task_self(), name);
  }
  machipc_ool_thread_exit();
  machipc_thread_exit();
}

static void forked_child(void) {
  /* The parent's threads and names are not the child's; its one thread registers again when asked. */
  for (struct reg *r = g_regs, *n; r; r = n) {
    n = r->next;
    free(r);
  }
  g_regs = NULL;
  pthread_mutex_init(&g_lock, NULL);
}

static void once(void) {
  g_real_create = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
  (void)pthread_key_create(&g_exit_key, thread_ending);
  (void)pthread_atfork(NULL, NULL, forked_child);
}

struct start {
  void *(*fn)(void *);
  void *arg;
  sem_t joined;
};

static void *trampoline(void *p) {
  struct start *s = p;
  void *(*fn)(void *) = s->fn;
  void *arg = s->arg;
  /* Joined (or not: no server) before pthread_create returns, as bsdthread_create makes the thread. */
  (void)register_self();
  sem_post(&s->joined);
  return fn(arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
  pthread_once(&g_once, once);
  if (!g_real_create) return EAGAIN;
  if (!machipc_have_task()) return g_real_create(thread, attr, fn, arg);
  struct start *s = malloc(sizeof *s);
  if (!s) return EAGAIN;
  s->fn = fn;
  s->arg = arg;
  sem_init(&s->joined, 0, 0);
  int e = g_real_create(thread, attr, trampoline, s);
  if (e == 0)
    while (sem_wait(&s->joined) != 0 && errno == EINTR) {}
  sem_destroy(&s->joined);
  free(s);
  return e;
}

mach_port_t pthread_mach_thread_np(pthread_t t) {
  pthread_once(&g_once, once);
  if (pthread_equal(t, pthread_self())) return register_self();
  pthread_mutex_lock(&g_lock);
  mach_port_t name = MACH_PORT_NULL;
  for (struct reg *r = g_regs; r; r = r->next)
    if (pthread_equal(r->thread, t)) name = r->name;
  pthread_mutex_unlock(&g_lock);
  return name;
}

pthread_t pthread_from_mach_thread_np(mach_port_t name) {
  pthread_once(&g_once, once);
  pthread_t t = 0;
  pthread_mutex_lock(&g_lock);
  for (struct reg *r = g_regs; r; r = r->next)
    if (r->name == name && !r->ended) t = r->thread;
  pthread_mutex_unlock(&g_lock);
  return t;
}

int pthread_threadid_np(pthread_t t, uint64_t *id) {
  if (!id) return EINVAL;
  mach_port_t name = pthread_mach_thread_np(t ? t : pthread_self());
  if (name == MACH_PORT_NULL) return ESRCH;
  struct thread_identifier_info info;
  mach_msg_type_number_t count = THREAD_IDENTIFIER_INFO_COUNT;
  if (thread_info(name, THREAD_IDENTIFIER_INFO, (thread_info_t)&info, &count) != KERN_SUCCESS) return ESRCH;
  *id = info.thread_id;
  return 0;
}

int pthread_main_np(void) { return getpid() == (pid_t)syscall(SYS_gettid); }

static int stack_of(pthread_t t, void **base, size_t *size) {
  pthread_attr_t a;
  if (pthread_getattr_np(t, &a) != 0) return -1;
  int r = pthread_attr_getstack(&a, base, size);
  pthread_attr_destroy(&a);
  return r;
}

void *pthread_get_stackaddr_np(pthread_t t) {
  void *base;
  size_t size;
  /* Darwin's answer is the stack's top: it grows down from there. */
  return stack_of(t, &base, &size) == 0 ? (char *)base + size : NULL;
}

size_t pthread_get_stacksize_np(pthread_t t) {
  void *base;
  size_t size;
  return stack_of(t, &base, &size) == 0 ? size : 0;
}
