/**
 * A MIG routine described once: its id, parameters and handler. Request
 * decoding (with the kernel server stub's checks) and reply encoding are both
 * derived from the parameter list.
 */
import { MIG_BAD_ARGUMENTS, MIG_TYPE_ERROR, KERN_SUCCESS } from "../abi/kern_return.js";
import {
  MACH_MSG_OOL_DESCRIPTOR,
  MACH_MSG_OOL_PORTS_DESCRIPTOR,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_PORT_NONE,
  MACH_MSG_VIRTUAL_COPY,
  MACH_MSGH_BITS_COMPLEX,
} from "../abi/message.js";
import { HEADER_SIZE, NDR_RECORD, NDR_SIZE, OOL_DESCRIPTOR, OOL_PORTS_DESCRIPTOR, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { viewOf } from "../abi/layout.js";
import { wrU32 } from "../abi/bytes.js";
import { descriptorsOf, KDESC_PORT_RUN, type IpcKmsg, type KDesc } from "../ipc/kmsg.js";
import { kmsgReuse, kmsgWithData } from "../ipc/kmsg_buffer.js";
import { IP_DEAD, ipValid, type PortRef } from "../ipc/port.js";
import { hasOolCount, type Param, type PortArg } from "./types.js";
import { compileDecode, compileEncode, compileServe, type FastDecode, type FastEncode, type FastServe } from "./routine_fast.js";

export type Args = Record<string, unknown>;
/** What a handler returns: a bare return code, or the code with out-parameters by name. */
export type RoutineResult = number | ({ kr?: number } & Record<string, unknown>);

export interface RoutineSpec<C> {
  id: number;
  name: string;
  /**
   * libsystem tries `_kernelrpc_<name>_trap` first and sends the MIG message
   * only when the trap answers MACH_SEND_INVALID_DEST (libsyscall/mach/mach_port.c).
   */
  trap?: boolean;
  /** A simpleroutine: a one-way message, no reply. */
  simple?: boolean;
  /**
   * MIG's `UserAuditToken` parameter: no part of either message; the user stub asks
   * for the audit trailer and gives the replier's audit_token_t under this name,
   * placed in the C parameter list after the parameter `after`.
   */
  userAuditToken?: { name: string; after: string };
  /** The target port (the .defs' first parameter), for C prototypes; the kernel's dispatcher converts it itself. */
  target?: Param;
  /** The in/out parameters after the target port, in .defs order. */
  params: Param[];
  /** Serve the call. `ctx` is whatever the kernel's dispatcher passes (target, caller, kernel). */
  handler: (ctx: C, args: Args) => RoutineResult;
}

/** A parameter carried inline (after the NDR record) in a request, or in a reply. */
export const inlineIn = (p: Param): boolean =>
  ((p.dir === "in" || p.dir === "inout") && (["scalar", "bytes", "array"].includes(p.type.kind) || hasOolCount(p))) ||
  (p.dir === "out" && !!p.countInOut);
export const inlineOut = (p: Param): boolean =>
  (p.dir === "out" || p.dir === "inout") && (["scalar", "bytes", "array", "cstring"].includes(p.type.kind) || hasOolCount(p));

const isDescriptor = (p: Param): boolean =>
  p.type.kind === "port" || p.type.kind === "ool" || p.type.kind === "oolports" || p.type.kind === "portarray";
const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";

/** Byte size of an inline fixed parameter. */
function fixedInline(p: Param): number {
  const t = p.type;
  switch (t.kind) {
    case "scalar":
      return t.size;
    case "bytes":
      return (t.size + 3) & ~3;
    default:
      return 0;
  }
}

function descCount(p: Param): number {
  return p.type.kind === "portarray" ? p.type.max : 1;
}

function descSize(p: Param): number {
  return p.type.kind === "port" || p.type.kind === "portarray" ? 12 : 16;
}

interface Shape {
  /** Descriptor-bearing params, in order. */
  descs: Param[];
  descriptorCount: number;
  portDescriptors: number;
  descBytes: number;
  /** Size with every variable array empty, and with every one full. */
  min: number;
  max: number;
  variable: boolean;
  /** MIG writes the NDR record only when inline data follows it. */
  ndr: number;
}

function requestShape(params: Param[]): Shape {
  const descs = params.filter((p) => sendsIn(p) && isDescriptor(p));
  const descriptorCount = descs.reduce((n, p) => n + descCount(p), 0);
  const portDescriptors = descs.reduce((n, p) => n + (p.type.kind === "port" ? 1 : p.type.kind === "portarray" ? p.type.max : 0), 0);
  const descBytes = descs.reduce((n, p) => n + descSize(p) * descCount(p), 0);
  const ndr = params.some(inlineIn) ? NDR_SIZE : 0;
  let min = HEADER_SIZE + (descriptorCount > 0 ? 4 + descBytes : 0) + ndr;
  let max = min;
  let variable = false;
  for (const p of params) {
    if (sendsIn(p)) {
      const t = p.type;
      if (t.kind === "scalar" || t.kind === "bytes") {
        min += fixedInline(p);
        max += fixedInline(p);
      } else if (t.kind === "array") {
        min += 4;
        max += 4 + ((t.elem * t.max + 3) & ~3);
        variable = true;
      } else if (hasOolCount(p)) {
        min += 4;
        max += 4;
      }
    } else if (p.countInOut) {
      min += 4;
      max += 4;
    }
  }
  return { descs, descriptorCount, portDescriptors, descBytes, min, max, variable, ndr };
}

let compiledServers = true;
/**
 * Whether the dispatcher uses the routines' compiled servers (Routine.serveFast); off, every
 * request takes decode, the handler and encodeReply one by one. For tests that compare the two.
 */
export function useCompiledServers(on: boolean): void {
  compiledServers = on;
}

export class Routine<C> {
  readonly id: number;
  readonly name: string;
  readonly params: Param[];
  readonly target: Param | undefined;
  readonly simple: boolean;
  readonly trap: boolean;
  readonly userAuditToken: { name: string; after: string } | undefined;
  readonly handler: (ctx: C, args: Args) => RoutineResult;
  private readonly req: Shape;
  private readonly replyDescs: Param[];
  readonly replyComplex: boolean;

  constructor(spec: RoutineSpec<C>) {
    this.id = spec.id;
    this.name = spec.name;
    this.params = spec.params;
    this.target = spec.target;
    this.simple = spec.simple ?? false;
    this.trap = spec.trap ?? false;
    this.userAuditToken = spec.userAuditToken;
    this.handler = spec.handler;
    this.req = requestShape(spec.params);
    this.replyDescs = spec.params.filter((p) => sendsOut(p) && isDescriptor(p));
    this.replyComplex = this.replyDescs.length > 0;
    this.variableOuts = spec.params.filter(
      (p) => sendsOut(p) && ["array", "ool", "oolports", "portarray", "cstring"].includes(p.type.kind),
    );
    this.onlyOneArray = spec.params.filter((p) => sendsIn(p) && p.type.kind === "array").length === 1;
    this.replyOuts = spec.params.filter(sendsOut);
    this.replyDescCount = this.replyDescs.reduce((n, p) => n + descCount(p), 0);
    this.replyNdr = !this.replyComplex || spec.params.some(inlineOut);
    this.replyBaseSize = replyBaseSize(this.replyOuts, this.replyComplex, this.replyDescs, this.replyNdr);
    this.replyOutVi = this.replyOuts.map((p) => this.variableOuts.indexOf(p));
    this.intranIns = spec.params.filter((p) => p.intran && p.dir === "in");
    this.inlineStart = HEADER_SIZE + (this.req.descriptorCount > 0 ? 4 + this.req.descBytes : 0) + this.req.ndr;
    this.fastDecode = compileDecode(spec.params, this.inlineStart);
    this.simpleSize = this.fastDecode && this.req.descriptorCount === 0 && !this.req.variable ? this.req.min : -1;
    this.fastEncode = compileEncode(spec.params, this.replyBaseSize, this.replyComplex, this.replyNdr);
    // Its own function per routine, so that the read sees this routine's result shapes only: one
    // read in the dispatcher saw every routine's (megamorphic).
    this.resultCode = new Function("res", "return res.kr ?? 0;") as (res: { kr?: number }) => number;
  }

  /** The return code of a handler's result object (KERN_SUCCESS when it has none). */
  readonly resultCode: (res: { kr?: number }) => number;

  /** For each out-parameter, its index in variableOuts (-1 for a fixed one). */
  private readonly replyOutVi: number[];
  /** Conversion-typed in-ports (intran), whose send rights the stub releases once the routine has succeeded. */
  readonly intranIns: Param[];
  /** Generated from the parameter list for fixed layouts (routine_fast.ts); null means the interpreter below. */
  private readonly fastDecode: FastDecode | null;
  private readonly fastEncode: FastEncode | null;
  /** Where the request's inline data starts (after its descriptors and NDR record). */
  private readonly inlineStart: number;
  /** The request's one size when it has no descriptors and no arrays and fastDecode reads it; else -1. */
  private readonly simpleSize: number;

  /** Whether the request has exactly one inline array (its count then fixes the size exactly). */
  private readonly onlyOneArray: boolean;
  /** The out-parameters, in order; the reply's descriptors, their count; whether the reply has an NDR record. */
  private readonly replyOuts: Param[];
  private readonly replyDescCount: number;
  private readonly replyNdr: boolean;
  /** The reply's size with every variable out-parameter empty (computed once: most replies are fixed). */
  private readonly replyBaseSize: number;

  /** Out-parameters whose size depends on the call (arrays, strings, OOL). */
  private readonly variableOuts: Param[];

  /** The user-form request size when every variable array is empty (the fixed size, for fixed routines). */
  get requestMinSize(): number {
    return this.req.min;
  }
  get requestMaxSize(): number {
    return this.req.max;
  }

  /**
   * __MIG_check__Request + the stub's unpacking. Returns the arguments, or a
   * MIG error code (MIG_BAD_ARGUMENTS for size/complex/count, MIG_TYPE_ERROR for descriptors).
   */
  decode(kmsg: IpcKmsg): Args | number {
    // A request without descriptors and arrays (most of them) is one size, checked without the
    // K64 arithmetic of checkRequest: with no descriptors, its kernel size is its size + 8.
    if (this.simpleSize >= 0 && kmsg.descs === null) {
      if ((kmsg.bits & MACH_MSGH_BITS_COMPLEX) !== 0 || kmsg.size !== this.simpleSize) return MIG_BAD_ARGUMENTS;
      return this.fastDecode!(kmsg, kmsg.data, NO_DESCS);
    }
    const kdescs = kmsg.descs === null ? NO_DESCS : descriptorsOf(kmsg.descs);
    const bad = this.checkRequest(kmsg, kdescs);
    if (bad !== KERN_SUCCESS) return bad;
    if (this.fastDecode) return this.fastDecode(kmsg, kmsg.data, kdescs);
    return this.interpretRequest(kmsg, kdescs);
  }

  /**
   * decode by the interpreter whatever the routine's layout: what decode does for a request the
   * generated decoder does not read, and what tests compare that decoder with.
   */
  decodeInterpreted(kmsg: IpcKmsg): Args | number {
    const kdescs = kmsg.descs === null ? NO_DESCS : descriptorsOf(kmsg.descs);
    const bad = this.checkRequest(kmsg, kdescs);
    return bad !== KERN_SUCCESS ? bad : this.interpretRequest(kmsg, kdescs);
  }

  /** The stub's unpacking, parameter by parameter, of a request that passed checkRequest. */
  private interpretRequest(kmsg: IpcKmsg, kdescs: KDesc[]): Args | number {
    const shape = this.req;
    const ksize = kmsg.kernelSize();
    const kmin = shape.min + 8 + 4 * shape.portDescriptors;

    const args: Args = {};
    // Descriptors, in parameter order.
    let di = 0;
    for (const p of shape.descs) {
      const t = p.type;
      if (t.kind === "port") {
        const d = kdescs[di++]!;
        if (d.kind !== MACH_MSG_PORT_DESCRIPTOR) return MIG_TYPE_ERROR;
        if (t.carried >= 0 && d.type !== t.carried) return MIG_TYPE_ERROR;
        args[p.name] = { port: d.port, type: d.type } satisfies PortArg;
      } else if (t.kind === "portarray") {
        const list: PortArg[] = [];
        for (let i = 0; i < t.max; i++) {
          const d = kdescs[di++]!;
          if (d.kind !== MACH_MSG_PORT_DESCRIPTOR || d.type !== t.carried) return MIG_TYPE_ERROR;
          list.push({ port: d.port, type: d.type });
        }
        args[p.name] = list;
      } else if (t.kind === "ool") {
        const d = kdescs[di++]!;
        if (d.kind !== MACH_MSG_OOL_DESCRIPTOR && d.kind !== 3) return MIG_TYPE_ERROR;
        args[p.name] = d.data;
      } else if (t.kind === "oolports") {
        const d = kdescs[di++]!;
        if (d.kind !== MACH_MSG_OOL_PORTS_DESCRIPTOR || (t.carried >= 0 && d.type !== t.carried)) return MIG_TYPE_ERROR;
        args[p.name] = d.ports.map((port) => ({ port, type: ipValid(port) ? d.type : MACH_MSG_TYPE_PORT_NONE }));
      }
    }
    // Inline data after the NDR record (which kernel stubs do not check).
    const view = viewOf(kmsg.data);
    let off = HEADER_SIZE + (shape.descriptorCount > 0 ? 4 + shape.descBytes : 0) + shape.ndr;
    di = 0;
    for (const p of this.params) {
      const t = p.type;
      if (!sendsIn(p)) {
        if (p.countInOut) {
          args[`${p.name}Cnt`] = view.getUint32(off, true);
          off += 4;
        }
        continue;
      }
      switch (t.kind) {
        case "scalar":
          args[p.name] =
            t.size === 4
              ? t.signed
                ? view.getInt32(off, true)
                : view.getUint32(off, true)
              : t.signed
                ? view.getBigInt64(off, true)
                : view.getBigUint64(off, true);
          off += t.size;
          break;
        case "bytes":
          args[p.name] = kmsg.data.slice(off, off + t.size);
          off += (t.size + 3) & ~3;
          break;
        case "array": {
          const cnt = view.getUint32(off, true);
          off += 4;
          if (cnt > t.max) return MIG_BAD_ARGUMENTS;
          const nbytes = (cnt * t.elem + 3) & ~3;
          // The exact size follows from this count (msgh_size_delta).
          const expectK = kmin + ((t.elem * cnt + 3) & ~3);
          if (this.onlyOneArray && ksize !== expectK) return MIG_BAD_ARGUMENTS;
          if (off + nbytes > kmsg.size) return MIG_BAD_ARGUMENTS;
          if (t.elem === 1) args[p.name] = kmsg.data.slice(off, off + cnt);
          else if (t.elem === 4) {
            const a: number[] = new Array(cnt);
            for (let i = 0; i < cnt; i++) a[i] = view.getInt32(off + 4 * i, true);
            args[p.name] = a;
          } else {
            const a: bigint[] = new Array(cnt);
            for (let i = 0; i < cnt; i++) a[i] = view.getBigInt64(off + 8 * i, true);
            args[p.name] = a;
          }
          args[`${p.name}Cnt`] = cnt;
          off += nbytes;
          break;
        }
        case "ool":
        case "oolports": {
          if (t.kind === "ool" && t.fixed !== undefined) {
            const d = this.descFor(kdescs, p);
            if (d && (d.kind === 1 || d.kind === 3) && d.data.byteLength !== t.fixed) return MIG_TYPE_ERROR;
            break;
          }
          const cnt = view.getUint32(off, true);
          off += 4;
          args[`${p.name}Cnt`] = cnt;
          // The descriptor's own size/count must agree with the inline count.
          const d = this.descFor(kdescs, p);
          if (d && d.kind === 2 && d.ports.length !== cnt) return MIG_TYPE_ERROR;
          if (d && (d.kind === 1 || d.kind === 3) && d.data.byteLength !== cnt * (t.kind === "ool" ? t.elem : 4)) return MIG_TYPE_ERROR;
          break;
        }
        default:
          break;
      }
    }
    return args;
  }

  /**
   * __MIG_check__Request's size and complexity checks (descriptors given one per entry):
   * KERN_SUCCESS, or MIG_BAD_ARGUMENTS. Kernel stubs compare sizes in the K64 form: header +8,
   * each port descriptor +4.
   */
  readonly checkRequest = (kmsg: IpcKmsg, kdescs: KDesc[]): number => {
    const shape = this.req;
    const complex = (kmsg.bits & MACH_MSGH_BITS_COMPLEX) !== 0;
    const ksize = kmsg.kernelSize();
    const kmin = shape.min + 8 + 4 * shape.portDescriptors;
    const kmax = shape.max + 8 + 4 * shape.portDescriptors;
    if (shape.descriptorCount > 0) {
      if (!complex || kdescs.length !== shape.descriptorCount) return MIG_BAD_ARGUMENTS;
    } else if (complex) return MIG_BAD_ARGUMENTS;
    if (shape.variable ? ksize < kmin || ksize > kmax : ksize !== kmin) return MIG_BAD_ARGUMENTS;
    return KERN_SUCCESS;
  };

  /**
   * The routine's compiled server (routine_fast.ts compileServe), made at its first call; null
   * when its messages need the interpreter, or when it has conversion-typed in-ports, whose
   * release the dispatcher orders after the destination's.
   */
  serveFast(): FastServe | null {
    if (!compiledServers) return null;
    if (this.served === undefined) {
      this.served =
        this.fastDecode && this.fastEncode && this.intranIns.length === 0
          ? compileServe(this.params, this.inlineStart, this.simpleSize, this.checkRequest, { baseSize: this.replyBaseSize, complex: this.replyComplex, ndr: this.replyNdr }, this.handler)
          : null;
    }
    return this.served;
  }
  private served: FastServe | null | undefined = undefined;

  private descFor(kdescs: KDesc[], target: Param): KDesc | undefined {
    let di = 0;
    for (const p of this.req.descs) {
      if (p === target) return kdescs[di];
      di += descCount(p);
    }
    return undefined;
  }

  /**
   * Encode a successful reply: a kernel message holding the body (everything after the
   * 24-byte header, which the dispatcher fills in), its descriptors, and the complex bit.
   * `into` is the served request's IpcKmsg to make it in (kmsgReuse), or null for a new one.
   */
  encodeReply(args: Args, out: Record<string, unknown>, into: IpcKmsg | null = null): IpcKmsg {
    void args;
    if (this.fastEncode) return this.fastEncode(out, into);
    return this.encodeReplyInterpreted(out, into);
  }

  /**
   * encodeReply by the interpreter whatever the reply's layout: what encodeReply does for a reply
   * the generated encoder does not lay out, and what tests compare that encoder with.
   */
  encodeReplyInterpreted(out: Record<string, unknown>, into: IpcKmsg | null = null): IpcKmsg {
    // Sizes of the variable out-parameters (SameCount siblings share the first one's count).
    let size = this.replyBaseSize;
    // Indexed like variableOuts (replyOutVi maps an out-parameter to its slot).
    const counts: number[] = [];
    let strings: Uint8Array[] | null = null;
    let lastCount = 0;
    for (let j = 0; j < this.variableOuts.length; j++) {
      const p = this.variableOuts[j]!;
      const t = p.type;
      const v = out[p.name] as ArrayLike<unknown> | string | undefined;
      // An OOL array's count is in elements; its data is given as bytes.
      const n = v === undefined ? 0 : t.kind === "ool" ? (v as Uint8Array).byteLength / t.elem : v.length;
      if (p.sameCount) counts[j] = lastCount;
      else {
        counts[j] = n;
        lastCount = n;
      }
      if (t.kind === "array") size += (t.elem * counts[j]! + 3) & ~3;
      else if (t.kind === "cstring") {
        const enc = new TextEncoder().encode(String(out[p.name] ?? "")).subarray(0, t.max - 1);
        const withNul = new Uint8Array(enc.length + 1);
        withNul.set(enc);
        (strings ??= [])[j] = withNul;
        size += (withNul.length + 3) & ~3;
      }
    }
    const reply = into === null ? kmsgWithData(size, true) : kmsgReuse(into, size, true);
    const data = reply.data;
    const view = viewOf(data);
    let off = HEADER_SIZE;
    let descs: KDesc[] | null = null;
    if (this.replyComplex) {
      descs = [];
      wrU32(data, off, this.replyDescCount);
      off += 4;
      // The bytes are fresh zeros: only the descriptors' non-zero fields are written
      // (a port descriptor's type, MACH_MSG_PORT_DESCRIPTOR, is 0; its name comes at copyout).
      for (const p of this.replyDescs) {
        const t = p.type;
        const v = out[p.name];
        if (t.kind === "port") {
          const a = toPortArg(v, t.outName);
          descs.push({ kind: 0, off, port: a.port, type: a.type });
          data[off + PD.disposition] = a.type;
          off += 12;
        } else if (t.kind === "portarray") {
          // Always `max` descriptors, as one run; those past the list are null ports.
          const list = (v as PortRef[] | undefined) ?? [];
          descs.push({ kind: KDESC_PORT_RUN, off, ports: list.slice(0, t.max), type: t.carried, count: t.max });
          for (let i = 0; i < t.max; i++) {
            data[off + PD.disposition] = t.carried;
            off += 12;
          }
        } else if (t.kind === "ool") {
          const bytesOut = (v as Uint8Array | undefined) ?? new Uint8Array(0);
          descs.push({ kind: 1, off, data: bytesOut, copy: MACH_MSG_VIRTUAL_COPY, deallocate: true });
          OOL_DESCRIPTOR.write(view, off, { copy: MACH_MSG_VIRTUAL_COPY, type: MACH_MSG_OOL_DESCRIPTOR, size: bytesOut.byteLength });
          off += 16;
        } else if (t.kind === "oolports") {
          const list = (v as PortRef[] | undefined) ?? [];
          descs.push({ kind: 2, off, ports: list.slice(), type: t.carried, copy: MACH_MSG_VIRTUAL_COPY, deallocate: true });
          OOL_PORTS_DESCRIPTOR.write(view, off, {
            copy: MACH_MSG_VIRTUAL_COPY,
            disposition: t.carried,
            type: MACH_MSG_OOL_PORTS_DESCRIPTOR,
            count: list.length,
          });
          off += 16;
        }
      }
    }
    if (this.replyNdr) {
      data.set(NDR_RECORD, off);
      off += NDR_SIZE;
    }
    if (!this.replyComplex) {
      wrU32(data, off, KERN_SUCCESS);
      off += 4;
    }
    for (let i = 0; i < this.replyOuts.length; i++) {
      const p = this.replyOuts[i]!;
      const vi = this.replyOutVi[i]!;
      const t = p.type;
      const v = out[p.name];
      switch (t.kind) {
        case "scalar":
          if (t.size === 4) wrU32(data, off, Number(v ?? 0) >>> 0);
          else view.setBigUint64(off, BigInt.asUintN(64, BigInt((v as bigint | number | undefined) ?? 0)), true);
          off += t.size;
          break;
        case "bytes": {
          const b = (v as Uint8Array | undefined) ?? new Uint8Array(t.size);
          data.set(b.subarray(0, t.size), off);
          off += (t.size + 3) & ~3;
          break;
        }
        case "array": {
          const n = counts[vi]!;
          if (!p.sameCount) {
            view.setUint32(off, n, true);
            off += 4;
          }
          const list = v as ArrayLike<number | bigint> | undefined;
          if (t.elem === 1) {
            if (list) data.set(list as Uint8Array, off);
          } else
            for (let i = 0; i < n; i++) {
              const x = list ? list[i] : 0;
              if (t.elem === 4) view.setUint32(off + 4 * i, Number(x ?? 0) >>> 0, true);
              else view.setBigUint64(off + 8 * i, BigInt.asUintN(64, BigInt(x ?? 0)), true);
            }
          off += (t.elem * n + 3) & ~3;
          break;
        }
        case "cstring": {
          const str = strings![vi]!;
          view.setUint32(off, 0, true);
          view.setUint32(off + 4, str.length, true);
          data.set(str, off + 8);
          off += 8 + ((str.length + 3) & ~3);
          break;
        }
        case "ool":
        case "oolports":
          if (hasOolCount(p)) {
            view.setUint32(off, counts[vi]!, true);
            off += 4;
          }
          break;
        default:
          break;
      }
    }
    reply.descs = descs;
    if (this.replyComplex) reply.bits = MACH_MSGH_BITS_COMPLEX;
    return reply;
  }
}

/**
 * A reply's size with every variable out-parameter empty: header, descriptors,
 * NDR (a simple reply always has it and RetCode; a complex one has NDR only
 * before inline data), fixed inline values, and the count words.
 */
function replyBaseSize(outs: Param[], complex: boolean, descs: Param[], ndr: boolean): number {
  let size = HEADER_SIZE;
  if (complex) size += 4 + descs.reduce((n, p) => n + descSize(p) * descCount(p), 0);
  if (ndr) size += NDR_SIZE;
  if (!complex) size += 4;
  for (const p of outs) {
    const t = p.type;
    if (t.kind === "scalar" || t.kind === "bytes") size += fixedInline(p);
    else if (t.kind === "array") size += p.sameCount ? 0 : 4;
    else if (t.kind === "cstring") size += 8;
    else if ((t.kind === "ool" || t.kind === "oolports") && hasOolCount(p)) size += 4;
  }
  return size;
}

const NO_DESCS: KDesc[] = [];
const PD = PORT_DESCRIPTOR.at;

function toPortArg(v: unknown, outName: number): PortArg {
  if (v && typeof v === "object" && "port" in (v as object)) return v as PortArg;
  const port = (v ?? null) as PortRef;
  return { port, type: outName };
}

export { IP_DEAD };
