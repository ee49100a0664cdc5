/*
 * The thread_act subsystem's user prototypes. Until the generated header
 * replaces this one, the routines libmachipc has stubs for are declared here.
 */
#ifndef _thread_act_user_
#define _thread_act_user_
#include <machipc/mach.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
kern_return_t thread_get_state(thread_act_t target_act, thread_state_flavor_t flavor, thread_state_t old_state, mach_msg_type_number_t *old_stateCnt);
kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor, thread_state_t new_state, mach_msg_type_number_t new_stateCnt);
MACHIPC_END_DECLS
#endif
