/**
 * A request encoder generated once per routine from its parameter list, for the
 * requests encodeRequest (user.ts) lays out without the caller's memory: ports,
 * scalars, fixed bytes (not c_strings) and inline arrays. The kernel builds one per exception
 * (exception_raise and its kin), and the interpreter's computed property names
 * and walks over the parameter list cost more than the bytes it writes. Same
 * layout, same order, same values as the interpreter, which handles the rest.
 */
import { HEADER_SIZE, MACH_MSG_HEADER, NDR_RECORD, NDR_SIZE } from "../abi/msg_layout.js";
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
export function compileRequest(id: number, params: Param[], bits: number, ndr: boolean, writePort: PortWriter): FastRequest | null {
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
  lines.push(`const size = ${fixed}${sizeTerms.map((s) => ` + ${s}`).join("")};`, "const buf = kmsgData(size, true);");
  const at = MACH_MSG_HEADER.at;
  lines.push(
    `wrU32(buf, ${at.bits}, ${bits >>> 0});`,
    `wrU32(buf, ${at.size}, size);`,
    `wrU32(buf, ${at.remotePort}, target);`,
    `wrU32(buf, ${at.localPort}, reply);`,
    `wrU32(buf, ${at.id}, ${id});`,
  );
  let off = HEADER_SIZE;
  if (ports.length > 0) {
    lines.push(`wrU32(buf, ${off}, ${ports.length});`);
    off += 4;
    for (const p of ports) {
      consts.push(p.type);
      lines.push(`writePort(buf, ${off}, args[${key(p.name)}], consts[${consts.length - 1}]);`);
      off += 12;
    }
  }
  if (ndr) {
    NDR_RECORD.forEach((b, i) => {
      if (b !== 0) lines.push(`buf[${off + i}] = ${b};`);
    });
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
  const make = new Function("wrU32", "wrU64", "kmsgData", "writePort", "consts", "EMPTY", `return function encodeRequest(target, reply, args) {\n${lines.join("\n")}\n};`);
  return make(wrU32, wrU64, kmsgData, writePort, consts, EMPTY) as FastRequest;
}
