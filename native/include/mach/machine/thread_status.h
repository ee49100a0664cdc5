/* The thread_status.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_THREAD_STATUS_H_
#define _MACH_MACHINE_THREAD_STATUS_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/thread_status.h>
#else
#include <mach/arm/thread_status.h>
#endif
#endif
