/* The boolean.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_BOOLEAN_H_
#define _MACH_MACHINE_BOOLEAN_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/boolean.h>
#else
#include <mach/arm/boolean.h>
#endif
#endif
