/* kern_return_t on Intel. */
#ifndef _MACH_I386_KERN_RETURN_H_
#define _MACH_I386_KERN_RETURN_H_
typedef int kern_return_t;
#endif
