/**
 * The host (realhost), the default processor set (pset0) and the processors:
 * the kernel objects ipc_host.c gives ports to. They do not know how they are named.
 */
import { HOST_MAX_SPECIAL_PORT, PROCESSOR_RUNNING } from "../abi/host.js";
import type { IpcPort, PortRef } from "../ipc/port.js";
import { emptyExceptionActions, type ExceptionAction } from "./exc_action.js";

export class Host {
  /** realhost.special[]: a send right per slot, HOST_SECURITY_PORT..HOST_MAX_SPECIAL_PORT. */
  readonly special: PortRef[] = new Array<PortRef>(HOST_MAX_SPECIAL_PORT + 1).fill(null);
  /** realhost.exc_actions[EXC_TYPES_COUNT]. */
  readonly excActions: ExceptionAction[] = emptyExceptionActions();
  /** dynamic_pager_control_port (set_dp_control_port / get_dp_control_port). */
  dpControlPort: PortRef = null;
  /** The kernel ports bound to this host (their receive rights are the kernel's). */
  hostPort!: IpcPort;
  hostPrivPort!: IpcPort;
  hostSecurityPort!: IpcPort;
}

export class ProcessorSet {
  /** pset_self (IKOT_PSET) and pset_name_self (IKOT_PSET_NAME). No send rights are kept. */
  selfPort!: IpcPort;
  namePort!: IpcPort;
  readonly processors: Processor[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

export class Processor {
  readonly cpuId: number;
  readonly isMaster: boolean;
  state = PROCESSOR_RUNNING;
  pset: ProcessorSet;
  /** processor_self (IKOT_PROCESSOR); null until ipc_processor_init. */
  port: IpcPort | null = null;
  constructor(cpuId: number, isMaster: boolean, pset: ProcessorSet) {
    this.cpuId = cpuId;
    this.isMaster = isMaster;
    this.pset = pset;
  }
}
