/*
 * thread_switch, swtch and swtch_pri (mach_trap_table 61, 60, 59). They change
 * nothing the IPC kernel holds: xnu-3248 checks the option, takes the thread
 * name only as a handoff hint (a name that is not a thread of ours is ignored,
 * never an error), then blocks the caller for a yield or a timed wait. So the
 * library does that to the calling thread itself, as mach_wait_until does.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/thread_switch.h>
#include <sched.h>
#include <time.h>

/* The private options of xnu-3248's <mach/thread_switch.h> (libdispatch and os_lock pass them). */
enum { OPTION_DISPATCH_CONTENTION = 3, OPTION_OSLOCK_DEPRESS = 4, OPTION_OSLOCK_WAIT = 5 };

kern_return_t thread_switch(mach_port_name_t thread_name, int option, mach_msg_timeout_t option_time) {
  (void)thread_name;
  long long unit_ns = 1000000; /* option_time is in milliseconds... */
  int wait = 0;
  switch (option) {
  case SWITCH_OPTION_NONE:
  case SWITCH_OPTION_DEPRESS:
  case OPTION_OSLOCK_DEPRESS:
    break;
  case SWITCH_OPTION_WAIT:
  case OPTION_OSLOCK_WAIT:
    wait = 1;
    break;
  case OPTION_DISPATCH_CONTENTION:
    unit_ns = 1000; /* ...except for dispatch contention, in microseconds */
    wait = 1;
    break;
  default:
    return KERN_INVALID_ARGUMENT;
  }
  if (wait && option_time != 0) {
    /* assert_wait_timeout(THREAD_ABORTSAFE): a signal ends the wait early, and the trap still succeeds. */
    long long ns = (long long)option_time * unit_ns;
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    nanosleep(&ts, NULL);
  } else {
    /* A depression lasts only until the thread runs again: one yield. */
    sched_yield();
  }
  return KERN_SUCCESS;
}

/*
 * swtch and swtch_pri answer whether other threads are waiting for the processor; the library cannot
 * see the scheduler's run queues, so it yields and answers FALSE, what XNU answers on an idle processor.
 */
boolean_t swtch(void) {
  sched_yield();
  return FALSE;
}

boolean_t swtch_pri(int pri) {
  (void)pri;
  sched_yield();
  return FALSE;
}
