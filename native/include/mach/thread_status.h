/* Thread state: the machine's flavors and structures, and the flavor-list requests. */
#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_
#include <mach/machine/vm_types.h>
#include <mach/machine/thread_status.h>
#include <mach/machine/thread_state.h>

typedef natural_t *thread_state_t;
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];
typedef int thread_state_flavor_t;
typedef thread_state_flavor_t *thread_state_flavor_array_t;
#endif
