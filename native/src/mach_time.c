/*
 * mach_absolute_time and its timebase: nanoseconds of the monotonic clock,
 * with a 1/1 timebase as Intel Macs report it, so code that scales by
 * numer/denom gets nanoseconds.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <time.h>

uint64_t mach_absolute_time(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mach_approximate_time(void) {
#ifdef CLOCK_MONOTONIC_COARSE
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0) return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
  return mach_absolute_time();
}

kern_return_t mach_timebase_info(mach_timebase_info_t info) {
  info->numer = 1;
  info->denom = 1;
  return KERN_SUCCESS;
}

/* mach_wait_until: sleep until the absolute time `deadline`; a signal ends the wait early with KERN_ABORTED. */
kern_return_t mach_wait_until(uint64_t deadline) {
  struct timespec ts = {(time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull)};
  int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
  return r == 0 ? KERN_SUCCESS : r == EINTR ? KERN_ABORTED : KERN_INVALID_ARGUMENT;
}

/* libsystem_kernel's stub for trap -89, which programs declare themselves (the SDK does not): the same timebase. */
kern_return_t mach_timebase_info_trap(mach_timebase_info_t info);
kern_return_t mach_timebase_info_trap(mach_timebase_info_t info) { return mach_timebase_info(info); }
