/*
 * The self ports and the process's Mach globals. As in libsystem,
 * mach_task_self() reads mach_task_self_, the task's own port name, which
 * libmachipc sets when the process becomes a task: at load when a server is
 * there, in a fork's child, and in the new image after exec.
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
extern kern_return_t host_page_size(host_t, vm_size_t *);

extern mach_port_t mach_task_self_;
#define mach_task_self() mach_task_self_
#define current_task() mach_task_self()
MACHIPC_END_DECLS

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
