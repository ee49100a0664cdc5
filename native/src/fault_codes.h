/*
 * What a hardware fault is as a Mach exception, for x86_64 and arm64: the
 * exception and its two codes as XNU's trap handlers raise them (xnu-3248
 * osfmk/i386/trap.c and fpu.c; arm64 from xnu-7195's osfmk/arm64/sleh.c),
 * and the thread's registers in the thread_get_state flavors, from what
 * Linux's signal frame holds. Plain data in and out, so both architectures'
 * formats build and are tested on either.
 */
#ifndef MACHIPC_FAULT_CODES_H
#define MACHIPC_FAULT_CODES_H

#include <stdint.h>

struct machipc_fault {
  int exception;
  int64_t code[2];
};

/* Linux's x86_64 gregs, in their REG_* order (sys/ucontext.h). */
enum {
  X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
  X86_REG_RDI, X86_REG_RSI, X86_REG_RBP, X86_REG_RBX, X86_REG_RDX, X86_REG_RAX, X86_REG_RCX, X86_REG_RSP,
  X86_REG_RIP, X86_REG_EFL, X86_REG_CSGSFS, X86_REG_ERR, X86_REG_TRAPNO, X86_REG_OLDMASK, X86_REG_CR2, X86_NGREG
};

/* Word counts of the flavors (x86_THREAD_STATE64_COUNT and friends). */
enum { X86_THREAD_WORDS = 42, X86_FLOAT_WORDS = 131, X86_EXCEPTION_WORDS = 4 };
enum { ARM_THREAD_WORDS = 68, ARM_NEON_WORDS = 132, ARM_EXCEPTION_WORDS = 4 };

/*
 * x86_64: the trap number, error code and CR2 from the signal frame, the
 * signal and si_code, and the FPU status words (x87 FSW, SSE MXCSR) for the
 * floating-point traps. Returns 0 for a signal that is not a trap.
 */
int machipc_x86_fault(int signo, int si_code, uint64_t trapno, uint64_t err, uint64_t cr2, uint32_t fsw, uint32_t mxcsr, struct machipc_fault *out);
/* gregs -> x86_THREAD_STATE64 {rax rbx rcx rdx rdi rsi rbp rsp r8-r15 rip rflags cs fs gs}, and back (cs, fs, gs stay). */
void machipc_x86_thread_state(const uint64_t gregs[X86_NGREG], uint32_t out[X86_THREAD_WORDS]);
void machipc_x86_set_gregs(const uint32_t state[X86_THREAD_WORDS], uint64_t gregs[X86_NGREG]);
/* The FXSAVE image -> x86_FLOAT_STATE64 (two reserved words, the image's first 416 bytes, 96 reserved bytes, one word), and back. */
void machipc_x86_float_state(const unsigned char *fxsave, uint32_t out[X86_FLOAT_WORDS]);
void machipc_x86_set_fxsave(const uint32_t state[X86_FLOAT_WORDS], unsigned char *fxsave);
/* x86_EXCEPTION_STATE64 {trapno u16, cpu u16, err u32, faultvaddr u64}. */
void machipc_x86_exception_state(uint64_t trapno, uint64_t err, uint64_t cr2, uint32_t out[X86_EXCEPTION_WORDS]);

/*
 * arm64: ESR and FAR (esr 0 when the frame has no ESR record), the signal and
 * si_code, pc and sp, and the instruction at pc. Returns 0 for a signal that is not a trap.
 */
int machipc_arm64_fault(int signo, int si_code, uint32_t esr, uint64_t far, uint64_t pc, uint64_t sp, uint32_t instr, struct machipc_fault *out);
/* x0-x30, sp, pc, pstate -> ARM_THREAD_STATE64 {x0-x28, fp, lr, sp, pc, cpsr, pad}, and back. */
void machipc_arm64_thread_state(const uint64_t regs[31], uint64_t sp, uint64_t pc, uint64_t pstate, uint32_t out[ARM_THREAD_WORDS]);
void machipc_arm64_set_regs(const uint32_t state[ARM_THREAD_WORDS], uint64_t regs[31], uint64_t *sp, uint64_t *pc, uint64_t *pstate);
/* The FPSIMD record (32 128-bit registers, fpsr, fpcr) -> ARM_NEON_STATE64, and back. */
void machipc_arm64_neon_state(const unsigned char vregs[512], uint32_t fpsr, uint32_t fpcr, uint32_t out[ARM_NEON_WORDS]);
void machipc_arm64_set_neon(const uint32_t state[ARM_NEON_WORDS], unsigned char vregs[512], uint32_t *fpsr, uint32_t *fpcr);
/* ARM_EXCEPTION_STATE64 {far u64, esr u32, exception u32}. */
void machipc_arm64_exception_state(uint64_t far, uint32_t esr, uint32_t exception, uint32_t out[ARM_EXCEPTION_WORDS]);

/* The Linux signal a process dies of for a macOS signal number (what BSD's ux handler posted). */
int machipc_linux_signal(int macos_signal);

#endif
