/*
 * The process's Mach globals, as Libsyscall's mach_init.c keeps them:
 * mach_task_self_ is the task's own port name, which <mach/mach_init.h>'s
 * mach_task_self() reads. It is set when the process becomes a task (HELLO
 * at load, FORK in a fork's or posix_spawn's child, ADOPT in the new image
 * after exec) and is MACH_PORT_NULL until then; bootstrap_port is set with it,
 * from TASK_BOOTSTRAP_PORT, as libsystem's start does.
 */
#include "internal.h"

#include <servers/bootstrap.h>

mach_port_t mach_task_self_ = MACH_PORT_NULL;

void machipc_task_started(void) {
  mach_task_self_ = task_self_trap();
  mach_port_t p = MACH_PORT_NULL;
  if (task_get_special_port(mach_task_self_, TASK_BOOTSTRAP_PORT, &p) == KERN_SUCCESS) bootstrap_port = p;
}

void machipc_task_forked(void) {
  mach_task_self_ = MACH_PORT_NULL;
  bootstrap_port = MACH_PORT_NULL;
}

/*
 * mach_legacy.c's function form, for code that calls it by address or was
 * built without the macro: the trap itself, each call a reference more, as
 * libsystem's does.
 */
#undef mach_task_self
mach_port_t mach_task_self(void);
mach_port_t mach_task_self(void) { return task_self_trap(); }
