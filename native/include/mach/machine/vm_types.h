/* The vm_types.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_VM_TYPES_H_
#define _MACH_MACHINE_VM_TYPES_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/vm_types.h>
#else
#include <mach/arm/vm_types.h>
#endif
#endif
