/* ARM exception codes beyond the machine-independent ones (from src/abi). */
#ifndef _MACH_ARM_EXCEPTION_H_
#define _MACH_ARM_EXCEPTION_H_
#include <machipc/constants.h>
#define EXC_ARM_UNDEFINED 1
#define EXC_ARM_DA_ALIGN 0x101
#define EXC_ARM_DA_DEBUG 0x102
#define EXC_ARM_BREAKPOINT 1
#endif
