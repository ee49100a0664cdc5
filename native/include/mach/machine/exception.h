/* The exception.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_EXCEPTION_H_
#define _MACH_MACHINE_EXCEPTION_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/exception.h>
#else
#include <mach/arm/exception.h>
#endif
#endif
