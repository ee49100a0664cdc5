/* The kern_return.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_KERN_RETURN_H_
#define _MACH_MACHINE_KERN_RETURN_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/kern_return.h>
#else
#include <mach/arm/kern_return.h>
#endif
#endif
