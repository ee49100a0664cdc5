/* NDR_record is defined once, in libmachipc. */
#ifndef _MACH_I386_NDR_DEF_H_
#define _MACH_I386_NDR_DEF_H_
#include <mach/ndr.h>
#endif
