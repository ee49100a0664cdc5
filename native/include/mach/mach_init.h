/*
 * The self ports and the process's Mach globals. mach_task_self() is fetched
 * from the server once per process, as libsystem caches mach_task_self_.
 */
#ifndef _MACH_INIT_
#define _MACH_INIT_ 1
#include <stdarg.h>
#include <mach/mach_types.h>
#include <mach/vm_page_size.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
extern mach_port_t mach_host_self(void);
extern mach_port_t mach_thread_self(void);
extern mach_port_t mach_task_self(void);
extern kern_return_t host_page_size(host_t, vm_size_t *);
MACHIPC_END_DECLS
#define mach_task_self_ (mach_task_self())
#define current_task() mach_task_self()

#include <mach/mach_traps.h>

MACHIPC_BEGIN_DECLS
extern mach_port_t bootstrap_port;
extern int (*vprintf_stderr_func)(const char *format, va_list ap);
MACHIPC_END_DECLS
#define NAME_SERVER_SLOT 0
#define ENVIRONMENT_SLOT 1
#define SERVICE_SLOT 2
#define MACH_PORTS_SLOTS_USED 3
#endif
