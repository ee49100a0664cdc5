/* kern_return_t on ARM. */
#ifndef _MACH_ARM_KERN_RETURN_H_
#define _MACH_ARM_KERN_RETURN_H_
typedef int kern_return_t;
#endif
