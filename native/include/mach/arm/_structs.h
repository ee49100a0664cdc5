/* arm64 register state (the SDK's later arm64 layout, which src/abi/thread_status.ts counts). */
#ifndef _MACH_ARM__STRUCTS_H_
#define _MACH_ARM__STRUCTS_H_
#include <stdint.h>

#define _STRUCT_ARM_EXCEPTION_STATE64 struct __darwin_arm_exception_state64
_STRUCT_ARM_EXCEPTION_STATE64 {
  uint64_t __far;
  uint32_t __esr;
  uint32_t __exception;
};

#define _STRUCT_ARM_THREAD_STATE64 struct __darwin_arm_thread_state64
_STRUCT_ARM_THREAD_STATE64 {
  uint64_t __x[29];
  uint64_t __fp;
  uint64_t __lr;
  uint64_t __sp;
  uint64_t __pc;
  uint32_t __cpsr;
  uint32_t __pad;
};

#define _STRUCT_ARM_NEON_STATE64 struct __darwin_arm_neon_state64
_STRUCT_ARM_NEON_STATE64 {
  __uint128_t __v[32];
  uint32_t __fpsr;
  uint32_t __fpcr;
};

#define _STRUCT_ARM_DEBUG_STATE64 struct __darwin_arm_debug_state64
_STRUCT_ARM_DEBUG_STATE64 {
  uint64_t __bvr[16];
  uint64_t __bcr[16];
  uint64_t __wvr[16];
  uint64_t __wcr[16];
  uint64_t __mdscr_el1;
};
#endif
