/* arm64 thread state flavors (numbers and counts from src/abi) and their structures. */
#ifndef _MACH_ARM_THREAD_STATUS_H_
#define _MACH_ARM_THREAD_STATUS_H_
#include <mach/arm/_structs.h>
#include <mach/message.h>
#include <mach/arm/thread_state.h>
#include <machipc/constants.h>

#define THREAD_STATE_NONE THREAD_STATE_NONE_ARM
typedef _STRUCT_ARM_THREAD_STATE64 arm_thread_state64_t;
typedef _STRUCT_ARM_EXCEPTION_STATE64 arm_exception_state64_t;
typedef _STRUCT_ARM_NEON_STATE64 arm_neon_state64_t;
typedef _STRUCT_ARM_DEBUG_STATE64 arm_debug_state64_t;

#define MACHINE_THREAD_STATE ARM_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT ARM_THREAD_STATE64_COUNT
#endif
