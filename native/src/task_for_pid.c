/*
 * task_for_pid, task_name_for_pid and pid_for_task: BSD's Mach traps 45, 44
 * and 46 (osfmk/kern/syscall_sw.c), carried by TRAP_ARGS. The out word is
 * written whatever the answer, as the traps copy it out.
 */
#include "internal.h"

static kern_return_t word_trap(uint32_t which, const uint64_t *args, uint32_t argc, uint32_t *out) {
  uint64_t slot = *out;
  kern_return_t kr = machipc_trap_args(which, args, argc, &slot, 1);
  *out = (uint32_t)slot;
  return kr;
}

kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t) {
  uint64_t a[2] = {target_tport, (uint64_t)(int64_t)pid};
  uint32_t out = MACH_PORT_NULL;
  kern_return_t kr = word_trap(TRAP_TASK_FOR_PID, a, 2, &out);
  *t = out;
  return kr;
}

kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *tn) {
  uint64_t a[2] = {target_tport, (uint64_t)(int64_t)pid};
  uint32_t out = MACH_PORT_NULL;
  kern_return_t kr = word_trap(TRAP_TASK_NAME_FOR_PID, a, 2, &out);
  *tn = out;
  return kr;
}

kern_return_t pid_for_task(mach_port_name_t t, int *x) {
  uint64_t a[1] = {t};
  uint32_t out = (uint32_t)-1;
  kern_return_t kr = word_trap(TRAP_PID_FOR_TASK, a, 1, &out);
  *x = (int)out;
  return kr;
}
