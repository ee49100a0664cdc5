/*
 * task_info of a task that is this process reports what the process has used as Linux counts it:
 * sizes that grow when memory is touched, CPU time that grows with work (the live threads' in
 * TASK_THREAD_TIMES_INFO, a thread that has ended in the basic infos), faults and context switches;
 * thread_info of a thread reports that thread's times, state and name (the Linux thread the server
 * knows it as), and its scheduling as thread_info_internal does.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

enum { TOUCHED = 8 << 20 };

static volatile unsigned long sink;

/* About 50 ms of user time. */
static void spin(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  do {
    for (int i = 0; i < 100000; i++) sink += (unsigned long)i * i;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 50000000L);
}

static void *worker(void *arg) {
  (void)arg;
  spin();
  return NULL;
}

static uint64_t us(time_value_t t) { return (uint64_t)t.seconds * 1000000u + (uint64_t)t.microseconds; }

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;
static thread_act_t sleeper_port;

/* Names itself, works about 50 ms, then sleeps until told to end. */
static void *sleeper(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "usage-sleeper");
  sleeper_port = mach_thread_self();
  spin();
  pthread_mutex_lock(&lock);
  stage = 1;
  pthread_cond_broadcast(&cond);
  while (stage != 2) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void thread_checks(void) {
  pthread_t th;
  pthread_create(&th, NULL, sleeper, NULL);
  pthread_mutex_lock(&lock);
  while (stage != 1) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  usleep(20000);
  thread_basic_info_data_t b;
  mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
  kern_return_t kr = thread_info(sleeper_port, THREAD_BASIC_INFO, (thread_info_t)&b, &n);
  check("THREAD_BASIC_INFO of another thread: its own 50 ms of work", kr == KERN_SUCCESS && us(b.user_time) + us(b.system_time) >= 30000 &&
        us(b.user_time) + us(b.system_time) < 5000000, kr);
  check("...asleep it is TH_STATE_WAITING, timeshare, not suspended, its cpu_usage within TH_USAGE_SCALE", b.run_state == TH_STATE_WAITING &&
        b.policy == POLICY_TIMESHARE && b.suspend_count == 0 && b.cpu_usage >= 0 && b.cpu_usage <= TH_USAGE_SCALE, 0);
  thread_extended_info_data_t x;
  n = THREAD_EXTENDED_INFO_COUNT;
  kr = thread_info(sleeper_port, THREAD_EXTENDED_INFO, (thread_info_t)&x, &n);
  check("THREAD_EXTENDED_INFO: its name, priorities and times (nanoseconds)", kr == KERN_SUCCESS && n == THREAD_EXTENDED_INFO_COUNT &&
        strcmp(x.pth_name, "usage-sleeper") == 0 && x.pth_priority == 31 && x.pth_curpri == 31 && x.pth_maxpriority == 63 &&
        x.pth_user_time + x.pth_system_time >= 30000000u && x.pth_run_state == TH_STATE_WAITING, kr);
  thread_t me = mach_thread_self();
  n = THREAD_BASIC_INFO_COUNT;
  kr = thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&b, &n);
  check("THREAD_BASIC_INFO of the calling thread: TH_STATE_RUNNING, as on macOS (it is in the call)", kr == KERN_SUCCESS && b.run_state == TH_STATE_RUNNING, kr);
  mach_port_deallocate(mach_task_self(), me);
  policy_timeshare_info_data_t ts;
  n = POLICY_TIMESHARE_INFO_COUNT;
  kr = thread_info(sleeper_port, THREAD_SCHED_TIMESHARE_INFO, (thread_info_t)&ts, &n);
  check("THREAD_SCHED_TIMESHARE_INFO: base and current 31, maximum 63, not depressed", kr == KERN_SUCCESS && ts.base_priority == 31 &&
        ts.cur_priority == 31 && ts.max_priority == 63 && !ts.depressed && ts.depress_priority == -1, kr);
  policy_rr_info_data_t rr;
  n = POLICY_RR_INFO_COUNT;
  kr = thread_info(sleeper_port, THREAD_SCHED_RR_INFO, (thread_info_t)&rr, &n);
  check("THREAD_SCHED_RR_INFO of a timeshare thread: KERN_INVALID_POLICY", kr == KERN_INVALID_POLICY, kr);
  n = POLICY_FIFO_INFO_COUNT;
  kr = thread_info(sleeper_port, THREAD_SCHED_FIFO_INFO, (thread_info_t)&rr, &n);
  check("THREAD_SCHED_FIFO_INFO: KERN_INVALID_POLICY", kr == KERN_INVALID_POLICY, kr);
  n = THREAD_BASIC_INFO_COUNT - 1;
  kr = thread_info(sleeper_port, THREAD_BASIC_INFO, (thread_info_t)&b, &n);
  check("a count short of the structure: KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  n = 4;
  kr = thread_info(sleeper_port, THREAD_DEBUG_INFO_INTERNAL, (thread_info_t)&b, &n);
  check("THREAD_DEBUG_INFO_INTERNAL on a RELEASE kernel: KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  pthread_mutex_lock(&lock);
  stage = 2;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
  pthread_join(th, NULL);
  mach_port_deallocate(mach_task_self(), sleeper_port);
}


static int basic(struct mach_task_basic_info *b) {
  mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
  return task_info(mach_task_self(), MACH_TASK_BASIC_INFO, (task_info_t)b, &n) == KERN_SUCCESS && n == MACH_TASK_BASIC_INFO_COUNT;
}

static int absolute(task_absolutetime_info_data_t *a) {
  mach_msg_type_number_t n = TASK_ABSOLUTETIME_INFO_COUNT;
  return task_info(mach_task_self(), TASK_ABSOLUTETIME_INFO, (task_info_t)a, &n) == KERN_SUCCESS;
}

int main(void) {
  struct mach_task_basic_info b0, b1, b2;
  check("MACH_TASK_BASIC_INFO: sizes are the process's, not zero", basic(&b0) && b0.virtual_size >= b0.resident_size && b0.resident_size > 0 &&
        b0.resident_size_max >= b0.resident_size && b0.suspend_count == 0, 0);
  unsigned char *p = mmap(NULL, TOUCHED, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  check("...the virtual size grows with a mapping", basic(&b1) && b1.virtual_size >= b0.virtual_size + TOUCHED, 0);
  memset(p, 1, TOUCHED);
  check("...the resident size and its peak with the pages touched", basic(&b2) && b2.resident_size >= b1.resident_size + TOUCHED / 2 &&
        b2.resident_size_max >= b2.resident_size, 0);
  munmap(p, TOUCHED);

  task_absolutetime_info_data_t a0, a1;
  task_thread_times_info_data_t t0, t1;
  mach_msg_type_number_t n = TASK_THREAD_TIMES_INFO_COUNT;
  int ok = absolute(&a0) && task_info(mach_task_self(), TASK_THREAD_TIMES_INFO, (task_info_t)&t0, &n) == KERN_SUCCESS;
  spin();
  n = TASK_THREAD_TIMES_INFO_COUNT;
  ok = ok && absolute(&a1) && task_info(mach_task_self(), TASK_THREAD_TIMES_INFO, (task_info_t)&t1, &n) == KERN_SUCCESS;
  uint64_t grew = (a1.total_user + a1.total_system) - (a0.total_user + a0.total_system);
  check("TASK_ABSOLUTETIME_INFO: 50 ms of work shows in the process's time (ns)", ok && grew >= 30000000u && grew < 5000000000u, 0);
  check("...neither part goes back", a1.total_user >= a0.total_user && a1.total_system >= a0.total_system && a1.threads_user >= a0.threads_user, 0);
  check("...the live threads' part is within the total", a1.threads_user <= a1.total_user && a1.threads_system <= a1.total_system, 0);
  check("TASK_THREAD_TIMES_INFO: the live threads' time grew too", us(t1.user_time) + us(t1.system_time) >= us(t0.user_time) + us(t0.system_time) + 30000, 0);

  /* A thread that ends takes its time into the basic infos' (task->total_user_time's) part. */
  pthread_t th;
  check("a thread that works and ends", pthread_create(&th, NULL, worker, NULL) == 0 && pthread_join(th, NULL) == 0, 0);
  struct mach_task_basic_info b3;
  check("MACH_TASK_BASIC_INFO: its time is the ended threads' (about 50 ms, at 10 ms ticks)", basic(&b3) &&
        us(b3.user_time) + us(b3.system_time) >= 20000 && us(b3.user_time) + us(b3.system_time) < 5000000, 0);

  task_events_info_data_t ev;
  n = TASK_EVENTS_INFO_COUNT;
  check("TASK_EVENTS_INFO: faults and context switches are counted", task_info(mach_task_self(), TASK_EVENTS_INFO, (task_info_t)&ev, &n) == KERN_SUCCESS &&
        ev.faults >= TOUCHED / 2 / 4096 && ev.csw > 0, 0);
  /* The next task_info is one mach_msg trap (mig_get_reply_port's port is made): its request and the
     last call's reply are sent (ipc_kmsg_send to a kernel object, ipc_mqueue_post), that reply received. */
  task_events_info_data_t ev2;
  n = TASK_EVENTS_INFO_COUNT;
  check("TASK_EVENTS_INFO: a task_info is one trap, two messages sent and one received", task_info(mach_task_self(), TASK_EVENTS_INFO, (task_info_t)&ev2, &n) == KERN_SUCCESS &&
        ev2.messages_sent == ev.messages_sent + 2 && ev2.messages_received == ev.messages_received + 1 && ev2.syscalls_mach == ev.syscalls_mach + 1 &&
        ev.syscalls_mach > 0 && ev2.syscalls_unix == 0, 0);
  task_vm_info_data_t vm;
  n = TASK_VM_INFO_COUNT;
  check("TASK_VM_INFO: sizes, regions and the anonymous part", task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&vm, &n) == KERN_SUCCESS &&
        vm.virtual_size > 0 && vm.region_count > 3 && vm.resident_size > 0 && vm.resident_size_peak >= vm.resident_size && vm.internal > 0 &&
        vm.internal <= vm.resident_size && vm.page_size == 4096, 0);
  task_power_info_data_t pw;
  n = TASK_POWER_INFO_COUNT;
  check("TASK_POWER_INFO: the process's CPU time", task_info(mach_task_self(), TASK_POWER_INFO, (task_info_t)&pw, &n) == KERN_SUCCESS &&
        pw.total_user + pw.total_system >= a1.total_user + a1.total_system, 0);
  thread_checks();
  return failures ? 1 : 0;
}
