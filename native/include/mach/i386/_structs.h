/*
 * Intel register state as thread_get_state / set_state and exception
 * messages carry it, with the SDK's UNIX03 field names (__rax ...).
 */
#ifndef _MACH_I386__STRUCTS_H_
#define _MACH_I386__STRUCTS_H_
#include <stdint.h>

#define _STRUCT_X86_THREAD_STATE32 struct __darwin_i386_thread_state
_STRUCT_X86_THREAD_STATE32 {
  unsigned int __eax, __ebx, __ecx, __edx, __edi, __esi, __ebp, __esp;
  unsigned int __ss, __eflags, __eip, __cs, __ds, __es, __fs, __gs;
};

#define _STRUCT_FP_CONTROL struct __darwin_fp_control
_STRUCT_FP_CONTROL {
  unsigned short __invalid : 1, __denorm : 1, __zdiv : 1, __ovrfl : 1, __undfl : 1, __precis : 1, : 2, __pc : 2, __rc : 2, : 1, : 3;
};
typedef _STRUCT_FP_CONTROL __darwin_fp_control_t;
#define FP_PREC_24B 0
#define FP_PREC_53B 2
#define FP_PREC_64B 3
#define FP_RND_NEAR 0
#define FP_RND_DOWN 1
#define FP_RND_UP 2
#define FP_CHOP 3

#define _STRUCT_FP_STATUS struct __darwin_fp_status
_STRUCT_FP_STATUS {
  unsigned short __invalid : 1, __denorm : 1, __zdiv : 1, __ovrfl : 1, __undfl : 1, __precis : 1, __stkflt : 1, __errsumm : 1,
      __c0 : 1, __c1 : 1, __c2 : 1, __tos : 3, __c3 : 1, __busy : 1;
};
typedef _STRUCT_FP_STATUS __darwin_fp_status_t;

#define _STRUCT_MMST_REG struct __darwin_mmst_reg
_STRUCT_MMST_REG {
  char __mmst_reg[10];
  char __mmst_rsrv[6];
};

#define _STRUCT_XMM_REG struct __darwin_xmm_reg
_STRUCT_XMM_REG {
  char __xmm_reg[16];
};

#define FP_STATE_BYTES 512

/* The x87 / SSE part both float states and both AVX states begin with. */
#define MACHIPC_X86_FPU_HEAD           \
  int __fpu_reserved[2];               \
  _STRUCT_FP_CONTROL __fpu_fcw;        \
  _STRUCT_FP_STATUS __fpu_fsw;         \
  uint8_t __fpu_ftw;                   \
  uint8_t __fpu_rsrv1;                 \
  uint16_t __fpu_fop;                  \
  uint32_t __fpu_ip;                   \
  uint16_t __fpu_cs;                   \
  uint16_t __fpu_rsrv2;                \
  uint32_t __fpu_dp;                   \
  uint16_t __fpu_ds;                   \
  uint16_t __fpu_rsrv3;                \
  uint32_t __fpu_mxcsr;                \
  uint32_t __fpu_mxcsrmask;            \
  _STRUCT_MMST_REG __fpu_stmm0, __fpu_stmm1, __fpu_stmm2, __fpu_stmm3, __fpu_stmm4, __fpu_stmm5, __fpu_stmm6, __fpu_stmm7; \
  _STRUCT_XMM_REG __fpu_xmm0, __fpu_xmm1, __fpu_xmm2, __fpu_xmm3, __fpu_xmm4, __fpu_xmm5, __fpu_xmm6, __fpu_xmm7

#define _STRUCT_X86_FLOAT_STATE32 struct __darwin_i386_float_state
_STRUCT_X86_FLOAT_STATE32 {
  MACHIPC_X86_FPU_HEAD;
  char __fpu_rsrv4[14 * 16];
  int __fpu_reserved1;
};

#define _STRUCT_X86_AVX_STATE32 struct __darwin_i386_avx_state
_STRUCT_X86_AVX_STATE32 {
  MACHIPC_X86_FPU_HEAD;
  char __fpu_rsrv4[14 * 16];
  int __fpu_reserved1;
  char __avx_reserved1[64];
  _STRUCT_XMM_REG __fpu_ymmh0, __fpu_ymmh1, __fpu_ymmh2, __fpu_ymmh3, __fpu_ymmh4, __fpu_ymmh5, __fpu_ymmh6, __fpu_ymmh7;
};

#define _STRUCT_X86_EXCEPTION_STATE32 struct __darwin_i386_exception_state
_STRUCT_X86_EXCEPTION_STATE32 {
  uint16_t __trapno;
  uint16_t __cpu;
  uint32_t __err;
  uint32_t __faultvaddr;
};

#define _STRUCT_X86_DEBUG_STATE32 struct __darwin_x86_debug_state32
_STRUCT_X86_DEBUG_STATE32 {
  unsigned int __dr0, __dr1, __dr2, __dr3, __dr4, __dr5, __dr6, __dr7;
};

#define _STRUCT_X86_THREAD_STATE64 struct __darwin_x86_thread_state64
_STRUCT_X86_THREAD_STATE64 {
  uint64_t __rax, __rbx, __rcx, __rdx, __rdi, __rsi, __rbp, __rsp;
  uint64_t __r8, __r9, __r10, __r11, __r12, __r13, __r14, __r15;
  uint64_t __rip, __rflags, __cs, __fs, __gs;
};

#define _STRUCT_X86_FLOAT_STATE64 struct __darwin_x86_float_state64
_STRUCT_X86_FLOAT_STATE64 {
  MACHIPC_X86_FPU_HEAD;
  _STRUCT_XMM_REG __fpu_xmm8, __fpu_xmm9, __fpu_xmm10, __fpu_xmm11, __fpu_xmm12, __fpu_xmm13, __fpu_xmm14, __fpu_xmm15;
  char __fpu_rsrv4[6 * 16];
  int __fpu_reserved1;
};

#define _STRUCT_X86_AVX_STATE64 struct __darwin_x86_avx_state64
_STRUCT_X86_AVX_STATE64 {
  MACHIPC_X86_FPU_HEAD;
  _STRUCT_XMM_REG __fpu_xmm8, __fpu_xmm9, __fpu_xmm10, __fpu_xmm11, __fpu_xmm12, __fpu_xmm13, __fpu_xmm14, __fpu_xmm15;
  char __fpu_rsrv4[6 * 16];
  int __fpu_reserved1;
  char __avx_reserved1[64];
  _STRUCT_XMM_REG __fpu_ymmh0, __fpu_ymmh1, __fpu_ymmh2, __fpu_ymmh3, __fpu_ymmh4, __fpu_ymmh5, __fpu_ymmh6, __fpu_ymmh7;
  _STRUCT_XMM_REG __fpu_ymmh8, __fpu_ymmh9, __fpu_ymmh10, __fpu_ymmh11, __fpu_ymmh12, __fpu_ymmh13, __fpu_ymmh14, __fpu_ymmh15;
};

#define _STRUCT_X86_EXCEPTION_STATE64 struct __darwin_x86_exception_state64
_STRUCT_X86_EXCEPTION_STATE64 {
  uint16_t __trapno;
  uint16_t __cpu;
  uint32_t __err;
  uint64_t __faultvaddr;
};

#define _STRUCT_X86_DEBUG_STATE64 struct __darwin_x86_debug_state64
_STRUCT_X86_DEBUG_STATE64 {
  uint64_t __dr0, __dr1, __dr2, __dr3, __dr4, __dr5, __dr6, __dr7;
};
#endif
