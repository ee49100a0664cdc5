/*
 * Faults as XNU raises them (see fault_codes.h): the trap handlers' choice of
 * exception and codes, and the register flavors laid out from Linux's signal
 * frame.
 */
#define _POSIX_C_SOURCE 200809L
#include "fault_codes.h"

#include <signal.h>
#include <string.h>

#include <mach/arm/exception.h>
#include <mach/exception_types.h>
#include <mach/i386/exception.h>
#include <mach/kern_return.h>

/* arm64 codes newer than xnu-3248's arm/exception.h (xnu-7195 osfmk/mach/arm/exception.h). */
enum {
  ARM_FP_UNDEFINED = 0, ARM_FP_IO = 1, ARM_FP_DZ = 2, ARM_FP_OF = 3, ARM_FP_UF = 4, ARM_FP_IX = 5, ARM_FP_ID = 6,
  ARM_SP_ALIGN = 0x103,
};

/* x86 trap numbers (osfmk/i386/trap.h). */
enum {
  T_DIVIDE_ERROR = 0, T_DEBUG = 1, T_INT3 = 3, T_OVERFLOW = 4, T_OUT_OF_BOUNDS = 5, T_INVALID_OPCODE = 6,
  T_INVALID_TSS = 10, T_SEGMENT_NOT_PRESENT = 11, T_STACK_FAULT = 12, T_GENERAL_PROTECTION = 13,
  T_PAGE_FAULT = 14, T_FLOATING_POINT_ERROR = 16, T_ALIGNMENT_CHECK = 17, T_SSE_FLOAT_ERROR = 19,
};
/* Page-fault error code: the page was present, so the access broke its protection. */
enum { T_PF_PROT = 0x1 };

static int fault(struct machipc_fault *out, int exception, int64_t code, int64_t subcode) {
  out->exception = exception;
  out->code[0] = code;
  out->code[1] = subcode;
  return 1;
}

int machipc_x86_fault(int signo, int si_code, uint64_t trapno, uint64_t err, uint64_t cr2, uint32_t fsw, uint32_t mxcsr, struct machipc_fault *out) {
  /* A signal someone sent (kill, raise, sigqueue) is not a trap: no exception, as on macOS. */
  if (si_code <= 0) return 0;
  switch (trapno) {
    case T_DIVIDE_ERROR:
      return fault(out, EXC_ARITHMETIC, EXC_I386_DIV, 0);
    case T_DEBUG:
      return fault(out, EXC_BREAKPOINT, EXC_I386_SGL, 0);
    case T_INT3:
      return fault(out, EXC_BREAKPOINT, EXC_I386_BPT, 0);
    case T_OVERFLOW:
      return fault(out, EXC_ARITHMETIC, EXC_I386_INTO, 0);
    case T_OUT_OF_BOUNDS:
      return fault(out, EXC_SOFTWARE, EXC_I386_BOUND, 0);
    case T_INVALID_OPCODE:
      return fault(out, EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0);
    case T_INVALID_TSS:
      return fault(out, EXC_BAD_INSTRUCTION, EXC_I386_INVTSSFLT, (int64_t)err);
    case T_SEGMENT_NOT_PRESENT:
      return fault(out, EXC_BAD_INSTRUCTION, EXC_I386_SEGNPFLT, (int64_t)err);
    case T_STACK_FAULT:
      return fault(out, EXC_BAD_INSTRUCTION, EXC_I386_STKFLT, (int64_t)err);
    case T_GENERAL_PROTECTION:
      /* XNU maps #GP to EXC_BAD_ACCESS (and so SIGSEGV), not EXC_BAD_INSTRUCTION. */
      return fault(out, EXC_BAD_ACCESS, EXC_I386_GPFLT, (int64_t)err);
    case T_PAGE_FAULT: {
      /*
       * vm_fault's answer is the code: nothing mapped there, a mapping whose
       * protection forbids the access (SEGV_ACCERR: Linux found the mapping,
       * present page or not), or (SIGBUS) no page behind the mapping.
       */
      kern_return_t kr = signo == SIGBUS ? KERN_MEMORY_ERROR : (si_code == SEGV_ACCERR || (err & T_PF_PROT)) ? KERN_PROTECTION_FAILURE : KERN_INVALID_ADDRESS;
      return fault(out, EXC_BAD_ACCESS, kr, (int64_t)cr2);
    }
    case T_FLOATING_POINT_ERROR:
      return fault(out, EXC_ARITHMETIC, EXC_I386_EXTERR, fsw);
    case T_SSE_FLOAT_ERROR:
      return fault(out, EXC_ARITHMETIC, EXC_I386_SSEEXTERR, mxcsr);
    case T_ALIGNMENT_CHECK:
      /* Never enabled for user code on macOS; reported as the alignment fault it is. */
      return fault(out, EXC_BAD_ACCESS, EXC_I386_ALIGNFLT, (int64_t)err);
    default:
      return 0;
  }
}

static void put64w(uint32_t *w, uint64_t v) {
  w[0] = (uint32_t)v;
  w[1] = (uint32_t)(v >> 32);
}

static uint64_t get64w(const uint32_t *w) { return (uint64_t)w[0] | ((uint64_t)w[1] << 32); }

/* x86_THREAD_STATE64's order of Linux's gregs. */
static const int X86_ORDER[17] = {
  X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_RDX, X86_REG_RDI, X86_REG_RSI, X86_REG_RBP, X86_REG_RSP,
  X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15, X86_REG_RIP,
};

void machipc_x86_thread_state(const uint64_t gregs[X86_NGREG], uint32_t out[X86_THREAD_WORDS]) {
  for (int i = 0; i < 17; i++) put64w(out + 2 * i, gregs[X86_ORDER[i]]);
  put64w(out + 34, gregs[X86_REG_EFL]);
  /* REG_CSGSFS packs cs, gs, fs (16 bits each). */
  uint64_t segs = gregs[X86_REG_CSGSFS];
  put64w(out + 36, segs & 0xffff);
  put64w(out + 38, (segs >> 32) & 0xffff);
  put64w(out + 40, (segs >> 16) & 0xffff);
}

void machipc_x86_set_gregs(const uint32_t state[X86_THREAD_WORDS], uint64_t gregs[X86_NGREG]) {
  for (int i = 0; i < 17; i++) gregs[X86_ORDER[i]] = get64w(state + 2 * i);
  gregs[X86_REG_EFL] = get64w(state + 34);
}

/* x86_FLOAT_STATE64 = reserved[2], the FXSAVE image up to its reserved tail (416 bytes), rsrv4[96], reserved1. */
enum { FX_KEPT = 416 };

void machipc_x86_float_state(const unsigned char *fxsave, uint32_t out[X86_FLOAT_WORDS]) {
  memset(out, 0, 4 * X86_FLOAT_WORDS);
  if (fxsave) memcpy(out + 2, fxsave, FX_KEPT);
}

void machipc_x86_set_fxsave(const uint32_t state[X86_FLOAT_WORDS], unsigned char *fxsave) {
  if (fxsave) memcpy(fxsave, state + 2, FX_KEPT);
}

void machipc_x86_exception_state(uint64_t trapno, uint64_t err, uint64_t cr2, uint32_t out[X86_EXCEPTION_WORDS]) {
  out[0] = (uint32_t)(trapno & 0xffff); /* cpu (the high half) is 0 */
  out[1] = (uint32_t)err;
  put64w(out + 2, cr2);
}

/* ESR_EL1's exception classes (ARM ARM D13.2.37) and data/instruction fault status codes. */
enum {
  EC_UNKNOWN = 0x00, EC_IABORT_EL0 = 0x20, EC_PC_ALIGN = 0x22, EC_DABORT_EL0 = 0x24, EC_SP_ALIGN = 0x26,
  EC_FLOATING_POINT_64 = 0x2c, EC_BKPT_REG_MATCH_EL0 = 0x30, EC_SW_STEP_DEBUG_EL0 = 0x32, EC_WATCHPT_MATCH_EL0 = 0x34,
  EC_BRK_AARCH64 = 0x3c,
};
enum { FSC_ALIGNMENT = 0x21 };
/* ISS of a trapped floating-point exception: which cumulative bit (IDF, IXF, UFF, OFF, DZF, IOF). */
enum { FP_IOF = 1 << 0, FP_DZF = 1 << 1, FP_OFF = 1 << 2, FP_UFF = 1 << 3, FP_IXF = 1 << 4, FP_IDF = 1 << 7 };

static int64_t arm_fp_code(uint32_t iss) {
  if (iss & FP_UFF) return ARM_FP_UF;
  if (iss & FP_OFF) return ARM_FP_OF;
  if (iss & FP_IOF) return ARM_FP_IO;
  if (iss & FP_DZF) return ARM_FP_DZ;
  if (iss & FP_IDF) return ARM_FP_ID;
  if (iss & FP_IXF) return ARM_FP_IX;
  return ARM_FP_UNDEFINED;
}

/* handle_user_abort: vm_fault's answer for a translation or permission fault, an alignment fault's own code. */
static int64_t arm_abort_code(uint32_t fsc) {
  if (fsc == FSC_ALIGNMENT) return EXC_ARM_DA_ALIGN;
  if ((fsc & 0x3c) == 0x04) return KERN_INVALID_ADDRESS; /* translation fault, levels 0-3 */
  if ((fsc & 0x3c) == 0x08 || (fsc & 0x3c) == 0x0c) return KERN_PROTECTION_FAILURE; /* access flag or permission fault */
  return KERN_FAILURE;
}

int machipc_arm64_fault(int signo, int si_code, uint32_t esr, uint64_t far, uint64_t pc, uint64_t sp, uint32_t instr, struct machipc_fault *out) {
  if (si_code <= 0) return 0;
  if (esr != 0) {
    uint32_t ec = esr >> 26, iss = esr & 0x1ffffff;
    switch (ec) {
      case EC_DABORT_EL0:
      case EC_IABORT_EL0:
        return fault(out, EXC_BAD_ACCESS, arm_abort_code(iss & 0x3f), (int64_t)far);
      case EC_PC_ALIGN:
        return fault(out, EXC_BAD_ACCESS, EXC_ARM_DA_ALIGN, (int64_t)pc);
      case EC_SP_ALIGN:
        return fault(out, EXC_BAD_ACCESS, ARM_SP_ALIGN, (int64_t)sp);
      case EC_FLOATING_POINT_64:
        return fault(out, EXC_ARITHMETIC, arm_fp_code(iss), instr);
      case EC_BRK_AARCH64:
        return fault(out, EXC_BREAKPOINT, EXC_ARM_BREAKPOINT, (int64_t)pc);
      case EC_SW_STEP_DEBUG_EL0:
        return fault(out, EXC_BREAKPOINT, 1, 0);
      case EC_BKPT_REG_MATCH_EL0:
        return fault(out, EXC_BREAKPOINT, EXC_ARM_BREAKPOINT, (int64_t)pc);
      case EC_WATCHPT_MATCH_EL0:
        return fault(out, EXC_BREAKPOINT, EXC_ARM_DA_DEBUG, (int64_t)far);
      case EC_UNKNOWN:
        return fault(out, EXC_BAD_INSTRUCTION, EXC_ARM_UNDEFINED, instr);
      default:
        break;
    }
  }
  /* No ESR record (SIGILL, SIGTRAP and SIGFPE frames carry none): the signal says which handler ran. */
  switch (signo) {
    case SIGSEGV:
      return fault(out, EXC_BAD_ACCESS, si_code == SEGV_ACCERR ? KERN_PROTECTION_FAILURE : KERN_INVALID_ADDRESS, (int64_t)far);
    case SIGBUS:
      return fault(out, EXC_BAD_ACCESS, si_code == BUS_ADRALN ? EXC_ARM_DA_ALIGN : KERN_MEMORY_ERROR, (int64_t)far);
    case SIGILL:
      return fault(out, EXC_BAD_INSTRUCTION, EXC_ARM_UNDEFINED, instr);
    case SIGTRAP:
      return fault(out, EXC_BREAKPOINT, EXC_ARM_BREAKPOINT, (int64_t)pc);
    case SIGFPE: {
      int64_t code = si_code == FPE_FLTDIV ? ARM_FP_DZ : si_code == FPE_FLTOVF ? ARM_FP_OF : si_code == FPE_FLTUND ? ARM_FP_UF
                   : si_code == FPE_FLTRES ? ARM_FP_IX : si_code == FPE_FLTINV ? ARM_FP_IO : ARM_FP_UNDEFINED;
      return fault(out, EXC_ARITHMETIC, code, instr);
    }
    default:
      return 0;
  }
}

void machipc_arm64_thread_state(const uint64_t regs[31], uint64_t sp, uint64_t pc, uint64_t pstate, uint32_t out[ARM_THREAD_WORDS]) {
  /* x0-x28, fp (x29), lr (x30): the same order as Linux's regs[]. */
  for (int i = 0; i < 31; i++) put64w(out + 2 * i, regs[i]);
  put64w(out + 62, sp);
  put64w(out + 64, pc);
  out[66] = (uint32_t)pstate;
  out[67] = 0;
}

void machipc_arm64_set_regs(const uint32_t state[ARM_THREAD_WORDS], uint64_t regs[31], uint64_t *sp, uint64_t *pc, uint64_t *pstate) {
  for (int i = 0; i < 31; i++) regs[i] = get64w(state + 2 * i);
  *sp = get64w(state + 62);
  *pc = get64w(state + 64);
  /* Only the condition flags are the thread's to change. */
  *pstate = (*pstate & 0x0fffffffu) | (state[66] & 0xf0000000u);
}

void machipc_arm64_neon_state(const unsigned char vregs[512], uint32_t fpsr, uint32_t fpcr, uint32_t out[ARM_NEON_WORDS]) {
  memset(out, 0, 4 * ARM_NEON_WORDS);
  memcpy(out, vregs, 512);
  out[128] = fpsr;
  out[129] = fpcr;
}

void machipc_arm64_set_neon(const uint32_t state[ARM_NEON_WORDS], unsigned char vregs[512], uint32_t *fpsr, uint32_t *fpcr) {
  memcpy(vregs, state, 512);
  *fpsr = state[128];
  *fpcr = state[129];
}

void machipc_arm64_exception_state(uint64_t far, uint32_t esr, uint32_t exception, uint32_t out[ARM_EXCEPTION_WORDS]) {
  put64w(out, far);
  out[2] = esr;
  out[3] = exception;
}

int machipc_linux_signal(int s) {
  /* macOS numbers SIGBUS 10, SIGSYS 12 and has SIGEMT 7; the rest of the fault signals agree. */
  switch (s) {
    case 10:
      return SIGBUS;
    case 12:
      return SIGSYS;
    case 7:
      return SIGSYS;
    default:
      return s;
  }
}
