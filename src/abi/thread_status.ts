/**
 * Thread state flavors and their sizes in 32-bit words, for x86_64
 * (osfmk/mach/i386/thread_status.h, xnu-3248) and arm64
 * (osfmk/mach/arm/thread_status.h, first in xnu-4570), with each
 * architecture's VALID_THREAD_STATE_FLAVOR set.
 */
export type Arch = "x86_64" | "arm64";

export const THREAD_STATE_FLAVOR_LIST = 0;
export const THREAD_STATE_FLAVOR_LIST_NEW = 128;
export const THREAD_STATE_FLAVOR_LIST_10_9 = 129;

// x86 (the i386_* names are the 32-bit flavors' original spellings)
export const i386_THREAD_STATE = 1;
export const i386_FLOAT_STATE = 2;
export const i386_EXCEPTION_STATE = 3;
export const x86_THREAD_STATE32 = 1;
export const x86_FLOAT_STATE32 = 2;
export const x86_EXCEPTION_STATE32 = 3;
export const x86_THREAD_STATE64 = 4;
export const x86_FLOAT_STATE64 = 5;
export const x86_EXCEPTION_STATE64 = 6;
export const x86_THREAD_STATE = 7;
export const x86_FLOAT_STATE = 8;
export const x86_EXCEPTION_STATE = 9;
export const x86_DEBUG_STATE32 = 10;
export const x86_DEBUG_STATE64 = 11;
export const x86_DEBUG_STATE = 12;
export const THREAD_STATE_NONE_X86 = 13;
export const x86_AVX_STATE32 = 16;
export const x86_AVX_STATE64 = 17;
export const x86_AVX_STATE = 18;
export const x86_THREAD_STATE64_COUNT = 42;
export const x86_FLOAT_STATE64_COUNT = 131;
export const x86_EXCEPTION_STATE64_COUNT = 4;
export const x86_DEBUG_STATE64_COUNT = 16;
export const x86_AVX_STATE64_COUNT = 211;
/** THREAD_STATE_MAX on x86 in xnu-3248, in words. */
export const THREAD_STATE_MAX_X86 = 224;

// ARM (arm64 threads)
export const ARM_THREAD_STATE = 1;
export const ARM_VFP_STATE = 2;
export const ARM_EXCEPTION_STATE = 3;
export const ARM_DEBUG_STATE = 4;
export const THREAD_STATE_NONE_ARM = 5;
export const ARM_THREAD_STATE64 = 6;
export const ARM_EXCEPTION_STATE64 = 7;
export const ARM_THREAD_STATE32 = 9;
export const ARM_DEBUG_STATE32 = 14;
export const ARM_DEBUG_STATE64 = 15;
export const ARM_NEON_STATE = 16;
export const ARM_NEON_STATE64 = 17;
export const ARM_THREAD_STATE64_COUNT = 68;
export const ARM_EXCEPTION_STATE64_COUNT = 4;
export const ARM_NEON_STATE64_COUNT = 132;
export const ARM_DEBUG_STATE64_COUNT = 130;
/** arm_unified_thread_state: {flavor, count} and the larger of the 32/64-bit states. */
export const ARM_UNIFIED_THREAD_STATE_COUNT = 70;
export const THREAD_STATE_MAX_ARM = 144;

/** _MachineStateCount: words per flavor (0 for flavors with no state). */
const X86_COUNTS: Record<number, number> = {
  1: 16, 2: 131, 3: 3, 4: 42, 5: 131, 6: 4, 7: 44, 8: 133, 9: 6, 10: 8, 11: 16, 12: 18, 13: 0, 16: 179, 17: 211, 18: 213,
};
const ARM_COUNTS: Record<number, number> = {
  1: ARM_UNIFIED_THREAD_STATE_COUNT, 2: 65, 3: 3, 4: 66, 5: 0, 6: 68, 7: 4, 9: 17, 14: 66, 15: 130, 16: 68, 17: 132,
};

/** VALID_THREAD_STATE_FLAVOR for the architecture (xnu-3248 on x86; xnu-4570 on arm). */
export function validThreadStateFlavor(arch: Arch, flavor: number): boolean {
  if (arch === "x86_64") return (flavor >= 1 && flavor <= 13) || (flavor >= 16 && flavor <= 18);
  return [1, 2, 3, 4, 5, 9, 6, 7, 16, 17, 14, 15].includes(flavor);
}

/** _MachineStateCount[flavor], or undefined for a flavor the architecture does not have. */
export function machineStateCount(arch: Arch, flavor: number): number | undefined {
  return (arch === "x86_64" ? X86_COUNTS : ARM_COUNTS)[flavor];
}

export function threadStateMax(arch: Arch): number {
  return arch === "x86_64" ? THREAD_STATE_MAX_X86 : THREAD_STATE_MAX_ARM;
}

/** Register names of the main 64-bit general state, in struct order, each a u64 (x86: 21; arm64: 33 + cpsr). */
export const X86_THREAD_STATE64_REGS = [
  "rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
  "rip", "rflags", "cs", "fs", "gs",
] as const;
export const ARM_THREAD_STATE64_REGS = [
  ...Array.from({ length: 29 }, (_, i) => `x${i}`), "fp", "lr", "sp", "pc",
] as const;
