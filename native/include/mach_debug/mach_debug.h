/* The debugging interfaces. */
#ifndef _MACH_DEBUG_MACH_DEBUG_H_
#define _MACH_DEBUG_MACH_DEBUG_H_
#include <mach_debug/mach_debug_types.h>
#include <mach/mach_host.h>
#include <mach/mach_port.h>
#include <mach/mach_interface.h>
#endif
