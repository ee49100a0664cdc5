/* kern_return_t and the KERN_* codes (their values come from src/abi through constants.h). */
#ifndef _MACH_KERN_RETURN_H_
#define _MACH_KERN_RETURN_H_
#include <mach/machine/kern_return.h>
#include <machipc/constants.h>
#endif
