/* The largest Intel thread state, in words. */
#ifndef _MACH_I386_THREAD_STATE_H_
#define _MACH_I386_THREAD_STATE_H_
#include <machipc/constants.h>
#define I386_THREAD_STATE_MAX THREAD_STATE_MAX_X86
#define THREAD_STATE_MAX I386_THREAD_STATE_MAX
#endif
