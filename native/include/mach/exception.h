/* Exceptions. */
#ifndef _MACH_EXCEPTION_H_
#define _MACH_EXCEPTION_H_
#include <mach/exception_types.h>
#endif
