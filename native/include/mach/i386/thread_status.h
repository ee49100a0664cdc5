/*
 * Intel thread state flavors (numbers and the 64-bit counts from src/abi)
 * and their structures; the unified x86_*_state_t carry a flavor/count header.
 */
#ifndef _MACH_I386_THREAD_STATUS_H_
#define _MACH_I386_THREAD_STATUS_H_
#include <mach/i386/_structs.h>
#include <mach/message.h>
#include <mach/i386/thread_state.h>
#include <machipc/constants.h>

#define i386_THREAD_STATE 1
#define i386_FLOAT_STATE 2
#define i386_EXCEPTION_STATE 3
#define THREAD_STATE_NONE THREAD_STATE_NONE_X86
#define THREAD_MACHINE_STATE_MAX THREAD_STATE_MAX

#define VALID_THREAD_STATE_FLAVOR(x)                                                                                  \
  ((x == x86_THREAD_STATE32) || (x == x86_FLOAT_STATE32) || (x == x86_EXCEPTION_STATE32) || (x == x86_DEBUG_STATE32) ||  \
   (x == x86_THREAD_STATE64) || (x == x86_FLOAT_STATE64) || (x == x86_EXCEPTION_STATE64) || (x == x86_DEBUG_STATE64) ||  \
   (x == x86_THREAD_STATE) || (x == x86_FLOAT_STATE) || (x == x86_EXCEPTION_STATE) || (x == x86_DEBUG_STATE) ||          \
   (x == x86_AVX_STATE32) || (x == x86_AVX_STATE64) || (x == x86_AVX_STATE) || (x == THREAD_STATE_NONE))

struct x86_state_hdr {
  int flavor;
  int count;
};
typedef struct x86_state_hdr x86_state_hdr_t;

typedef _STRUCT_X86_THREAD_STATE32 i386_thread_state_t;
#define i386_THREAD_STATE_COUNT ((mach_msg_type_number_t)(sizeof(i386_thread_state_t) / sizeof(int)))
typedef _STRUCT_X86_THREAD_STATE32 x86_thread_state32_t;
#define x86_THREAD_STATE32_COUNT ((mach_msg_type_number_t)(sizeof(x86_thread_state32_t) / sizeof(int)))
typedef _STRUCT_X86_FLOAT_STATE32 i386_float_state_t;
#define i386_FLOAT_STATE_COUNT ((mach_msg_type_number_t)(sizeof(i386_float_state_t) / sizeof(unsigned int)))
typedef _STRUCT_X86_FLOAT_STATE32 x86_float_state32_t;
#define x86_FLOAT_STATE32_COUNT ((mach_msg_type_number_t)(sizeof(x86_float_state32_t) / sizeof(unsigned int)))
typedef _STRUCT_X86_AVX_STATE32 x86_avx_state32_t;
#define x86_AVX_STATE32_COUNT ((mach_msg_type_number_t)(sizeof(x86_avx_state32_t) / sizeof(unsigned int)))
typedef _STRUCT_X86_EXCEPTION_STATE32 i386_exception_state_t;
#define i386_EXCEPTION_STATE_COUNT ((mach_msg_type_number_t)(sizeof(i386_exception_state_t) / sizeof(int)))
typedef _STRUCT_X86_EXCEPTION_STATE32 x86_exception_state32_t;
#define x86_EXCEPTION_STATE32_COUNT ((mach_msg_type_number_t)(sizeof(x86_exception_state32_t) / sizeof(int)))
#define I386_EXCEPTION_STATE_COUNT i386_EXCEPTION_STATE_COUNT
typedef _STRUCT_X86_DEBUG_STATE32 x86_debug_state32_t;
#define x86_DEBUG_STATE32_COUNT ((mach_msg_type_number_t)(sizeof(x86_debug_state32_t) / sizeof(int)))
#define X86_DEBUG_STATE32_COUNT x86_DEBUG_STATE32_COUNT

typedef _STRUCT_X86_THREAD_STATE64 x86_thread_state64_t;
typedef _STRUCT_X86_FLOAT_STATE64 x86_float_state64_t;
typedef _STRUCT_X86_AVX_STATE64 x86_avx_state64_t;
typedef _STRUCT_X86_EXCEPTION_STATE64 x86_exception_state64_t;
#define X86_EXCEPTION_STATE64_COUNT x86_EXCEPTION_STATE64_COUNT
typedef _STRUCT_X86_DEBUG_STATE64 x86_debug_state64_t;
#define X86_DEBUG_STATE64_COUNT x86_DEBUG_STATE64_COUNT

struct x86_thread_state {
  x86_state_hdr_t tsh;
  union {
    x86_thread_state32_t ts32;
    x86_thread_state64_t ts64;
  } uts;
};
struct x86_float_state {
  x86_state_hdr_t fsh;
  union {
    x86_float_state32_t fs32;
    x86_float_state64_t fs64;
  } ufs;
};
struct x86_exception_state {
  x86_state_hdr_t esh;
  union {
    x86_exception_state32_t es32;
    x86_exception_state64_t es64;
  } ues;
};
struct x86_debug_state {
  x86_state_hdr_t dsh;
  union {
    x86_debug_state32_t ds32;
    x86_debug_state64_t ds64;
  } uds;
};
struct x86_avx_state {
  x86_state_hdr_t ash;
  union {
    x86_avx_state32_t as32;
    x86_avx_state64_t as64;
  } ufs;
};
typedef struct x86_thread_state x86_thread_state_t;
#define x86_THREAD_STATE_COUNT ((mach_msg_type_number_t)(sizeof(x86_thread_state_t) / sizeof(int)))
typedef struct x86_float_state x86_float_state_t;
#define x86_FLOAT_STATE_COUNT ((mach_msg_type_number_t)(sizeof(x86_float_state_t) / sizeof(unsigned int)))
typedef struct x86_exception_state x86_exception_state_t;
#define x86_EXCEPTION_STATE_COUNT ((mach_msg_type_number_t)(sizeof(x86_exception_state_t) / sizeof(unsigned int)))
typedef struct x86_debug_state x86_debug_state_t;
#define x86_DEBUG_STATE_COUNT ((mach_msg_type_number_t)(sizeof(x86_debug_state_t) / sizeof(unsigned int)))
typedef struct x86_avx_state x86_avx_state_t;
#define x86_AVX_STATE_COUNT ((mach_msg_type_number_t)(sizeof(x86_avx_state_t) / sizeof(unsigned int)))

#define MACHINE_THREAD_STATE x86_THREAD_STATE
#define MACHINE_THREAD_STATE_COUNT x86_THREAD_STATE_COUNT
#endif
