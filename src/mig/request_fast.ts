/**
 * A request encoder generated once per routine from its parameter list, for the
 * requests encodeRequest (user.ts) lays out without the caller's memory: ports,
 * scalars, fixed bytes (not c_strings) and inline arrays. The kernel builds one per exception
 * (exception_raise and its kin), and the interpreter's computed property names
 * and walks over the parameter list cost more than the bytes it writes. Same
 * layout, same order, same values as the interpreter, which handles the rest.
 */
import { HEADER_SIZE, MACH_MSG_HEADER, NDR_RECORD, NDR_SIZE, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { MACH_MSG_PORT_DESCRIPTOR } from "../abi/message.js";
import { wrU32, wrU64 } from "../abi/bytes.js";
import { kmsgData } from "../ipc/kmsg_buffer.js";
import type { Param, PortType } from "./types.js";

export type FastRequest = (target: number, reply: number, args: Record<string, unknown>) => Uint8Array;
type PortWriter = (buf: Uint8Array, off: number, v: unknown, t: PortType) => void;

const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const key = (s: string): string => JSON.stringify(s);
const EMPTY: readonly never[] = Object.freeze([]);

/**
 * `bits` is the header's msgh_bits for the routine, `ndr` whether an NDR record
 * follows the descriptors (both as the interpreter finds them). Null when a
 * parameter needs the interpreter (OOL data, port arrays).
 */
export function compileRequest(
  id: number,
  params: Param[],
  bits: number,
  ndr: boolean,
  writePort: PortWriter,
  defaultDisposition: (t: PortType) => number,
): FastRequest | null {
  const ins = params.filter(sendsIn);
  const plain = (p: Param): boolean =>
    p.type.kind === "port" || p.type.kind === "scalar" || p.type.kind === "array" || (p.type.kind === "bytes" && !p.type.cstring);
  if (!ins.every(plain)) return null;
  const ports = ins.filter((p) => p.type.kind === "port");
  const consts: unknown[] = [];
  const lines: string[] = [];
  let fixed = HEADER_SIZE + (ports.length > 0 ? 4 + 12 * ports.length : 0) + (ndr ? NDR_SIZE : 0);
  const sizeTerms: string[] = [];
  params.forEach((p, i) => {
    const t = p.type;
    if (!sendsIn(p)) {
      if (p.countInOut) fixed += 4;
      return;
    }
    if (t.kind === "scalar") fixed += t.size;
    else if (t.kind === "bytes") fixed += (t.size + 3) & ~3;
    else if (t.kind === "array") {
      lines.push(`const l${i} = args[${key(p.name)}] ?? EMPTY;`);
      fixed += 4;
      sizeTerms.push(`((${t.elem} * l${i}.length + 3) & ~3)`);
    }
  });
  // The constant bytes (msgh_bits, msgh_id, the descriptor count, each port descriptor's type and
  // usual disposition, NDR_record) are laid out once and copied in whole over a buffer taken
  // unzeroed: zeroing a pooled buffer and writing them one by one cost more (the kernel encodes
  // one request per exception).
  const template = new Uint8Array(fixed);
  const at = MACH_MSG_HEADER.at;
  wrU32(template, at.bits, bits >>> 0);
  wrU32(template, at.id, id);
  // Bytes past the template that no value covers (an inline byte array's pad, fixed bytes
  // after an array, which a missing value leaves alone) must read as zeros.
  const tailNeedsZero = params.some((p, i) => {
    if (!sendsIn(p)) return false;
    const t = p.type;
    if (t.kind === "array" && t.elem === 1) return true;
    return t.kind === "bytes" && params.slice(0, i).some((q) => sendsIn(q) && q.type.kind === "array");
  });
  lines.push(
    `const size = ${fixed}${sizeTerms.map((s) => ` + ${s}`).join("")};`,
    "const buf = kmsgData(size, false);",
    "buf.set(TEMPLATE);",
    ...(tailNeedsZero ? [`if (size > ${fixed}) buf.fill(0, ${fixed}, size);`] : []),
    `wrU32(buf, ${at.size}, size);`,
    `wrU32(buf, ${at.remotePort}, target);`,
    `wrU32(buf, ${at.localPort}, reply);`,
  );
  let off = HEADER_SIZE;
  if (ports.length > 0) {
    wrU32(template, off, ports.length);
    off += 4;
    for (const p of ports) {
      const t = p.type as PortType;
      template[off + PORT_DESCRIPTOR.at.disposition] = defaultDisposition(t);
      template[off + PORT_DESCRIPTOR.at.type] = MACH_MSG_PORT_DESCRIPTOR;
      consts.push(t);
      // A bare name goes with the template's disposition; anything else is the writer's to lay out.
      lines.push(
        `{ const v = args[${key(p.name)}];`,
        `if (typeof v === "number") wrU32(buf, ${off + PORT_DESCRIPTOR.at.name}, v); else writePort(buf, ${off}, v, consts[${consts.length - 1}]); }`,
      );
      off += 12;
    }
  }
  if (ndr) {
    template.set(NDR_RECORD, off);
    off += NDR_SIZE;
  }
  lines.push(`let off = ${off};`);
  params.forEach((p, i) => {
    const t = p.type;
    const v = `args[${key(p.name)}]`;
    if (!sendsIn(p)) {
      if (p.countInOut) {
        const dflt = t.kind === "array" ? t.max : 0;
        lines.push(`{ const cap = args[${key(`${p.name}Cnt`)}]; wrU32(buf, off, typeof cap === "number" ? cap : ${dflt}); off += 4; }`);
      }
      return;
    }
    if (t.kind === "scalar") {
      lines.push(t.size === 4 ? `wrU32(buf, off, Number(${v} ?? 0) >>> 0);` : `wrU64(buf, off, BigInt(${v} ?? 0));`);
      lines.push(`off += ${t.size};`);
    } else if (t.kind === "bytes") {
      lines.push(`{ const b = ${v}; if (b) buf.set(b.subarray(0, ${t.size}), off); }`, `off += ${(t.size + 3) & ~3};`);
    } else if (t.kind === "array") {
      const l = `l${i}`;
      lines.push(`wrU32(buf, off, ${l}.length);`, "off += 4;");
      if (t.elem === 1) lines.push(`buf.set(${l}, off);`);
      else if (t.elem === 4) lines.push(`for (let i = 0; i < ${l}.length; i++) wrU32(buf, off + 4 * i, Number(${l}[i]) >>> 0);`);
      else lines.push(`for (let i = 0; i < ${l}.length; i++) wrU64(buf, off + 8 * i, BigInt(${l}[i]));`);
      lines.push(`off += (${t.elem} * ${l}.length + 3) & ~3;`);
    }
  });
  lines.push("return buf;");
  const make = new Function("wrU32", "wrU64", "kmsgData", "writePort", "consts", "EMPTY", "TEMPLATE", `return function encodeRequest(target, reply, args) {\n${lines.join("\n")}\n};`);
  return make(wrU32, wrU64, kmsgData, writePort, consts, EMPTY, template) as FastRequest;
}
