/* How many ports mach_ports_register keeps. */
#ifndef _MACH_MACH_PARAM_H_
#define _MACH_MACH_PARAM_H_
#define TASK_PORT_REGISTER_MAX 3
#endif
