/* The ndr_def.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_NDR_DEF_H_
#define _MACH_MACHINE_NDR_DEF_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/ndr_def.h>
#else
#include <mach/arm/ndr_def.h>
#endif
#endif
