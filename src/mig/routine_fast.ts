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
import type { IpcKmsg, KDesc } from "../ipc/kmsg.js";
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
 * A successful reply of a fixed layout: port descriptors (their names come at
 * copyout), the NDR record when MIG writes one, RetCode for a simple reply,
 * then the inline values. Null when the reply is not of a fixed layout.
 */
export function compileEncode(params: Param[], size: number, complex: boolean, ndr: boolean): FastEncode | null {
  const outs = params.filter(sendsOut);
  if (!outs.every((p) => fixedKinds.has(p.type.kind))) return null;
  const lines: string[] = [`const reply = kmsgWithData(${size}, true);`, "const d = reply.data;"];
  let off = HEADER_SIZE;
  if (complex) {
    const ports = outs.filter((p) => p.type.kind === "port");
    lines.push(`wrU32(d, ${off}, ${ports.length});`, `reply.bits = ${MACH_MSGH_BITS_COMPLEX >>> 0};`);
    off += 4;
    const descs: string[] = [];
    ports.forEach((p, i) => {
      const t = p.type;
      if (t.kind !== "port") return;
      // A handler gives a port, or a {port, type} pair when it chooses the disposition.
      lines.push(
        `const v${i} = out[${key(p.name)}];`,
        `let p${i} = null, t${i} = ${t.outName};`,
        `if (v${i} && typeof v${i} === "object" && "port" in v${i}) { p${i} = v${i}.port; t${i} = v${i}.type; } else p${i} = v${i} ?? null;`,
        `d[${off + PORT_DESCRIPTOR.at.disposition}] = t${i};`,
      );
      descs.push(`{ kind: ${MACH_MSG_PORT_DESCRIPTOR}, off: ${off}, port: p${i}, type: t${i} }`);
      off += PORT_DESCRIPTOR.size;
    });
    lines.push(`reply.descs = [${descs.join(", ")}];`);
  }
  if (ndr) {
    // The bytes are fresh zeros: only NDR_record's non-zero bytes are written.
    NDR_RECORD.forEach((b, i) => {
      if (b !== 0) lines.push(`d[${off + i}] = ${b};`);
    });
    off += NDR_SIZE;
  }
  if (!complex) off += 4; // RetCode: KERN_SUCCESS, already zero
  for (const p of outs) {
    const t = p.type;
    const v = `out[${key(p.name)}]`;
    if (t.kind === "scalar") {
      lines.push(t.size === 4 ? `wrU32(d, ${off}, Number(${v} ?? 0) >>> 0);` : `wrU64(d, ${off}, BigInt.asUintN(64, BigInt(${v} ?? 0)));`);
      off += t.size;
    } else if (t.kind === "bytes") {
      lines.push(`{ const b = ${v}; if (b !== undefined) d.set(b.subarray(0, ${t.size}), ${off}); }`);
      off += (t.size + 3) & ~3;
    }
  }
  if (off !== size) throw new Error(`fast reply encoder: laid out ${off} bytes of ${size}`);
  lines.push("return reply;");
  const make = new Function("wrU32", "wrU64", "kmsgWithData", `return function encodeReply(out) {\n${lines.join("\n")}\n};`);
  return make(wrU32, wrU64, kmsgWithData) as FastEncode;
}
