/**
 * host_get_special_port / host_set_special_port (osfmk/kern/host.c, xnu-3248).
 */
import { HOST_MAX_SPECIAL_KERNEL_PORT, HOST_MAX_SPECIAL_PORT, HOST_SECURITY_PORT } from "../abi/host.js";
import { KERN_INVALID_ARGUMENT, KERN_NO_ACCESS, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import type { PortRef } from "../ipc/port.js";
import { portCopySend } from "../ipc/right.js";
import type { Host } from "./host.js";
import { kernelSetSpecialPort } from "./ipc_host.js";

/**
 * One test refuses a null host, the security port, and ids out of range;
 * `node` is not looked at; an empty slot reads as success with a null port.
 */
export function hostGetSpecialPort(host: Host | null, node: number, which: number): { kr: KernReturn; port: PortRef } {
  void node;
  if (!host || which === HOST_SECURITY_PORT || which > HOST_MAX_SPECIAL_PORT || which < 0) return { kr: KERN_INVALID_ARGUMENT, port: null };
  return { kr: KERN_SUCCESS, port: portCopySend(host.special[which] ?? null) };
}

/**
 * Kernel-owned slots (up to HOST_MAX_SPECIAL_KERNEL_PORT) cannot be set from
 * user space; then the MAC hook; then the swap. The right is consumed on success.
 */
export function hostSetSpecialPort(host: Host | null, which: number, port: PortRef, macCheck: () => number): KernReturn {
  if (!host || which <= HOST_MAX_SPECIAL_KERNEL_PORT || which > HOST_MAX_SPECIAL_PORT) return KERN_INVALID_ARGUMENT;
  if (macCheck() !== 0) return KERN_NO_ACCESS;
  kernelSetSpecialPort(host, which, port);
  return KERN_SUCCESS;
}
