/** Exception types, masks and behaviors (osfmk/mach/exception_types.h, xnu-3248). */
export const EXC_BAD_ACCESS = 1;
export const EXC_BAD_INSTRUCTION = 2;
export const EXC_ARITHMETIC = 3;
export const EXC_EMULATION = 4;
export const EXC_SOFTWARE = 5;
export const EXC_BREAKPOINT = 6;
export const EXC_SYSCALL = 7;
export const EXC_MACH_SYSCALL = 8;
export const EXC_RPC_ALERT = 9;
export const EXC_CRASH = 10;
export const EXC_RESOURCE = 11;
export const EXC_GUARD = 12;
export const EXC_CORPSE_NOTIFY = 13;
export const FIRST_EXCEPTION = 1;
export const EXC_TYPES_COUNT = 14;
export const EXCEPTION_CODE_MAX = 2;

export const EXC_MASK_BAD_ACCESS = 1 << EXC_BAD_ACCESS;
export const EXC_MASK_BAD_INSTRUCTION = 1 << EXC_BAD_INSTRUCTION;
export const EXC_MASK_ARITHMETIC = 1 << EXC_ARITHMETIC;
export const EXC_MASK_EMULATION = 1 << EXC_EMULATION;
export const EXC_MASK_SOFTWARE = 1 << EXC_SOFTWARE;
export const EXC_MASK_BREAKPOINT = 1 << EXC_BREAKPOINT;
export const EXC_MASK_SYSCALL = 1 << EXC_SYSCALL;
export const EXC_MASK_MACH_SYSCALL = 1 << EXC_MACH_SYSCALL;
export const EXC_MASK_RPC_ALERT = 1 << EXC_RPC_ALERT;
export const EXC_MASK_CRASH = 1 << EXC_CRASH;
export const EXC_MASK_RESOURCE = 1 << EXC_RESOURCE;
export const EXC_MASK_GUARD = 1 << EXC_GUARD;
export const EXC_MASK_CORPSE_NOTIFY = 1 << EXC_CORPSE_NOTIFY;
export const EXC_MASK_MACHINE = 0;
/** Everything but CRASH and CORPSE_NOTIFY. */
export const EXC_MASK_ALL = 0x00001bfe;
/** Kernel-private: the bits set/get/swap accept. */
export const EXC_MASK_VALID = 0x00003ffe;

export const EXCEPTION_DEFAULT = 1;
export const EXCEPTION_STATE = 2;
export const EXCEPTION_STATE_IDENTITY = 3;
export const MACH_EXCEPTION_CODES = 0x80000000;

const EXC_NAMES = [
  "", "EXC_BAD_ACCESS", "EXC_BAD_INSTRUCTION", "EXC_ARITHMETIC", "EXC_EMULATION", "EXC_SOFTWARE",
  "EXC_BREAKPOINT", "EXC_SYSCALL", "EXC_MACH_SYSCALL", "EXC_RPC_ALERT", "EXC_CRASH", "EXC_RESOURCE",
  "EXC_GUARD", "EXC_CORPSE_NOTIFY",
];
export const exceptionName = (e: number): string => EXC_NAMES[e] || `exception ${e}`;
