/*
 * The task subsystem's user prototypes. Until the generated header replaces
 * this one, the routines libmachipc has stubs for are declared here.
 */
#ifndef _task_user_
#define _task_user_
#include <machipc/mach.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
kern_return_t task_set_exception_ports(task_t task, exception_mask_t exception_mask, mach_port_t new_port, exception_behavior_t behavior,
                                       thread_state_flavor_t new_flavor);
kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port);
MACHIPC_END_DECLS
#endif
