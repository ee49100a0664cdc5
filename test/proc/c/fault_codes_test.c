/*
 * Unit test of native/src/fault_codes.c on any machine: both architectures'
 * fault codes and register layouts, from frame contents given by hand.
 * Prints "ok N" per check passed; exits 1 at the first failure.
 */
#define _GNU_SOURCE
#include "fault_codes.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #cond);          \
      exit(1);                                                       \
    }                                                                \
    checks++;                                                        \
  } while (0)

static void expect(int raised, const struct machipc_fault *f, int exception, int64_t code, int64_t subcode) {
  CHECK(raised == 1);
  CHECK(f->exception == exception);
  CHECK(f->code[0] == code);
  CHECK(f->code[1] == subcode);
}

int main(void) {
  struct machipc_fault f;
  /* x86_64: by trap number, as user_trap switches. */
  expect(machipc_x86_fault(SIGSEGV, SEGV_MAPERR, 14, 4, 0, 0, 0, &f), &f, 1 /* EXC_BAD_ACCESS */, 1 /* KERN_INVALID_ADDRESS */, 0);
  expect(machipc_x86_fault(SIGSEGV, SEGV_ACCERR, 14, 6, 0x1000, 0, 0, &f), &f, 1, 2 /* KERN_PROTECTION_FAILURE */, 0x1000);
  expect(machipc_x86_fault(SIGSEGV, SEGV_ACCERR, 14, 7, 0x2000, 0, 0, &f), &f, 1, 2, 0x2000);
  expect(machipc_x86_fault(SIGBUS, BUS_ADRERR, 14, 4, 0x3000, 0, 0, &f), &f, 1, 10 /* KERN_MEMORY_ERROR */, 0x3000);
  expect(machipc_x86_fault(SIGSEGV, 0x80, 13, 0x18, 0, 0, 0, &f), &f, 1, 13 /* EXC_I386_GPFLT */, 0x18);
  expect(machipc_x86_fault(SIGILL, ILL_ILLOPN, 6, 0, 0, 0, 0, &f), &f, 2 /* EXC_BAD_INSTRUCTION */, 1 /* EXC_I386_INVOP */, 0);
  expect(machipc_x86_fault(SIGFPE, FPE_INTDIV, 0, 0, 0, 0, 0, &f), &f, 3 /* EXC_ARITHMETIC */, 1 /* EXC_I386_DIV */, 0);
  expect(machipc_x86_fault(SIGFPE, FPE_FLTDIV, 19, 0, 0, 0, 0x1f84, &f), &f, 3, 8 /* EXC_I386_SSEEXTERR */, 0x1f84);
  expect(machipc_x86_fault(SIGFPE, FPE_FLTINV, 16, 0, 0, 0x81, 0, &f), &f, 3, 5 /* EXC_I386_EXTERR */, 0x81);
  expect(machipc_x86_fault(SIGTRAP, 0x80, 3, 0, 0, 0, 0, &f), &f, 6 /* EXC_BREAKPOINT */, 2 /* EXC_I386_BPT */, 0);
  expect(machipc_x86_fault(SIGTRAP, TRAP_TRACE, 1, 0, 0, 0, 0, &f), &f, 6, 1 /* EXC_I386_SGL */, 0);
  expect(machipc_x86_fault(SIGSEGV, 0x80, 5, 0, 0, 0, 0, &f), &f, 5 /* EXC_SOFTWARE */, 7 /* EXC_I386_BOUND */, 0);
  CHECK(machipc_x86_fault(SIGSEGV, SI_USER, 14, 0, 0, 0, 0, &f) == 0);
  CHECK(machipc_x86_fault(SIGSEGV, SI_TKILL, 14, 0, 0, 0, 0, &f) == 0);

  /* x86_64 layouts: gregs in Linux's order out as rax..r15 rip rflags cs fs gs, and back. */
  uint64_t g[X86_NGREG];
  for (int i = 0; i < X86_NGREG; i++) g[i] = 0x100 + (uint64_t)i;
  g[X86_REG_CSGSFS] = 0x0000002b00000033ull; /* cs 0x33, gs 0, fs 0x2b */
  uint32_t s[X86_THREAD_WORDS];
  machipc_x86_thread_state(g, s);
  CHECK(s[0] == 0x100 + X86_REG_RAX && s[14] == 0x100 + X86_REG_RSP && s[32] == 0x100 + X86_REG_RIP && s[34] == 0x100 + X86_REG_EFL);
  CHECK(s[16] == 0x100 + X86_REG_R8 && s[30] == 0x100 + X86_REG_R15);
  CHECK(s[36] == 0x33 && s[38] == 0x2b && s[40] == 0);
  s[32] = 0xdead;
  machipc_x86_set_gregs(s, g);
  CHECK(g[X86_REG_RIP] == 0xdead && g[X86_REG_RAX] == 0x100 + X86_REG_RAX);
  unsigned char fx[512];
  for (int i = 0; i < 512; i++) fx[i] = (unsigned char)i;
  uint32_t fs[X86_FLOAT_WORDS];
  machipc_x86_float_state(fx, fs);
  CHECK(fs[0] == 0 && fs[1] == 0 && memcmp(fs + 2, fx, 416) == 0 && fs[130] == 0);
  uint32_t e[4];
  machipc_x86_exception_state(14, 6, 0x123456789ull, e);
  CHECK(e[0] == 14 && e[1] == 6 && e[2] == 0x23456789 && e[3] == 1);

  /* arm64: by ESR class, as sleh.c's handlers, and by signal when the frame has no ESR record. */
  expect(machipc_arm64_fault(SIGSEGV, SEGV_MAPERR, (0x24u << 26) | 0x07, 0x10, 0x4000, 0x7000, 0, &f), &f, 1, 1 /* translation fault */, 0x10);
  expect(machipc_arm64_fault(SIGSEGV, SEGV_ACCERR, (0x24u << 26) | 0x0f, 0x20, 0x4000, 0x7000, 0, &f), &f, 1, 2 /* permission fault */, 0x20);
  expect(machipc_arm64_fault(SIGBUS, BUS_ADRALN, (0x24u << 26) | 0x21, 0x31, 0x4000, 0x7000, 0, &f), &f, 1, 0x101 /* EXC_ARM_DA_ALIGN */, 0x31);
  expect(machipc_arm64_fault(SIGSEGV, SEGV_MAPERR, (0x20u << 26) | 0x06, 0x8000, 0x8000, 0x7000, 0, &f), &f, 1, 1, 0x8000);
  expect(machipc_arm64_fault(SIGBUS, BUS_ADRALN, 0x22u << 26, 0, 0x4002, 0x7000, 0, &f), &f, 1, 0x101, 0x4002);
  expect(machipc_arm64_fault(SIGBUS, BUS_ADRALN, 0x26u << 26, 0, 0x4000, 0x7003, 0, &f), &f, 1, 0x103 /* EXC_ARM_SP_ALIGN */, 0x7003);
  expect(machipc_arm64_fault(SIGTRAP, TRAP_BRKPT, (0x3cu << 26) | 0, 0, 0x4000, 0x7000, 0, &f), &f, 6, 1 /* EXC_ARM_BREAKPOINT */, 0x4000);
  expect(machipc_arm64_fault(SIGFPE, FPE_FLTDIV, (0x2cu << 26) | 0x2, 0, 0x4000, 0x7000, 0x1e201800, &f), &f, 3, 2 /* EXC_ARM_FP_DZ */, 0x1e201800);
  expect(machipc_arm64_fault(SIGILL, ILL_ILLOPC, 0, 0, 0x4000, 0x7000, 0x00000000, &f), &f, 2, 1 /* EXC_ARM_UNDEFINED */, 0);
  expect(machipc_arm64_fault(SIGTRAP, TRAP_BRKPT, 0, 0, 0x5000, 0x7000, 0, &f), &f, 6, 1, 0x5000);
  expect(machipc_arm64_fault(SIGSEGV, SEGV_ACCERR, 0, 0x40, 0x5000, 0x7000, 0, &f), &f, 1, 2, 0x40);
  CHECK(machipc_arm64_fault(SIGSEGV, SI_USER, 0, 0, 0, 0, 0, &f) == 0);

  /* arm64 layouts: x0-x30 sp pc cpsr pad, only the condition flags of cpsr settable; NEON v0-v31 fpsr fpcr. */
  uint64_t r[31];
  for (int i = 0; i < 31; i++) r[i] = 0x1000 + (uint64_t)i;
  uint32_t a[ARM_THREAD_WORDS];
  machipc_arm64_thread_state(r, 0x7000, 0x4000, 0x60001000, a);
  CHECK(a[0] == 0x1000 && a[58] == 0x1000 + 29 && a[60] == 0x1000 + 30 && a[62] == 0x7000 && a[64] == 0x4000 && a[66] == 0x60001000 && a[67] == 0);
  a[64] = 0x4004;
  a[66] = 0x80000000 | 0x3c5;
  uint64_t sp, pc, ps = 0x60001000;
  machipc_arm64_set_regs(a, r, &sp, &pc, &ps);
  CHECK(pc == 0x4004 && sp == 0x7000 && ps == 0x80001000);
  unsigned char v[512];
  for (int i = 0; i < 512; i++) v[i] = (unsigned char)(i * 3);
  uint32_t n[ARM_NEON_WORDS];
  machipc_arm64_neon_state(v, 0x10, 0x20, n);
  CHECK(memcmp(n, v, 512) == 0 && n[128] == 0x10 && n[129] == 0x20 && n[130] == 0 && n[131] == 0);
  machipc_arm64_exception_state(0xabc, (0x24u << 26) | 7, 0x24, e);
  CHECK(e[0] == 0xabc && e[1] == 0 && e[2] == ((0x24u << 26) | 7) && e[3] == 0x24);

  /* What a process dies of: macOS's signal numbers in Linux's. */
  CHECK(machipc_linux_signal(10) == SIGBUS && machipc_linux_signal(11) == SIGSEGV && machipc_linux_signal(12) == SIGSYS && machipc_linux_signal(4) == SIGILL);
  printf("ok %d\n", checks);
  return 0;
}
