/**
 * mach_port_guard_exception (osfmk/ipc/mach_port.c): a guard violation is
 * recorded on the current thread, and EXC_GUARD is raised when that thread
 * leaves the kernel (AST_GUARD). The IPC layer only reports the violation;
 * whoever runs the trap (the kernel's Thread) installs the owner (current.ts) that records it.
 */
import { GUARD_TYPE_MACH_PORT } from "../abi/port.js";
import { trapOwner } from "./current.js";

/** thread->guard_exc_info: the codes the EXC_GUARD will carry. */
export interface GuardViolation {
  code: bigint;
  subcode: bigint;
}


/**
 * code: GUARD_TYPE_MACH_PORT in bits 63-61, the violation flavor in 60-32, the
 * port name in 31-0; subcode: the port's guard. The guard the caller offered is
 * only logged by XNU, not carried.
 */
export function machPortGuardException(name: number, inguard: bigint, portguard: bigint, reason: number): void {
  void inguard;
  const code = (BigInt(GUARD_TYPE_MACH_PORT) << 61n) | (BigInt(reason >>> 0) << 32n) | BigInt(name >>> 0);
  trapOwner()?.guard({ code, subcode: BigInt.asUintN(64, portguard) });
}
