/**
 * The size steps of a port's dead-name request table (ipc_table_requests,
 * filled by ipc_table_fill in osfmk/ipc/ipc_table.c) and its growth
 * (ipc_port_request_grow). Slot 0 of a table is its header, so a table of
 * size n holds n - 1 requests. machipc keeps the requests themselves in a list;
 * only the step the table has grown to is recorded, since sizes are what
 * mach_port_get_attributes(MACH_PORT_DNREQUESTS_SIZE) and
 * mach_port_dnrequest_info report.
 */
import { KERN_NO_SPACE, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import type { IpcPort } from "./port.js";

/** ITS_SIZE_NONE: grow by one step, whatever the size. */
export const ITS_SIZE_NONE = 0xffffffff;

/** ipc_table_fill(its, 63, 2, sizeof(struct ipc_port_request) = 16) with PAGE_MAX_SIZE 4096, then a last size of 0. */
function fillRequestSizes(): readonly number[] {
  const num = 63;
  const elem = 16;
  const page = 4096;
  const minsize = 2 * elem;
  const out: number[] = [];
  let size = 1;
  for (; out.length < num && size < page; size *= 2) if (size >= minsize) out.push(size / elem);
  // Then increments of a page, two pages, ... up to eight pages, fifteen at a time.
  for (let incr = page; out.length < num; ) {
    for (let period = 0; period < 15 && out.length < num; period++, size += incr) if (size >= minsize) out.push(Math.floor(size / elem));
    if (incr < page << 3) incr *= 2;
  }
  out.push(0);
  return out;
}

export const IPC_TABLE_REQUESTS: readonly number[] = fillRequestSizes();

/** The size of `port`'s request table (its_size), 0 when it has none. */
export function requestTableSize(port: IpcPort): number {
  const step = port.ext?.requestTableStep ?? -1;
  return step < 0 ? 0 : IPC_TABLE_REQUESTS[step]!;
}

/**
 * ipc_port_request_grow: to the first size of at least `target` (ITS_SIZE_NONE:
 * the next size). Already big enough is success; past the largest size is
 * KERN_NO_SPACE; growing beyond the last step without a target is KERN_RESOURCE_SHORTAGE.
 */
export function requestTableGrow(port: IpcPort, target: number): KernReturn {
  const x = port.x();
  let step = x.requestTableStep + 1;
  if (target !== ITS_SIZE_NONE) {
    if (x.requestTableStep >= 0 && target <= IPC_TABLE_REQUESTS[x.requestTableStep]!) return KERN_SUCCESS;
    while (IPC_TABLE_REQUESTS[step]! !== 0 && IPC_TABLE_REQUESTS[step]! < target) step++;
    if (IPC_TABLE_REQUESTS[step] === 0) return KERN_NO_SPACE;
  }
  if (IPC_TABLE_REQUESTS[step] === 0) return KERN_RESOURCE_SHORTAGE;
  x.requestTableStep = step;
  return KERN_SUCCESS;
}

/** ipc_port_request_alloc's room check, growing the table as ipc_right_request_alloc does when it is full. */
export function requestTableReserve(port: IpcPort): KernReturn {
  const used = port.ext?.requests?.length ?? 0;
  while (used + 1 > requestTableSize(port) - 1) {
    const kr = requestTableGrow(port, ITS_SIZE_NONE);
    if (kr !== KERN_SUCCESS) return kr;
  }
  return KERN_SUCCESS;
}
