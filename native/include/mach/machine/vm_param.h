/* The vm_param.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_VM_PARAM_H_
#define _MACH_MACHINE_VM_PARAM_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/vm_param.h>
#else
#include <mach/arm/vm_param.h>
#endif
#endif
