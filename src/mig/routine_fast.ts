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
import { MIG_TYPE_ERROR } from "../abi/kern_return.js";
import { MACH_MSG_PORT_DESCRIPTOR, MACH_MSGH_BITS_COMPLEX } from "../abi/message.js";
import { HEADER_SIZE, NDR_RECORD, NDR_SIZE, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { rdI32, rdI64, rdU32, rdU64, wrU32, wrU64 } from "../abi/bytes.js";
import { IpcPort } from "../ipc/port.js";
import { KDESC_PORT_RUN, type IpcKmsg, type KDesc } from "../ipc/kmsg.js";
import { kmsgWithData } from "../ipc/kmsg_buffer.js";
import type { Param } from "./types.js";

type Args = Record<string, unknown>;
export type FastDecode = (kmsg: IpcKmsg, data: Uint8Array, kdescs: KDesc[]) => Args | number;
export type FastEncode = (out: Record<string, unknown>) => IpcKmsg;

const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";
const key = (s: string): string => JSON.stringify(s);
const fixedKinds = new Set(["scalar", "bytes", "port"]);

function scalarRead(p: Param, off: number): string {
  const t = p.type;
  if (t.kind !== "scalar") throw new Error("not a scalar");
  if (t.size === 4) return `${t.signed ? "rdI32" : "rdU32"}(d, ${off})`;
  return `${t.signed ? "rdI64" : "rdU64"}(d, ${off})`;
}

/**
 * The stub's unpacking after its size and complexity checks: descriptor type
 * checks (MIG_TYPE_ERROR) in parameter order, then the inline values. Null
 * when the request is not of a fixed layout.
 */
export function compileDecode(params: Param[], inlineStart: number): FastDecode | null {
  if (!params.every((p) => !sendsIn(p) || fixedKinds.has(p.type.kind))) return null;
  const checks: string[] = [];
  const fields: string[] = [];
  let di = 0;
  for (const p of params) {
    const t = p.type;
    if (!sendsIn(p) || t.kind !== "port") continue;
    const d = `k${di}`;
    checks.push(`const ${d} = kdescs[${di}];`, `if (${d}.kind !== ${MACH_MSG_PORT_DESCRIPTOR}) return TE;`);
    if (t.carried >= 0) checks.push(`if (${d}.type !== ${t.carried}) return TE;`);
    fields.push(`${key(p.name)}: { port: ${d}.port, type: ${d}.type }`);
    di++;
  }
  let off = inlineStart;
  for (const p of params) {
    const t = p.type;
    if (!sendsIn(p)) {
      if (p.countInOut) {
        fields.push(`${key(`${p.name}Cnt`)}: rdU32(d, ${off})`);
        off += 4;
      }
      continue;
    }
    if (t.kind === "scalar") {
      fields.push(`${key(p.name)}: ${scalarRead(p, off)}`);
      off += t.size;
    } else if (t.kind === "bytes") {
      fields.push(`${key(p.name)}: d.slice(${off}, ${off + t.size})`);
      off += (t.size + 3) & ~3;
    }
  }
  const body = `${checks.join("\n")}\nreturn { ${fields.join(", ")} };`;
  const make = new Function("rdU32", "rdI32", "rdU64", "rdI64", "TE", `return function decode(kmsg, d, kdescs) {\n${body}\n};`);
  return make(rdU32, rdI32, rdU64, rdI64, MIG_TYPE_ERROR) as FastDecode;
}

/**
 * A successful reply: port descriptors (their names come at copyout), the NDR
 * record when MIG writes one, RetCode for a simple reply, then the inline
 * values, with inline arrays and port arrays counted as the interpreter counts
 * them (a SameCount array takes the count of the array before it). Null when
 * the reply has OOL data or a string.
 */
export function compileEncode(params: Param[], baseSize: number, complex: boolean, ndr: boolean): FastEncode | null {
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
  const consts: unknown[] = [];
  lines.push(
    `const size = ${baseSize}${sizeTerms.map((x) => ` + ${x}`).join("")};`,
    "const reply = kmsgWithData(size, false);",
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
        // A copy of a list of nulls, then the handler's ports: a fresh holey array filled
        // slot by slot cost twice as much.
        consts.push(new Array<null>(t.max).fill(null));
        lines.push(
          `{ const list = out[${key(p.name)}] ?? EMPTY;`,
          `const ports = C[${consts.length - 1}].slice();`,
          `for (let i = 0, n = list.length < ${t.max} ? list.length : ${t.max}; i < n; i++) ports[i] = list[i];`,
          `descs[${di}] = { kind: ${KDESC_PORT_RUN}, off: ${off}, ports, type: ${t.carried} }; }`,
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
    const words: string[] = [];
    for (let o = HEADER_SIZE; o + 4 <= baseSize; o += 4) words.push(`wrU32(d, ${o}, ${rdU32(template, o)});`);
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
  const make = new Function("wrU32", "wrU64", "kmsgWithData", "EMPTY", "TEMPLATE_BODY", "C", "IpcPort", `return function encodeReply(out) {\n${lines.join("\n")}\n};`);
  return make(wrU32, wrU64, kmsgWithData, EMPTY, template.subarray(HEADER_SIZE), consts, IpcPort) as FastEncode;
}

/** The out-parameter kinds the generated encoder lays out. */
const replyKinds = new Set(["scalar", "bytes", "port", "array", "portarray"]);
const EMPTY: readonly never[] = Object.freeze([]);
