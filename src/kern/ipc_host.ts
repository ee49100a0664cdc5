/**
 * osfmk/kern/ipc_host.c (xnu-3248.40.184): the host's ports at boot, the
 * processor and processor-set ports, host_self_trap, and the conversions
 * between these ports and their objects.
 */
import {
  IKOT_HOST,
  IKOT_HOST_PRIV,
  IKOT_HOST_SECURITY,
  IKOT_PROCESSOR,
  IKOT_PSET,
  IKOT_PSET_NAME,
} from "../abi/ikot.js";
import { HOST_PORT, HOST_PRIV_PORT, HOST_SECURITY_PORT } from "../abi/host.js";
import { MACH_PORT_DEAD, MACH_PORT_NULL } from "../abi/port.js";
import { MACH_MSG_TYPE_PORT_SEND } from "../abi/message.js";
import { IP_DEAD, ipValid, type IpcPort, type PortRef } from "../ipc/port.js";
import { portCopySend, portMakeSend, portReleaseSend, rightCopyout } from "../ipc/right.js";
import type { IpcSpace } from "../ipc/space.js";
import { KERN_SUCCESS, KERN_INVALID_CAPABILITY } from "../abi/kern_return.js";
import { kobjectAlloc, kobjectSet } from "./ipc_kobject.js";
import type { Host, Processor, ProcessorSet } from "./host.js";

/**
 * ipc_host_init: the three host ports in XNU's order (security, host, priv),
 * each stored as its special port holding a made send right.
 */
export function ipcHostInit(kernelSpace: IpcSpace, host: Host): void {
  const security = kobjectAlloc(kernelSpace, IKOT_HOST_SECURITY, host);
  kernelSetSpecialPort(host, HOST_SECURITY_PORT, portMakeSend(security));
  const hostPort = kobjectAlloc(kernelSpace, IKOT_HOST, host);
  kernelSetSpecialPort(host, HOST_PORT, portMakeSend(hostPort));
  const priv = kobjectAlloc(kernelSpace, IKOT_HOST_PRIV, host);
  kernelSetSpecialPort(host, HOST_PRIV_PORT, portMakeSend(priv));
  host.hostSecurityPort = security;
  host.hostPort = hostPort;
  host.hostPrivPort = priv;
}

/** kernel_set_special_port: swap the slot, then release the previous right. No id check: kernel callers only. */
export function kernelSetSpecialPort(host: Host, which: number, port: PortRef): void {
  const old = host.special[which] ?? null;
  host.special[which] = port;
  if (ipValid(old)) portReleaseSend(old);
}

/** ipc_pset_init + ipc_pset_enable: control port first, then the name port; no send rights are kept. */
export function ipcPsetInit(kernelSpace: IpcSpace, pset: ProcessorSet): void {
  pset.selfPort = kobjectAlloc(kernelSpace, IKOT_PSET, pset);
  pset.namePort = kobjectAlloc(kernelSpace, IKOT_PSET_NAME, pset);
}

/** ipc_processor_init + ipc_processor_enable. */
export function ipcProcessorInit(kernelSpace: IpcSpace, processor: Processor): void {
  if (!processor.port) processor.port = kobjectAlloc(kernelSpace, IKOT_NONE_PLACEHOLDER, null);
  kobjectSet(processor.port, IKOT_PROCESSOR, processor);
}
const IKOT_NONE_PLACEHOLDER = 0;

/**
 * host_self_trap: a send right to the task's host port (itk_host), copied out
 * into its space. MACH_PORT_NULL when it cannot be named, DEAD when it died.
 */
export function hostSelfTrap(space: IpcSpace, itkHost: PortRef): number {
  const sright = portCopySend(itkHost);
  return copyoutSendRight(space, sright);
}

/** ipc_port_copyout_send: name a naked send right in a space (user references pegged, not overflowed). */
export function copyoutSendRight(space: IpcSpace, sright: PortRef): number {
  if (sright === null) return MACH_PORT_NULL;
  if (sright === IP_DEAD) return MACH_PORT_DEAD;
  const r = rightCopyout(space, sright, MACH_MSG_TYPE_PORT_SEND, true);
  if (r.kr === KERN_SUCCESS) return r.name;
  const kr = r.kr;
  portReleaseSend(sright);
  return kr === KERN_INVALID_CAPABILITY ? MACH_PORT_DEAD : MACH_PORT_NULL;
}

/**
 * The object behind an active port of kind `a` (or `b`): one or two kinds as plain arguments,
 * not a rest array searched per conversion (every host routine converts its target).
 */
const activeOf = (port: PortRef, a: number, b = a): IpcPort | null =>
  ipValid(port) && port.active && (port.kotype === a || port.kotype === b) ? port : null;

/** convert_port_to_host: host or host priv ports. */
export const convertPortToHost = (port: PortRef): Host | null =>
  (activeOf(port, IKOT_HOST, IKOT_HOST_PRIV)?.kobject as Host | undefined) ?? null;
/** convert_port_to_host_priv: only the host priv port. */
export const convertPortToHostPriv = (port: PortRef): Host | null =>
  (activeOf(port, IKOT_HOST_PRIV)?.kobject as Host | undefined) ?? null;
/** convert_port_to_host_security: only the host security port. */
export const convertPortToHostSecurity = (port: PortRef): Host | null =>
  (activeOf(port, IKOT_HOST_SECURITY)?.kobject as Host | undefined) ?? null;
/** convert_port_to_processor. */
export const convertPortToProcessor = (port: PortRef): Processor | null =>
  (activeOf(port, IKOT_PROCESSOR)?.kobject as Processor | undefined) ?? null;
/** convert_port_to_pset: the control port only. */
export const convertPortToPset = (port: PortRef): ProcessorSet | null =>
  (activeOf(port, IKOT_PSET)?.kobject as ProcessorSet | undefined) ?? null;
/** convert_port_to_pset_name: the control or the name port. */
export const convertPortToPsetName = (port: PortRef): ProcessorSet | null =>
  (activeOf(port, IKOT_PSET, IKOT_PSET_NAME)?.kobject as ProcessorSet | undefined) ?? null;

/** convert_host_to_port: a copy of the HOST_PORT special port, even for a host priv caller. */
export const convertHostToPort = (host: Host): PortRef => portCopySend(host.special[HOST_PORT] ?? null);
/** convert_processor_to_port: a made send right, or null when the processor has no port. */
export const convertProcessorToPort = (p: Processor): PortRef => (p.port ? makeSendOrDead(p.port) : null);
/** convert_pset_to_port / convert_pset_name_to_port: made send rights. */
export const convertPsetToPort = (pset: ProcessorSet): PortRef => makeSendOrDead(pset.selfPort);
export const convertPsetNameToPort = (pset: ProcessorSet): PortRef => makeSendOrDead(pset.namePort);

/** ipc_port_make_send on a port that may have died: IP_DEAD then. */
export function makeSendOrDead(port: IpcPort): PortRef {
  return port.active ? portMakeSend(port) : IP_DEAD;
}
