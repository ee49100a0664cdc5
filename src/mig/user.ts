/**
 * The client side of a routine, as a MIG-generated user stub lays it out:
 * build the request bytes from arguments and read the reply bytes back. Same
 * parameter list as the server side, so the two cannot disagree.
 */
import { KERN_SUCCESS } from "../abi/kern_return.js";
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_MSG_PHYSICAL_COPY,
  MACH_MSG_VIRTUAL_COPY,
  msghBits,
} from "../abi/message.js";
import { HEADER_SIZE, MACH_MSG_HEADER, NDR_RECORD, NDR_SIZE, OOL_DESCRIPTOR, OOL_PORTS_DESCRIPTOR, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { viewOf } from "../abi/layout.js";
import { wrU32 } from "../abi/bytes.js";
import type { UserMemory } from "../ipc/user_memory.js";
import { kmsgData } from "../ipc/kmsg_buffer.js";
import { inlineIn, inlineOut, type Routine } from "./routine.js";
import { migReplyCheck } from "./reply_check.js";
import { hasOolCount, migStrncpy, type Param } from "./types.js";
import { compileRequest, type FastRequest } from "./request_fast.js";

/** A port argument from the caller's side: a name, with the disposition to send it with. */
export interface UserPort {
  name: number;
  disposition: number;
}

/** A port argument: a name (sent with the routine's usual disposition), or a name with the disposition to send it with. */
export type PortIn = number | UserPort;

export type UserArgs = Record<string, number | bigint | Uint8Array | string | number[] | bigint[] | UserPort | UserPort[] | number | undefined>;

const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";

/**
 * The user stub's disposition for a port type: the .defs type's own (MAKE_SEND
 * for mach_port_make_send_t...), else COPY_SEND for send types, MAKE_SEND_ONCE
 * for send-once, MOVE_RECEIVE for receive.
 */
function defaultDisposition(t: { carried: number; user?: number }): number {
  if (t.user !== undefined && t.user >= 0) return t.user;
  const carried = t.carried;
  if (carried === 18) return MACH_MSG_TYPE_MAKE_SEND_ONCE;
  if (carried === 16) return MACH_MSG_TYPE_MOVE_RECEIVE;
  return MACH_MSG_TYPE_COPY_SEND;
}

function userPort(v: unknown, carried: { carried: number; user?: number }): UserPort {
  if (typeof v === "number") return { name: v, disposition: defaultDisposition(carried) };
  if (v && typeof v === "object" && "name" in v) return v as UserPort;
  return { name: 0, disposition: defaultDisposition(carried) };
}

const PD = PORT_DESCRIPTOR.at;

/** A port descriptor for a port argument (a name, or a name with its disposition) in fresh zeroed bytes. */
function writePortDescriptor(buf: Uint8Array, off: number, v: unknown, t: { carried: number; user?: number }): void {
  const named = typeof v !== "number" && v && typeof v === "object" && "name" in v ? (v as UserPort) : null;
  wrU32(buf, off + PD.name, named ? named.name : typeof v === "number" ? v : 0);
  buf[off + PD.disposition] = named ? named.disposition : defaultDisposition(t);
  buf[off + PD.type] = MACH_MSG_PORT_DESCRIPTOR;
}

/** What a routine's requests share, found once per routine (the kernel's exception RPCs encode one per exception). */
interface RequestLayout {
  descParams: Param[];
  ndr: boolean;
  /** The generated encoder for requests that need no caller memory (request_fast.ts), or null. */
  fast: FastRequest | null;
}
const layouts = new WeakMap<Routine<unknown>, RequestLayout>();
function requestLayout(routine: Routine<unknown>): RequestLayout {
  let l = layouts.get(routine);
  if (!l) {
    const descParams = routine.params.filter((p) => sendsIn(p) && ["port", "ool", "oolports", "portarray"].includes(p.type.kind));
    const ndr = routine.params.some(inlineIn);
    const ndesc = descParams.length;
    l = { descParams, ndr, fast: compileRequest(routine.id, routine.params, headerBits(routine, ndesc), ndr, writePortDescriptor, defaultDisposition) };
    layouts.set(routine, l);
  }
  return l;
}

/** msgh_bits of a request: the target goes with its type's disposition (MOVE_SEND for thread_terminate's); a simpleroutine has no reply port. */
function headerBits(routine: Routine<unknown>, ndesc: number): number {
  return (
    (msghBits(
      routine.target?.type.kind === "port" ? defaultDisposition(routine.target.type) : MACH_MSG_TYPE_COPY_SEND,
      routine.simple ? 0 : MACH_MSG_TYPE_MAKE_SEND_ONCE,
    ) |
      (ndesc > 0 ? MACH_MSGH_BITS_COMPLEX : 0)) >>>
    0
  );
}

/**
 * Lay out a request. OOL arguments are placed in `memory` (the caller's
 * address space) and their addresses written, as a C caller's pointers would be.
 */
export function encodeRequest(routine: Routine<unknown>, target: number, reply: number, args: UserArgs, memory: UserMemory | null): Uint8Array {
  const params = routine.params;
  const { descParams, ndr, fast } = requestLayout(routine);
  // A simpleroutine's request carries no reply port (MIG's stub sends MACH_PORT_NULL), whatever the caller has.
  if (routine.simple) reply = 0;
  if (fast) return fast(target, reply, args);
  let ndesc = 0;
  let size = HEADER_SIZE;
  for (const p of descParams) {
    const n = p.type.kind === "portarray" ? p.type.max : 1;
    ndesc += n;
    size += (p.type.kind === "port" || p.type.kind === "portarray" ? 12 : 16) * n;
  }
  if (ndesc > 0) size += 4;
  if (ndr) size += NDR_SIZE;
  for (const p of params) {
    const t = p.type;
    if (!sendsIn(p)) {
      if (p.countInOut) size += 4;
      continue;
    }
    if (t.kind === "scalar") size += t.size;
    else if (t.kind === "bytes") size += (t.size + 3) & ~3;
    else if (t.kind === "array") {
      const v = args[p.name] as ArrayLike<unknown> | undefined;
      size += 4 + ((t.elem * (v?.length ?? 0) + 3) & ~3);
    } else if (hasOolCount(p)) size += 4;
  }
  // A request the kernel builds (an exception) becomes a kernel message's bytes, and is pooled like them.
  const buf = kmsgData(size, true);
  const view = viewOf(buf);
  // Field by field rather than through an object: the kernel encodes one request per exception.
  const at = MACH_MSG_HEADER.at;
  wrU32(buf, at.bits, headerBits(routine, ndesc));
  wrU32(buf, at.size, size);
  wrU32(buf, at.remotePort, target);
  wrU32(buf, at.localPort, reply);
  wrU32(buf, at.voucherPort, 0);
  wrU32(buf, at.id, routine.id);
  let off = HEADER_SIZE;
  if (ndesc > 0) {
    view.setUint32(off, ndesc, true);
    off += 4;
    for (const p of descParams) {
      const t = p.type;
      const v = args[p.name];
      if (t.kind === "port") {
        writePortDescriptor(buf, off, v, t);
        off += 12;
      } else if (t.kind === "portarray") {
        const list = (v as UserPort[] | undefined) ?? [];
        for (let i = 0; i < t.max; i++) {
          writePortDescriptor(buf, off, list[i] ?? 0, t);
          off += 12;
        }
      } else if (t.kind === "ool") {
        const data = (v as Uint8Array | undefined) ?? new Uint8Array(0);
        const address = data.byteLength > 0 && memory ? memory.allocate(data) : 0n;
        // MIG's user stubs send out-of-line data as a virtual copy, not deallocated.
        OOL_DESCRIPTOR.write(view, off, { address, deallocate: 0, copy: MACH_MSG_VIRTUAL_COPY, type: MACH_MSG_OOL_DESCRIPTOR, size: data.byteLength });
        off += 16;
      } else if (t.kind === "oolports") {
        const list = ((v as UserPort[] | number[] | undefined) ?? []).map((x) => userPort(x, t));
        const names = new Uint8Array(list.length * 4);
        list.forEach((x, i) => viewOf(names).setUint32(i * 4, x.name, true));
        const address = names.byteLength > 0 && memory ? memory.allocate(names) : 0n;
        OOL_PORTS_DESCRIPTOR.write(view, off, {
          address,
          deallocate: 0,
          copy: MACH_MSG_PHYSICAL_COPY,
          disposition: list[0]?.disposition ?? defaultDisposition(t),
          type: MACH_MSG_OOL_PORTS_DESCRIPTOR,
          count: list.length,
        });
        off += 16;
      }
    }
  }
  if (ndr) {
    buf.set(NDR_RECORD, off);
    off += NDR_SIZE;
  }
  for (const p of params) {
    const t = p.type;
    const v = args[p.name];
    if (!sendsIn(p)) {
      if (p.countInOut) {
        const cap = args[`${p.name}Cnt`];
        view.setUint32(off, typeof cap === "number" ? cap : t.kind === "array" ? t.max : 0, true);
        off += 4;
      }
      continue;
    }
    if (t.kind === "scalar") {
      if (t.size === 4) view.setUint32(off, Number(v ?? 0) >>> 0, true);
      else view.setBigUint64(off, BigInt.asUintN(64, BigInt((v as bigint | number | undefined) ?? 0)), true);
      off += t.size;
    } else if (t.kind === "bytes") {
      if (t.cstring) buf.set(migStrncpy((v as string | Uint8Array | undefined) ?? "", t.size), off);
      else if (v) buf.set((v as Uint8Array).subarray(0, t.size), off);
      off += (t.size + 3) & ~3;
    } else if (t.kind === "array") {
      const list = (v as ArrayLike<number | bigint> | undefined) ?? [];
      view.setUint32(off, list.length, true);
      off += 4;
      if (t.elem === 1) buf.set(list as Uint8Array, off);
      else
        for (let i = 0; i < list.length; i++) {
          if (t.elem === 4) view.setUint32(off + 4 * i, Number(list[i]) >>> 0, true);
          else view.setBigUint64(off + 8 * i, BigInt.asUintN(64, BigInt(list[i]!)), true);
        }
      off += (t.elem * list.length + 3) & ~3;
    } else if (t.kind === "ool") {
      if (t.fixed !== undefined) continue;
      view.setUint32(off, ((v as Uint8Array | undefined)?.byteLength ?? 0) / t.elem, true);
      off += 4;
    } else if (t.kind === "oolports") {
      view.setUint32(off, (v as unknown[] | undefined)?.length ?? 0, true);
      off += 4;
    }
  }
  return buf;
}

export type UserResult = { kr: number } & Record<string, unknown>;

/**
 * Read a reply as the user stub would: id and shape checks, then the out
 * parameters (names for ports, arrays, OOL data read from `memory` and unmapped).
 */
export function decodeReply(routine: Routine<unknown>, buf: Uint8Array, memory: UserMemory | null): UserResult {
  const view = viewOf(buf);
  const h = MACH_MSG_HEADER.read(view, 0);
  const verdict = migReplyCheck(routine, buf);
  if (!verdict.readOuts) return { kr: verdict.kr };
  const complex = (h.bits & MACH_MSGH_BITS_COMPLEX) !== 0;
  const out: UserResult = { kr: KERN_SUCCESS };
  const params = routine.params;
  let off = HEADER_SIZE;
  if (complex) {
    off += 4;
    for (const p of params) {
      if (!sendsOut(p)) continue;
      const t = p.type;
      if (t.kind === "port") {
        const d = PORT_DESCRIPTOR.read(view, off);
        out[p.name] = d.name;
        out[`${p.name}Disposition`] = d.disposition;
        off += 12;
      } else if (t.kind === "portarray") {
        const list: number[] = [];
        for (let i = 0; i < t.max; i++) list.push(PORT_DESCRIPTOR.read(view, off + 12 * i).name);
        out[p.name] = list;
        off += 12 * t.max;
      } else if (t.kind === "ool") {
        const d = OOL_DESCRIPTOR.read(view, off);
        const data = d.size > 0 && memory ? memory.read(d.address, d.size) : null;
        out[p.name] = data ? data.slice() : new Uint8Array(0);
        if (data) memory!.deallocate(d.address, d.size);
        off += 16;
      } else if (t.kind === "oolports") {
        const d = OOL_PORTS_DESCRIPTOR.read(view, off);
        const data = d.count > 0 && memory ? memory.read(d.address, d.count * 4) : null;
        const names: number[] = [];
        if (data) {
          const dv = viewOf(data);
          for (let i = 0; i < d.count; i++) names.push(dv.getUint32(i * 4, true));
          memory!.deallocate(d.address, d.count * 4);
        }
        out[p.name] = names;
        off += 16;
      }
    }
  }
  if (!complex || params.some(inlineOut)) off += NDR_SIZE;
  if (!complex) off += 4;
  let lastCount = 0;
  for (const p of params) {
    if (!sendsOut(p)) continue;
    const t = p.type;
    switch (t.kind) {
      case "scalar":
        out[p.name] =
          t.size === 4 ? (t.signed ? view.getInt32(off, true) : view.getUint32(off, true)) : t.signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
        off += t.size;
        break;
      case "bytes":
        out[p.name] = buf.slice(off, off + t.size);
        off += (t.size + 3) & ~3;
        break;
      case "array": {
        let n = lastCount;
        if (!p.sameCount) {
          n = view.getUint32(off, true);
          off += 4;
          lastCount = n;
        }
        if (t.elem === 1) out[p.name] = buf.slice(off, off + n);
        else {
          const list: (number | bigint)[] = [];
          for (let i = 0; i < n; i++) list.push(t.elem === 4 ? view.getInt32(off + 4 * i, true) : view.getBigInt64(off + 8 * i, true));
          out[p.name] = list;
        }
        out[`${p.name}Cnt`] = n;
        off += (t.elem * n + 3) & ~3;
        break;
      }
      case "cstring": {
        const n = view.getUint32(off + 4, true);
        const bytesOut = buf.subarray(off + 8, off + 8 + n);
        const end = bytesOut.indexOf(0);
        out[p.name] = new TextDecoder().decode(end >= 0 ? bytesOut.subarray(0, end) : bytesOut);
        off += 8 + ((n + 3) & ~3);
        break;
      }
      case "ool":
      case "oolports":
        if (!hasOolCount(p)) break;
        out[`${p.name}Cnt`] = view.getUint32(off, true);
        off += 4;
        break;
      case "portarray":
        // Only the first `count` handler descriptors are real; the rest are padding.
        if (p.sameCount) out[p.name] = (out[p.name] as number[]).slice(0, lastCount);
        break;
      default:
        break;
    }
  }
  return out;
}
