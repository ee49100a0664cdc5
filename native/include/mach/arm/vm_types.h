/* natural_t, integer_t and the VM address and size types on arm (LP64). */
#ifndef _MACH_ARM_VM_TYPES_H_
#define _MACH_ARM_VM_TYPES_H_
#include <mach/arm/vm_param.h>
#include <machipc/lp64_vm_types.h>
#endif
