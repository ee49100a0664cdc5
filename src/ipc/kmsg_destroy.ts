/**
 * ipc_kmsg_destroy / ipc_kmsg_clean: release every right a message carries.
 * Destroying a message can destroy receive rights, whose queues hold more
 * messages; like XNU's deferred destroy queue, the work is done in a loop
 * rather than by recursion, so deep chains cannot overflow the stack.
 */
import { msghBitsLocal, msghBitsRemote, msghBitsVoucher } from "../abi/message.js";
import { KDESC_PORT_RUN, kmsgReleasePrealloc, type IpcKmsg } from "./kmsg.js";
import { destroyCarriedRight } from "./right.js";

const pending: IpcKmsg[] = [];
let draining = false;

export function kmsgDestroy(kmsg: IpcKmsg): void {
  pending.push(kmsg);
  if (draining) return;
  draining = true;
  try {
    while (pending.length > 0) kmsgClean(pending.pop()!);
  } finally {
    draining = false;
  }
}

/** Release the header's rights and every right in the body. */
function kmsgClean(kmsg: IpcKmsg): void {
  kmsgReleasePrealloc(kmsg);
  const { bits } = kmsg;
  destroyCarriedRight(kmsg.remote, msghBitsRemote(bits));
  destroyCarriedRight(kmsg.local, msghBitsLocal(bits));
  destroyCarriedRight(kmsg.voucher, msghBitsVoucher(bits));
  kmsg.remote = kmsg.local = kmsg.voucher = null;
  kmsgCleanBody(kmsg, kmsg.descs ? kmsg.descs.length : 0);
}

/** Release the rights of the first `count` descriptors (ipc_kmsg_clean_body). */
export function kmsgCleanBody(kmsg: IpcKmsg, count: number): void {
  const descs = kmsg.descs;
  if (!descs) return;
  for (let i = 0; i < count && i < descs.length; i++) {
    const d = descs[i]!;
    if (d.kind === 0) {
      destroyCarriedRight(d.port, d.type);
      d.port = null;
    } else if (d.kind === 2 || d.kind === KDESC_PORT_RUN) {
      for (let j = 0; j < d.ports.length; j++) {
        destroyCarriedRight(d.ports[j]!, d.type);
        d.ports[j] = null;
      }
    } else if (d.backing) {
      // OOL memory held unread (a memfd in the server) goes with the message.
      d.backing.release();
      d.backing = null;
    }
  }
}
