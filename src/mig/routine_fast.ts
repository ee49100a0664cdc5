/**
 * Straight-line request decoders and reply encoders, generated once per
 * routine from its parameter list, for the routines whose messages have a
 * fixed layout (scalars, fixed bytes and single ports). The generic
 * interpreter in routine.ts reads every field by a computed name, so on each
 * call its property accesses see every routine's shapes (megamorphic) and it
 * walks the parameter list again; the generated code reads and writes fixed
 * offsets with constant keys. Routines with arrays, strings or OOL data keep
 * the interpreter. Both follow the same description, in the same order.
 */
import { MIG_BAD_ARGUMENTS, MIG_TYPE_ERROR } from "../abi/kern_return.js";
import { MACH_MSG_PORT_DESCRIPTOR, MACH_MSGH_BITS_COMPLEX } from "../abi/message.js";
import { HEADER_SIZE, NDR_RECORD, NDR_SIZE, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { rdI32, rdI64, rdU32, rdU64, wrU32, wrU64 } from "../abi/bytes.js";
import { IpcPort } from "../ipc/port.js";
import { descriptorsOf, KDESC_PORT_RUN, type IpcKmsg, type KDesc } from "../ipc/kmsg.js";
import { kmsgDataRelease, kmsgReusable, kmsgReuse, kmsgWithData } from "../ipc/kmsg_buffer.js";
import { LITTLE_ENDIAN } from "../ipc/user_words.js";
import type { Param } from "./types.js";

type Args = Record<string, unknown>;
export type FastDecode = (kmsg: IpcKmsg, data: Uint8Array, kdescs: KDesc[]) => Args | number;
/** `into`: a served request's IpcKmsg to make the reply in (kmsgReuse), or null for a new one. */
export type FastEncode = (out: Record<string, unknown>, into: IpcKmsg | null) => IpcKmsg;

const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";
const key = (s: string): string => JSON.stringify(s);
const fixedKinds = new Set(["scalar", "bytes", "port"]);

/** A scalar's read from the request's bytes `d`, or (`words`) from their Uint32Array `w` when 4 bytes wide. */
function scalarRead(p: Param, off: number, words = false): string {
  const t = p.type;
  if (t.kind !== "scalar") throw new Error("not a scalar");
  if (t.size === 4 && words) return t.signed ? `(w[${off >>> 2}] | 0)` : `w[${off >>> 2}]`;
  if (t.size === 4) return `${t.signed ? "rdI32" : "rdU32"}(d, ${off})`;
  return `${t.signed ? "rdI64" : "rdU64"}(d, ${off})`;
}

/**
 * The stub's unpacking after its size and complexity checks: descriptor type
 * checks (MIG_TYPE_ERROR) in parameter order, then the inline values. Null
 * when the request is not of a fixed layout.
 */
export function compileDecode(params: Param[], inlineStart: number): FastDecode | null {
  const src = decodeSource(params, inlineStart);
  if (!src) return null;
  const body = `${src.checks.join("\n")}\nreturn { ${src.fields.join(", ")} };`;
  const make = new Function("rdU32", "rdI32", "rdU64", "rdI64", "TE", `return function decode(kmsg, d, kdescs) {\n${body}\n};`);
  return make(rdU32, rdI32, rdU64, rdI64, MIG_TYPE_ERROR) as FastDecode;
}

/**
 * compileDecode's source: the descriptor checks (each `return TE` on a wrong type) and the fields
 * of the arguments' object, reading the request's bytes as `d` and its descriptors as `kdescs`.
 */
function decodeSource(params: Param[], inlineStart: number): { checks: string[]; fields: string[]; wordFields: string[] | null } | null {
  if (!params.every((p) => !sendsIn(p) || fixedKinds.has(p.type.kind))) return null;
  const checks: string[] = [];
  const fields: string[] = [];
  // The same fields with each 4-byte value read from the request's words `w` (kmsg.words, on a
  // little-endian host where a word is its bytes' value as rdU32 reads them), when any is.
  const wordFields: string[] = [];
  let anyWord = false;
  let di = 0;
  for (const p of params) {
    const t = p.type;
    if (!sendsIn(p) || t.kind !== "port") continue;
    const d = `k${di}`;
    checks.push(`const ${d} = kdescs[${di}];`, `if (${d}.kind !== ${MACH_MSG_PORT_DESCRIPTOR}) return TE;`);
    if (t.carried >= 0) checks.push(`if (${d}.type !== ${t.carried}) return TE;`);
    fields.push(`${key(p.name)}: { port: ${d}.port, type: ${d}.type }`);
    wordFields.push(fields[fields.length - 1]!);
    di++;
  }
  let off = inlineStart;
  for (const p of params) {
    const t = p.type;
    if (!sendsIn(p)) {
      if (p.countInOut) {
        fields.push(`${key(`${p.name}Cnt`)}: rdU32(d, ${off})`);
        wordFields.push(`${key(`${p.name}Cnt`)}: w[${off >>> 2}]`);
        anyWord = true;
        off += 4;
      }
      continue;
    }
    if (t.kind === "scalar") {
      fields.push(`${key(p.name)}: ${scalarRead(p, off)}`);
      wordFields.push(`${key(p.name)}: ${scalarRead(p, off, true)}`);
      if (t.size === 4) anyWord = true;
      off += t.size;
    } else if (t.kind === "bytes") {
      fields.push(`${key(p.name)}: d.slice(${off}, ${off + t.size})`);
      wordFields.push(fields[fields.length - 1]!);
      off += (t.size + 3) & ~3;
    }
  }
  // Every offset is a multiple of 4 (descriptors, NDR, scalars and padded bytes are), as word reads need.
  return { checks, fields, wordFields: anyWord && LITTLE_ENDIAN && off % 4 === 0 ? wordFields : null };
}

/**
 * A successful reply: port descriptors (their names come at copyout), the NDR
 * record when MIG writes one, RetCode for a simple reply, then the inline
 * values, with inline arrays and port arrays counted as the interpreter counts
 * them (a SameCount array takes the count of the array before it). Null when
 * the reply has OOL data or a string.
 */
export function compileEncode(params: Param[], baseSize: number, complex: boolean, ndr: boolean): FastEncode | null {
  const src = encodeSource(params, baseSize, complex, ndr);
  if (!src) return null;
  const make = new Function(...ENCODE_NAMES, `return function encodeReply(out, into) {\n${src.lines.join("\n")}\n};`);
  return make(...encodeValues(src.template)) as FastEncode;
}

/** What the encoder's source refers to besides `out` and `into`, by name. */
const ENCODE_NAMES = ["wrU32", "wrU64", "kmsgWithData", "kmsgReuse", "EMPTY", "TEMPLATE_BODY", "IpcPort"];
const encodeValues = (template: Uint8Array): unknown[] => [wrU32, wrU64, kmsgWithData, kmsgReuse, EMPTY, template.subarray(HEADER_SIZE), IpcPort];

/**
 * compileEncode's source, which reads the out-parameters from `out`, makes the reply in `into`
 * (or a new message when it is null) and returns it; and the template of its constant bytes.
 */
function encodeSource(params: Param[], baseSize: number, complex: boolean, ndr: boolean): { lines: string[]; template: Uint8Array } | null {
  const outs = params.filter(sendsOut);
  if (!outs.every((p) => replyKinds.has(p.type.kind))) return null;
  const lines: string[] = [];
  // Counts of the variable out-parameters, in order.
  const count = new Map<Param, string>();
  let last = "0";
  const sizeTerms: string[] = [];
  outs.forEach((p, i) => {
    const t = p.type;
    if (t.kind !== "array" && t.kind !== "portarray") return;
    if (p.sameCount) count.set(p, last);
    else {
      lines.push(`const v${i} = out[${key(p.name)}];`, `const n${i} = v${i} === undefined ? 0 : v${i}.length;`);
      count.set(p, `n${i}`);
      last = `n${i}`;
    }
    if (t.kind === "array") sizeTerms.push(`((${t.elem} * ${count.get(p)} + 3) & ~3)`);
  });
  // The reply's constant bytes (descriptor count, a run's dispositions, NDR_record) are laid out
  // once in a template and copied in whole: zeroing a pooled 436-byte buffer and then writing a
  // get_exception_ports reply's 32 dispositions one by one cost a third of its encoding.
  const template = new Uint8Array(baseSize);
  lines.push(
    `const size = ${baseSize}${sizeTerms.map((x) => ` + ${x}`).join("")};`,
    "const reply = into === null ? kmsgWithData(size, false) : kmsgReuse(into, size, false);",
    "const d = reply.data;",
  );
  // A template that fits V8's on-heap arrays is written word by word once the rest is known (below):
  // TypedArray.prototype.set costs more than those few stores (about 50 ns a null RPC).
  const smallTemplate = baseSize <= 64;
  // Past the header only: its 24 bytes are the message's fields (kmsg.ts), which copyout writes.
  if (!smallTemplate) lines.push(`d.set(TEMPLATE_BODY, ${HEADER_SIZE});`);
  // Past the template (variable arrays), bytes no value covers (an inline byte array's pad, fixed
  // bytes after an array, which a missing value leaves alone) stay zero, as fresh ones would.
  const tailNeedsZero = outs.some((p, i) => {
    const t = p.type;
    if (t.kind === "array" && t.elem === 1) return true;
    return t.kind === "bytes" && outs.slice(0, i).some((q) => q.type.kind === "array");
  });
  if (tailNeedsZero) lines.push(`if (size > ${baseSize}) d.fill(0, ${baseSize}, size);`);
  let off = HEADER_SIZE;
  if (complex) {
    const descParams = outs.filter((p) => p.type.kind === "port" || p.type.kind === "portarray");
    const total = descParams.reduce((n, p) => n + (p.type.kind === "portarray" ? p.type.max : 1), 0);
    // One entry per port, one per port array (a run: kmsg.ts's KPortRunDesc).
    wrU32(template, off, total);
    lines.push(`reply.bits = ${MACH_MSGH_BITS_COMPLEX >>> 0};`, `const descs = new Array(${descParams.length});`);
    off += 4;
    let di = 0;
    descParams.forEach((p, i) => {
      const t = p.type;
      if (t.kind === "port") {
        // A handler gives a port, or a {port, type} pair when it chooses the disposition.
        template[off + PORT_DESCRIPTOR.at.type] = MACH_MSG_PORT_DESCRIPTOR;
        lines.push(
          `const q${i} = out[${key(p.name)}];`,
          `let p${i} = null, t${i} = ${t.outName};`,
          // A port first (the usual answer): an `in` test on every port's shape cost more than the rest.
          `if (q${i} instanceof IpcPort) p${i} = q${i};`,
          `else if (q${i} && typeof q${i} === "object" && "port" in q${i}) { p${i} = q${i}.port; t${i} = q${i}.type; } else p${i} = q${i} ?? null;`,
          `d[${off + PORT_DESCRIPTOR.at.disposition}] = t${i};`,
          `descs[${di}] = { kind: ${MACH_MSG_PORT_DESCRIPTOR}, off: ${off}, port: p${i}, type: t${i} };`,
        );
        di++;
        off += PORT_DESCRIPTOR.size;
      } else if (t.kind === "portarray") {
        // Always `max` descriptors, as one run; those past the list are null ports.
        for (let j = 0; j < t.max; j++) {
          template[off + PORT_DESCRIPTOR.size * j + PORT_DESCRIPTOR.at.disposition] = t.carried;
          template[off + PORT_DESCRIPTOR.size * j + PORT_DESCRIPTOR.at.type] = MACH_MSG_PORT_DESCRIPTOR;
        }
        // A copy of the handler's list only: the descriptors past it are null ports, which the
        // run counts without holding (a list of 32 copied out one by one cost more than the rest).
        lines.push(
          `{ const list = out[${key(p.name)}] ?? EMPTY;`,
          `const ports = list.length <= ${t.max} ? list.slice() : list.slice(0, ${t.max});`,
          `descs[${di}] = { kind: ${KDESC_PORT_RUN}, off: ${off}, ports, type: ${t.carried}, count: ${t.max} }; }`,
        );
        di++;
        off += PORT_DESCRIPTOR.size * t.max;
      }
    });
    lines.push("reply.descs = descs;");
  }
  if (ndr) {
    template.set(NDR_RECORD, off);
    off += NDR_SIZE;
  }
  if (!complex) off += 4; // RetCode: KERN_SUCCESS, already zero
  if (smallTemplate) {
    // Every word past the header, zeros included: a kept buffer holds an earlier message's bytes. Before the port
    // descriptors' dispositions, which are written over the template's.
    // Through the reply's Uint32Array when it has one (kmsg_buffer's small buffers; on a
    // little-endian host, where a word's value is its bytes' as wrU32 writes them): a word store
    // for four byte stores.
    const bytes: string[] = [];
    const stores: string[] = [];
    for (let o = HEADER_SIZE; o + 4 <= baseSize; o += 4) {
      bytes.push(`wrU32(d, ${o}, ${rdU32(template, o)});`);
      stores.push(`w[${o >>> 2}] = ${rdU32(template, o)};`);
    }
    const words = bytes.length === 0 ? [] : LITTLE_ENDIAN ? ["{ const w = reply.words;", `if (w !== null) { ${stores.join(" ")} }`, `else { ${bytes.join(" ")} } }`] : bytes;
    const firstDisposition = lines.findIndex((l) => /^d\[\d+\] = t\d+;$/.test(l));
    lines.splice(firstDisposition < 0 ? lines.length : firstDisposition, 0, ...words);
  }
  lines.push(`let off = ${off};`);
  for (const p of outs) {
    const t = p.type;
    const v = `out[${key(p.name)}]`;
    if (t.kind === "scalar") {
      lines.push(t.size === 4 ? `wrU32(d, off, Number(${v} ?? 0) >>> 0);` : `wrU64(d, off, BigInt.asUintN(64, BigInt(${v} ?? 0)));`, `off += ${t.size};`);
    } else if (t.kind === "bytes") {
      // As the interpreter: a missing value (undefined or null) leaves the fresh zeros.
      lines.push(`{ const b = ${v}; if (b !== undefined && b !== null) d.set(b.subarray(0, ${t.size}), off); }`, `off += ${(t.size + 3) & ~3};`);
    } else if (t.kind === "array") {
      const n = count.get(p)!;
      if (!p.sameCount) lines.push(`wrU32(d, off, ${n});`, "off += 4;");
      lines.push(`{ const list = ${v};`);
      if (t.elem === 1) lines.push("if (list) d.set(list, off);");
      else if (t.elem === 4) lines.push(`for (let i = 0; i < ${n}; i++) wrU32(d, off + 4 * i, Number((list ? list[i] : 0) ?? 0) >>> 0);`);
      else lines.push(`for (let i = 0; i < ${n}; i++) wrU64(d, off + 8 * i, BigInt.asUintN(64, BigInt((list ? list[i] : 0) ?? 0)));`);
      lines.push(`off += (${t.elem} * ${n} + 3) & ~3; }`);
    }
  }
  lines.push("return reply;");
  return { lines, template };
}

/** What a routine's compiled server needs of the dispatcher: the handler's context for a call. */
export interface ServeHooks {
  context(port: IpcPort, kmsg: IpcKmsg): unknown;
}

/**
 * ipc_kobject_server's part for one routine, from its checked request to its reply: the decoder,
 * the call of the routine's handler and the encoder of compileDecode and compileEncode in one
 * function. The reply (made in the request's IpcKmsg when kmsgReusable allows), or the return
 * code of a refused request (the checks', the decoder's or the handler's). One function per
 * routine calls one handler only, which the compiler can then inline, and sees one shape of
 * arguments and of results. `check` is the request's size and complexity check (0 when it
 * passes) for a request with descriptors; `simpleSize`, when not -1, the one size of a request
 * with none, checked in the function itself.
 */
export type FastServe = (hooks: ServeHooks, dest: IpcPort, kmsg: IpcKmsg) => IpcKmsg | number;

export function compileServe(
  params: Param[],
  inlineStart: number,
  simpleSize: number,
  check: (kmsg: IpcKmsg, kdescs: KDesc[]) => number,
  reply: { baseSize: number; complex: boolean; ndr: boolean },
  handler: (ctx: never, args: Args) => unknown,
): FastServe | null {
  const dec = decodeSource(params, inlineStart);
  const enc = encodeSource(params, reply.baseSize, reply.complex, reply.ndr);
  if (!dec || !enc) return null;
  const lines = [
    "const qdescs = kmsg.descs;",
    "let kdescs = NO_DESCS;",
    simpleSize >= 0
      ? `if (qdescs === null) { if ((kmsg.bits & ${MACH_MSGH_BITS_COMPLEX >>> 0}) !== 0 || kmsg.size !== ${simpleSize}) return BAD; }`
      : "if (qdescs !== null) kdescs = descriptorsOf(qdescs);",
    simpleSize >= 0 ? "else { kdescs = descriptorsOf(qdescs); const bad = CHECK(kmsg, kdescs); if (bad !== 0) return bad; }" : "{ const bad = CHECK(kmsg, kdescs); if (bad !== 0) return bad; }",
    "let args;",
    dec.wordFields === null
      ? `{ const d = kmsg.data;\n${dec.checks.join("\n")}\nargs = { ${dec.fields.join(", ")} }; }`
      : `{ const d = kmsg.data; const w = kmsg.words;\n${dec.checks.join("\n")}\nargs = w !== null ? { ${dec.wordFields.join(", ")} } : { ${dec.fields.join(", ")} }; }`,
    "const res = HANDLER(hooks.context(dest, kmsg), args);",
    "let out;",
    "if (typeof res === \"number\") { if (res !== 0) return res; out = NO_OUTS; }",
    "else { const kr = res.kr ?? 0; if (kr !== 0) return kr; out = res; }",
    // The request is served: its bytes are dead (the arguments were copied out of them), given
    // back here or by kmsgReuse.
    "const into = kmsgReusable(kmsg) ? kmsg : null;",
    "if (into === null) kmsgDataRelease(kmsg);",
    ...enc.lines,
  ];
  const names = [...ENCODE_NAMES, "rdU32", "rdI32", "rdU64", "rdI64", "TE", "BAD", "NO_DESCS", "NO_OUTS", "descriptorsOf", "CHECK", "HANDLER", "kmsgDataRelease", "kmsgReusable"];
  const values = [...encodeValues(enc.template), rdU32, rdI32, rdU64, rdI64, MIG_TYPE_ERROR, MIG_BAD_ARGUMENTS, NO_DESCS, NO_OUTS, descriptorsOf, check, handler, kmsgDataRelease, kmsgReusable];
  const make = new Function(...names, `return function serve(hooks, dest, kmsg) {\n${lines.join("\n")}\n};`);
  return make(...values) as FastServe;
}

const NO_DESCS: KDesc[] = [];
/** The out-parameters of a handler that returned only KERN_SUCCESS. */
export const NO_OUTS: Record<string, unknown> = Object.freeze({});

/** The out-parameter kinds the generated encoder lays out. */
const replyKinds = new Set(["scalar", "bytes", "port", "array", "portarray"]);
const EMPTY: readonly never[] = Object.freeze([]);
