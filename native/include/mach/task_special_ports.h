/* A task's special ports and the SDK's task_get_* / task_set_* shorthands. */
#ifndef _MACH_TASK_SPECIAL_PORTS_H_
#define _MACH_TASK_SPECIAL_PORTS_H_

typedef int task_special_port_t;
#define TASK_KERNEL_PORT 1
#define TASK_HOST_PORT 2
#define TASK_NAME_PORT 3
#define TASK_BOOTSTRAP_PORT 4
#define TASK_SEATBELT_PORT 7
#define TASK_ACCESS_PORT 9
#define TASK_DEBUG_CONTROL_PORT 10

#define task_get_kernel_port(task, port) (task_get_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_set_kernel_port(task, port) (task_set_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_get_host_port(task, port) (task_get_special_port((task), TASK_HOST_PORT, (port)))
#define task_set_host_port(task, port) (task_set_special_port((task), TASK_HOST_PORT, (port)))
#define task_get_bootstrap_port(task, port) (task_get_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_get_debug_control_port(task, port) (task_get_special_port((task), TASK_DEBUG_CONTROL_PORT, (port)))
#define task_set_bootstrap_port(task, port) (task_set_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_get_task_access_port(task, port) (task_get_special_port((task), TASK_ACCESS_PORT, (port)))
#define task_set_task_access_port(task, port) (task_set_special_port((task), TASK_ACCESS_PORT, (port)))
#define task_set_task_debug_control_port(task, port) (task_set_special_port((task), TASK_DEBUG_CONTROL_PORT, (port)))
#endif
