/** struct exception_action: one slot of a host, task or thread exception port table. */
import { EXC_TYPES_COUNT } from "../abi/exception.js";
import type { PortRef } from "../ipc/port.js";

export interface ExceptionAction {
  port: PortRef;
  behavior: number;
  flavor: number;
  privileged: boolean;
}

/** EXC_TYPES_COUNT empty slots (index 0 unused), as the zeroed globals XNU starts with. */
export function emptyExceptionActions(): ExceptionAction[] {
  const out: ExceptionAction[] = [];
  for (let i = 0; i < EXC_TYPES_COUNT; i++) out.push({ port: null, behavior: 0, flavor: 0, privileged: false });
  return out;
}
