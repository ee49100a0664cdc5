/*
 * clock_sleep and its trap (62): the calling thread sleeps on the system clock
 * until an absolute or relative time. The kernel answers the clock's time at
 * the wake-up, which is copied out unless the answer is KERN_INVALID_ARGUMENT
 * or KERN_FAILURE (a bad address there is ignored, as XNU ignores copyout's
 * result).
 */
#include "internal.h"

kern_return_t clock_sleep_trap(mach_port_name_t clock_name, sleep_type_t sleep_type, int sleep_sec, int sleep_nsec, mach_timespec_t *wakeup_time) {
  uint64_t a[] = {clock_name, (uint64_t)(int64_t)sleep_type, (uint64_t)(int64_t)sleep_sec, (uint64_t)(int64_t)sleep_nsec,
                  (uint64_t)(uintptr_t)wakeup_time};
  uint64_t woke = 0;
  kern_return_t kr = machipc_trap_args(TRAP_CLOCK_SLEEP, a, 5, &woke, 1);
  /* The slot is the mach_timespec_t's 8 bytes: tv_sec, then tv_nsec. */
  if (kr != KERN_INVALID_ARGUMENT && kr != KERN_FAILURE && kr != MACH_SEND_INVALID_DEST) (void)machipc_copyout(wakeup_time, &woke, sizeof woke);
  return kr;
}

kern_return_t clock_sleep(mach_port_t clock_name, int clock_type, mach_timespec_t sleep_time, mach_timespec_t *wake_time) {
  return clock_sleep_trap(clock_name, clock_type, (int)sleep_time.tv_sec, sleep_time.tv_nsec, wake_time);
}
