/* The largest ARM thread state, in words. */
#ifndef _MACH_ARM_THREAD_STATE_H_
#define _MACH_ARM_THREAD_STATE_H_
#include <machipc/constants.h>
#define ARM_THREAD_STATE_MAX THREAD_STATE_MAX_ARM
#define THREAD_STATE_MAX ARM_THREAD_STATE_MAX
#endif
