/* Absolute time in the timebase's units (nanoseconds here: the timebase is 1/1, as on Intel Macs). */
#ifndef _MACH_MACH_TIME_H_
#define _MACH_MACH_TIME_H_
#include <mach/mach_types.h>
#include <machipc/cdefs.h>

struct mach_timebase_info {
  uint32_t numer;
  uint32_t denom;
};
typedef struct mach_timebase_info *mach_timebase_info_t;
typedef struct mach_timebase_info mach_timebase_info_data_t;

MACHIPC_BEGIN_DECLS
kern_return_t mach_timebase_info(mach_timebase_info_t info);
kern_return_t mach_wait_until(uint64_t deadline);
uint64_t mach_absolute_time(void);
uint64_t mach_approximate_time(void);
MACHIPC_END_DECLS
#endif
