/**
 * Kernel messages (osfmk/ipc/ipc_kmsg.h): a message after copyin, holding
 * port objects instead of names. Inline data stays in user form, so copyout
 * is one copy plus patches of the header and descriptors.
 */
import { PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import type { PortRef } from "./port.js";

export interface KPortDesc {
  kind: 0;
  /** Offset of the descriptor from the start of the message (user form). */
  off: number;
  port: PortRef;
  /** The carried type (16, 17, 18), or 0 for a null/dead name. */
  type: number;
}

export interface KOolDesc {
  kind: 1 | 3;
  off: number;
  data: Uint8Array;
  copy: number;
  deallocate: boolean;
  /** `data` is copyin's own copy, which nothing else holds: copyout may map it as it is instead of copying it again. */
  owned?: boolean;
  /** The memory as a backing not read yet (ool_backing.ts): `data` reads it; copyout may pass it on unread. */
  backing?: import("./ool_backing.js").OolBacking | null;
}

export interface KOolPortsDesc {
  kind: 2;
  off: number;
  ports: PortRef[];
  type: number;
  copy: number;
  deallocate: boolean;
}

/**
 * A run of consecutive port descriptors carrying one type, the i-th at `off + 12 * i`
 * (PORT_DESCRIPTOR.size): how a kernel reply holds a port array (host_get_exception_ports'
 * 32 handlers, most of them null). One object and one array per run instead of an object per
 * descriptor, which cost half of a get_exception_ports round trip to build and copy out.
 * `kind` is no MACH_MSG_*_DESCRIPTOR value. Whoever makes a run writes its descriptors' bytes
 * whole (null names, zero pads, the disposition, MACH_MSG_PORT_DESCRIPTOR): copyout writes
 * only the names of the rights.
 */
export interface KPortRunDesc {
  kind: 4;
  off: number;
  /** The rights of the run's first descriptors; those past the list (up to `count`) are null ports. */
  ports: PortRef[];
  type: number;
  /** Descriptors in the run (a port array's MIG maximum), at least ports.length. */
  count: number;
}

/** KPortRunDesc's kind. */
export const KDESC_PORT_RUN = 4;

export type KDesc = KPortDesc | KOolDesc | KOolPortsDesc | KPortRunDesc;

/**
 * The descriptors one per entry, a run given as its port descriptors: for the readers
 * that index descriptors by position (a MIG decoder), should a message with runs reach them.
 */
export function descriptorsOf(descs: KDesc[]): KDesc[] {
  if (!descs.some((d) => d.kind === KDESC_PORT_RUN)) return descs;
  const out: KDesc[] = [];
  for (const d of descs) {
    if (d.kind !== KDESC_PORT_RUN) out.push(d);
    else for (let i = 0; i < d.count; i++) out.push({ kind: 0, off: d.off + PORT_DESCRIPTOR.size * i, port: d.ports[i] ?? null, type: d.type });
  }
  return out;
}

/** KERNEL_SECURITY_TOKEN and KERNEL_AUDIT_TOKEN. */
export const KERNEL_SECURITY_TOKEN: readonly [number, number] = [0, 1];
export const KERNEL_AUDIT_TOKEN: Readonly<Uint32Array> = new Uint32Array(8);

export class IpcKmsg {
  /** Header bits after copyin: remote and local hold carried types. */
  bits = 0;
  /** User-form size of the message, header included, trailer excluded. */
  size = 0;
  id = 0;
  remote: PortRef = null;
  local: PortRef = null;
  voucher: PortRef = null;
  /**
   * The whole message in user form, but for its header: the 24 header bytes are not
   * copied in, nor read by anything (the fields above hold the header). Descriptor names are
   * patched at copyout.
   */
  data: Uint8Array;
  descs: KDesc[] | null = null;
  /** The sender's security token {uid, gid} and audit token. */
  secToken: readonly [number, number] = KERNEL_SECURITY_TOKEN;
  auditToken: Readonly<Uint32Array> = KERNEL_AUDIT_TOKEN;
  /** Queue link. */
  next: IpcKmsg | null = null;
  /** Which task sent it (for traces); null for the kernel. */
  senderTaskId = 0;
  /**
   * The raw msgh_voucher_port of a message sent with no voucher disposition:
   * xnu-3248 leaves it in the kernel header, and the receiver sees it.
   */
  voucherName = 0;
  /** `data` is a small buffer of kmsg_buffer's own (kmsgWithData) that nothing else holds. */
  ownsSmallData = false;
  /** For a small `data` of kmsg_buffer's own: a Uint32Array over the same bytes (word i is bytes 4i..4i+3), else null. */
  words: Uint32Array | null = null;
  /** The port whose preallocated buffer this kernel message occupies (ikm_prealloc_set_inuse). */
  premsgPort: import("./port.js").IpcPort | null = null;
  /**
   * An embedder's note while the message is queued (the server's memory accounting,
   * src/server/server.ts): a field rather than a WeakMap entry, which cost 5% of a
   * served null RPC. Opaque here.
   */
  queuedNote: unknown = null;

  constructor(data: Uint8Array) {
    this.data = data;
    // `length`, not `byteLength`, for every Uint8Array on the message path: Node 20's V8 does not
    // inline a typed array's byteLength (about 15 ns a read; a null RPC read it nine times).
    this.size = data.length;
  }

  get complex(): boolean {
    return (this.bits & 0x80000000) !== 0;
  }

  /** Number of port descriptors (a 64-bit task's kernel form grows each by 4 bytes). */
  portDescriptorCount(): number {
    let n = 0;
    if (this.descs) {
      for (const d of this.descs) {
        if (d.kind === 0) n++;
        else if (d.kind === KDESC_PORT_RUN) n += d.count;
      }
    }
    return n;
  }

  /** The size this message has in the kernel's K64 form, which MIG server stubs check. */
  kernelSize(): number {
    return this.size + 8 + 4 * this.portDescriptorCount();
  }
}

/** The message leaves its queue (or is destroyed): a preallocated buffer it occupied is free again. */
export function kmsgReleasePrealloc(kmsg: IpcKmsg): void {
  const port = kmsg.premsgPort;
  if (!port) return;
  kmsg.premsgPort = null;
  const pre = port.ext?.prealloc;
  if (pre) pre.inUse = false;
}
