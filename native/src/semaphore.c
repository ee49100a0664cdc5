/*
 * Semaphores: signal and wait are traps (the server answers a wait when it
 * ends; only this thread's connection waits), as libsystem's semaphore.c
 * makes them. semaphore_create and semaphore_destroy are task routines
 * (the generated stubs of native/src/gen/task_user.c).
 */
#include "internal.h"

static kern_return_t trap(uint32_t which, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint32_t argc) {
  uint64_t a[] = {a0, a1, a2, a3};
  return machipc_trap_args(which, a, argc, NULL, 0);
}

kern_return_t semaphore_signal_trap(mach_port_name_t signal_name) { return trap(TRAP_SEMAPHORE_SIGNAL, signal_name, 0, 0, 0, 1); }
kern_return_t semaphore_signal_all_trap(mach_port_name_t signal_name) { return trap(TRAP_SEMAPHORE_SIGNAL_ALL, signal_name, 0, 0, 0, 1); }
kern_return_t semaphore_signal_thread_trap(mach_port_name_t signal_name, mach_port_name_t thread_name) {
  return trap(TRAP_SEMAPHORE_SIGNAL_THREAD, signal_name, thread_name, 0, 0, 2);
}
kern_return_t semaphore_wait_trap(mach_port_name_t wait_name) { return trap(TRAP_SEMAPHORE_WAIT, wait_name, 0, 0, 0, 1); }
kern_return_t semaphore_wait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name) {
  return trap(TRAP_SEMAPHORE_WAIT_SIGNAL, wait_name, signal_name, 0, 0, 2);
}
kern_return_t semaphore_timedwait_trap(mach_port_name_t wait_name, unsigned int sec, clock_res_t nsec) {
  return trap(TRAP_SEMAPHORE_TIMEDWAIT, wait_name, sec, (uint64_t)(int64_t)nsec, 0, 3);
}
kern_return_t semaphore_timedwait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name, unsigned int sec, clock_res_t nsec) {
  return trap(TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL, wait_name, signal_name, sec, (uint64_t)(int64_t)nsec, 4);
}

kern_return_t semaphore_signal(semaphore_t semaphore) { return semaphore_signal_trap(semaphore); }
kern_return_t semaphore_signal_all(semaphore_t semaphore) { return semaphore_signal_all_trap(semaphore); }
kern_return_t semaphore_signal_thread(semaphore_t semaphore, thread_t thread) { return semaphore_signal_thread_trap(semaphore, thread); }
kern_return_t semaphore_wait(semaphore_t semaphore) { return semaphore_wait_trap(semaphore); }
kern_return_t semaphore_timedwait(semaphore_t semaphore, mach_timespec_t wait_time) {
  return semaphore_timedwait_trap(semaphore, wait_time.tv_sec, wait_time.tv_nsec);
}
kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore, semaphore_t signal_semaphore, mach_timespec_t wait_time) {
  return semaphore_timedwait_signal_trap(wait_semaphore, signal_semaphore, wait_time.tv_sec, wait_time.tv_nsec);
}
kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore, semaphore_t signal_semaphore) {
  return semaphore_wait_signal_trap(wait_semaphore, signal_semaphore);
}
