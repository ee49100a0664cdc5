/* natural_t, integer_t and the VM address and size types on i386 (LP64). */
#ifndef _MACH_I386_VM_TYPES_H_
#define _MACH_I386_VM_TYPES_H_
#include <mach/i386/vm_param.h>
#include <machipc/lp64_vm_types.h>
#endif
