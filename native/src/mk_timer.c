/*
 * mk_timer_create, _destroy, _arm and _cancel: Mach traps 91-94 (osfmk/kern/syscall_sw.c),
 * carried by TRAP_ARGS. Create answers the new name as the trap's value; cancel's deadline is
 * written only where the caller asked, and only on success, as the trap copies it out.
 */
#include "internal.h"

#include <mach/mk_timer.h>

mach_port_name_t mk_timer_create(void) {
  if (machipc_connect_thread() < 0) return MACH_PORT_NULL;
  return (mach_port_name_t)machipc_trap_args(TRAP_MK_TIMER_CREATE, NULL, 0, NULL, 0);
}

kern_return_t mk_timer_destroy(mach_port_name_t name) {
  uint64_t a[1] = {name};
  return machipc_trap_args(TRAP_MK_TIMER_DESTROY, a, 1, NULL, 0);
}

kern_return_t mk_timer_arm(mach_port_name_t name, uint64_t expire_time) {
  uint64_t a[2] = {name, expire_time};
  return machipc_trap_args(TRAP_MK_TIMER_ARM, a, 2, NULL, 0);
}

kern_return_t mk_timer_cancel(mach_port_name_t name, uint64_t *result_time) {
  uint64_t a[2] = {name, (uint64_t)(uintptr_t)result_time};
  uint64_t armed = 0;
  kern_return_t kr = machipc_trap_args(TRAP_MK_TIMER_CANCEL, a, 2, &armed, 1);
  if (kr == KERN_SUCCESS && result_time) *result_time = armed;
  return kr;
}
