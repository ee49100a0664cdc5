/* The thread_state.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_THREAD_STATE_H_
#define _MACH_MACHINE_THREAD_STATE_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/thread_state.h>
#else
#include <mach/arm/thread_state.h>
#endif
#endif
