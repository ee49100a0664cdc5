/*
 * Mach timers: mk_timer_create / destroy / arm / cancel are traps 91-94
 * themselves (libsystem has no wrappers around them), carried by TRAP_ARGS.
 * The kernel sends the expiry message; cancel's armed time is copied out here.
 */
#include "internal.h"

#include <mach/mk_timer.h>

mach_port_name_t mk_timer_create(void) {
  kern_return_t r = machipc_trap_args(TRAP_MK_TIMER_CREATE, NULL, 0, NULL, 0);
  /* The trap answers a name, never an error: a failed connection is no timer. */
  return r == MACH_SEND_INVALID_DEST ? MACH_PORT_NULL : (mach_port_name_t)r;
}

kern_return_t mk_timer_destroy(mach_port_name_t name) {
  uint64_t a[] = {name};
  return machipc_trap_args(TRAP_MK_TIMER_DESTROY, a, 1, NULL, 0);
}

kern_return_t mk_timer_arm(mach_port_name_t name, uint64_t expire_time) {
  uint64_t a[] = {name, expire_time};
  return machipc_trap_args(TRAP_MK_TIMER_ARM, a, 2, NULL, 0);
}

kern_return_t mk_timer_cancel(mach_port_name_t name, uint64_t *result_time) {
  uint64_t a[] = {name, (uint64_t)(uintptr_t)result_time};
  uint64_t armed = 0;
  kern_return_t kr = machipc_trap_args(TRAP_MK_TIMER_CANCEL, a, 2, &armed, 1);
  /* A bad result_time is KERN_FAILURE (the copyout), the timer cancelled all the same, as in XNU. */
  if (kr == KERN_SUCCESS && result_time && !machipc_copyout(result_time, &armed, sizeof armed)) return KERN_FAILURE;
  return kr;
}
