/*
 * Threads as macOS makes them: a task's pthread is a Mach thread before pthread_create returns
 * (task_threads counts it though it made no Mach call), pthread_mach_thread_np names it and
 * pthread_from_mach_thread_np finds it, pthread_threadid_np is the kernel's thread id, and when
 * it ends its Mach thread, names and connection go with it.
 */
#include <mach/mach.h>
#include <pthread.h>
#include <dirent.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

enum { N = 3 };
static pthread_barrier_t ready, done;
static mach_port_t seen[N];
static int main_np[N];

static int thread_count(void) {
  thread_act_array_t list;
  mach_msg_type_number_t n = 0;
  if (task_threads(mach_task_self(), &list, &n) != KERN_SUCCESS) return -1;
  for (mach_msg_type_number_t i = 0; i < n; i++) mach_port_deallocate(mach_task_self(), list[i]);
  vm_deallocate(mach_task_self(), (vm_address_t)list, n * sizeof list[0]);
  return (int)n;
}

static int name_count(void) {
  mach_port_name_array_t names;
  mach_port_type_array_t types;
  mach_msg_type_number_t n = 0, tn = 0;
  if (mach_port_names(mach_task_self(), &names, &n, &types, &tn) != KERN_SUCCESS) return -1;
  vm_deallocate(mach_task_self(), (vm_address_t)names, n * sizeof names[0]);
  vm_deallocate(mach_task_self(), (vm_address_t)types, tn * sizeof types[0]);
  return (int)n;
}

static int fd_count(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

static void *worker(void *arg) {
  long i = (long)arg;
  pthread_barrier_wait(&ready); /* main counts the threads now: none of us has made a Mach call */
  pthread_barrier_wait(&ready);
  mach_port_t me = mach_thread_self();
  seen[i] = me;
  mach_port_deallocate(mach_task_self(), me);
  main_np[i] = pthread_main_np();
  pthread_barrier_wait(&done);
  return NULL;
}

static void *nothing(void *arg) { return arg; }

static int settles(int (*count)(void), int want) {
  for (int i = 0; i < 200; i++) {
    if (count() == want) return 1;
    usleep(10000);
  }
  return 0;
}

int main(void) {
  int names0 = name_count(), fds0 = fd_count();
  check("pthread_main_np in main: 1", pthread_main_np() == 1, 0);
  mach_port_t self = mach_thread_self();
  check("the main thread's pthread_mach_thread_np is its mach_thread_self", pthread_mach_thread_np(pthread_self()) == self, 0);
  mach_port_deallocate(mach_task_self(), self);
  names0 = name_count();

  pthread_t t[N];
  pthread_barrier_init(&ready, NULL, N + 1);
  pthread_barrier_init(&done, NULL, N + 1);
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&ready);
  check("task_threads counts every pthread before it makes a Mach call", thread_count() == N + 1, 0);
  int named = 1, back = 1;
  for (int i = 0; i < N; i++) {
    mach_port_t p = pthread_mach_thread_np(t[i]);
    named &= p != MACH_PORT_NULL;
    back &= pthread_equal(pthread_from_mach_thread_np(p), t[i]) != 0;
  }
  check("pthread_mach_thread_np names each at once", named, 0);
  check("pthread_from_mach_thread_np finds each by that name", back, 0);
  thread_basic_info_data_t bi;
  mach_msg_type_number_t cnt = THREAD_BASIC_INFO_COUNT;
  kern_return_t kr = thread_info(pthread_mach_thread_np(t[0]), THREAD_BASIC_INFO, (thread_info_t)&bi, &cnt);
  check("thread_info on that name", kr == KERN_SUCCESS, kr);
  uint64_t id = 0;
  struct thread_identifier_info ii;
  cnt = THREAD_IDENTIFIER_INFO_COUNT;
  kr = thread_info(pthread_mach_thread_np(t[1]), THREAD_IDENTIFIER_INFO, (thread_info_t)&ii, &cnt);
  check("pthread_threadid_np is the kernel's thread_id", kr == KERN_SUCCESS && pthread_threadid_np(t[1], &id) == 0 && id == ii.thread_id && id != 0, kr);
  uint64_t mine = 0;
  check("pthread_threadid_np(0) is the caller's, another's", pthread_threadid_np(0, &mine) == 0 && mine != 0 && mine != id, 0);
  mach_port_t np[N];
  for (int i = 0; i < N; i++) np[i] = pthread_mach_thread_np(t[i]);
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&done);
  int same = 1;
  for (int i = 0; i < N; i++) same &= seen[i] == np[i] && main_np[i] == 0;
  check("a thread's own mach_thread_self is the name pthread_mach_thread_np gave; pthread_main_np there is 0", same, 0);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  check("ended threads leave task_threads", settles(thread_count, 1), 0);

  for (int i = 0; i < 100; i++) {
    pthread_t s;
    pthread_create(&s, NULL, nothing, NULL);
    pthread_join(s, NULL);
  }
  check("a hundred short threads: no Mach thread stays", settles(thread_count, 1), 0);
  check("nor a name in the task", name_count() == names0, name_count());
  check("nor a descriptor in the process", fd_count() == fds0, fd_count());

  void *top = pthread_get_stackaddr_np(pthread_self());
  size_t size = pthread_get_stacksize_np(pthread_self());
  int local = 0;
  check("the stack's top and size hold a local", size > 0 && (char *)&local < (char *)top && (char *)&local > (char *)top - size, 0);
  return failures ? 1 : 0;
}
