/* The processor_info.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_PROCESSOR_INFO_H_
#define _MACH_MACHINE_PROCESSOR_INFO_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/processor_info.h>
#else
#include <mach/arm/processor_info.h>
#endif
#endif
