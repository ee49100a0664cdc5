/*
 * <servers/bootstrap.h>: the bootstrap namespace, as launchd's liblaunch offers
 * it (launchd-842's bootstrap.h). The BOOTSTRAP_* numbers come from machipc's
 * src/abi/bootstrap.ts (machipc/constants.h); the calls are carried by the
 * bootstrap MIG subsystem (job.defs ids) to the server's launchd.
 */
#ifndef __BOOTSTRAP_H__
#define __BOOTSTRAP_H__
#include <sys/types.h>
#include <mach/mach.h>
#include <machipc/constants.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS

typedef char name_t[BOOTSTRAP_MAX_NAME_LEN];
typedef char cmd_t[BOOTSTRAP_MAX_CMD_LEN];
typedef name_t *name_array_t;
typedef int bootstrap_status_t;
typedef bootstrap_status_t *bootstrap_status_array_t;
typedef unsigned int bootstrap_property_t;
typedef bootstrap_property_t *bootstrap_property_array_t;
typedef boolean_t *bool_array_t;

/*
 * A service name is a NUL-terminated string (at most BOOTSTRAP_MAX_NAME_LEN - 1
 * bytes are sent). The parameters are `const char *`, not launchd's `name_t`:
 * the same ABI, and no -Wstringop-overread / -Wstringop-overflow from GCC when
 * a caller passes a string literal shorter than a name_t.
 */

/* The process's bootstrap port (TASK_BOOTSTRAP_PORT), set when the process becomes a task. */
extern mach_port_t bootstrap_port;

kern_return_t bootstrap_check_in(mach_port_t bp, const char *service_name, mach_port_t *sp);
kern_return_t bootstrap_register(mach_port_t bp, const char *service_name, mach_port_t sp) __attribute__((deprecated));
kern_return_t bootstrap_look_up(mach_port_t bp, const char *service_name, mach_port_t *sp);
kern_return_t bootstrap_parent(mach_port_t bp, mach_port_t *parent_port);
kern_return_t bootstrap_create_service(mach_port_t bp, const char *service_name, mach_port_t *sp) __attribute__((deprecated));
kern_return_t bootstrap_status(mach_port_t bp, const char *service_name, bootstrap_status_t *service_active) __attribute__((deprecated));
const char *bootstrap_strerror(kern_return_t r) __attribute__((__nothrow__, __pure__, __warn_unused_result__));

/* The *2 calls of bootstrap_priv.h, with their flags (BOOTSTRAP_PER_PID_SERVICE...). */
kern_return_t bootstrap_check_in2(mach_port_t bp, const char *service_name, mach_port_t *sp, uint64_t flags);
kern_return_t bootstrap_register2(mach_port_t bp, const char *service_name, mach_port_t sp, uint64_t flags);
kern_return_t bootstrap_look_up2(mach_port_t bp, const char *service_name, mach_port_t *sp, pid_t target_pid, uint64_t flags);

MACHIPC_END_DECLS
#endif
