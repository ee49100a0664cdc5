/** What each fault of test/proc/c/proctest.c raises on this machine (x86_64, from xnu-3248's trap.c), and what it dies of. */
import { EXC_ARITHMETIC, EXC_BAD_ACCESS, EXC_BAD_INSTRUCTION, EXC_BREAKPOINT, EXC_MASK_ARITHMETIC, EXC_MASK_BAD_ACCESS, EXC_MASK_BAD_INSTRUCTION, EXC_MASK_BREAKPOINT } from "../../src/abi/exception.js";
import { KERN_INVALID_ADDRESS, KERN_MEMORY_ERROR, KERN_PROTECTION_FAILURE } from "../../src/abi/kern_return.js";

export interface FaultCase {
  kind: string;
  exception: number;
  code: bigint;
  /** The subcode: a fixed value, or "page" for the address the program prints. */
  subcode: bigint | "page";
  /** Bytes of the faulting instruction (the handler moves rip past them; int3 has already been passed). */
  length: number;
  /** The Linux signal the process dies of when only BSD's handler takes it (macOS: SIGBUS for a protection failure). */
  signal: NodeJS.Signals;
}

export const FAULTS: FaultCase[] = [
  { kind: "segv", exception: EXC_BAD_ACCESS, code: BigInt(KERN_INVALID_ADDRESS), subcode: 0n, length: 2, signal: "SIGSEGV" },
  { kind: "prot", exception: EXC_BAD_ACCESS, code: BigInt(KERN_PROTECTION_FAILURE), subcode: "page", length: 6, signal: "SIGBUS" },
  { kind: "bus", exception: EXC_BAD_ACCESS, code: BigInt(KERN_MEMORY_ERROR), subcode: "page", length: 2, signal: "SIGBUS" },
  { kind: "ill", exception: EXC_BAD_INSTRUCTION, code: 1n /* EXC_I386_INVOP */, subcode: 0n, length: 2, signal: "SIGILL" },
  { kind: "fpe", exception: EXC_ARITHMETIC, code: 1n /* EXC_I386_DIV */, subcode: 0n, length: 2, signal: "SIGFPE" },
  { kind: "trap", exception: EXC_BREAKPOINT, code: 2n /* EXC_I386_BPT */, subcode: 0n, length: 0, signal: "SIGTRAP" },
];

export const FAULT_MASK = EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION | EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT;
/** x86_THREAD_STATE64 register indexes. */
export const RBX = 1;
export const RSP = 7;
export const R12 = 12;
export const RIP = 16;
