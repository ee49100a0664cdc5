/**
 * C user stubs from a routine description, as MIG lays out a 64-bit client:
 * the request (header, descriptors, NDR, inline data, variable arrays packed
 * to their counts), the RPC through the thread's MIG reply port, then the
 * reply checks of MIG's __MIG_check__Reply (id, complex bit, descriptor count,
 * size, descriptor types and dispositions, counts) in MIG's order, and the
 * copy-out with MIG_ARRAY_TOO_LARGE where MIG gives it. A mig_reply_error_t
 * returns its RetCode before any out-parameter is touched.
 *
 * The generated C addresses the message through byte offsets (a cursor over
 * variable arrays) with the library's little-endian helpers, so no packed
 * struct is needed and nothing depends on the compiler's layout.
 */
import type { Routine } from "./routine.js";
import { cParams, cTypeName, isPoly } from "./c_proto.js";
import { align4, descCount, descSize, inlineFixed, replyInline, replyShape, requestInline, requestShape, sendsOut } from "./shape.js";
import { hasOolCount, type Param } from "./types.js";
import { MAX_TRAILER } from "../abi/msg_layout.js";

/** The disposition a user stub sends a port with, or an expression for a polymorphic one. */
function userDisposition(p: Param): string {
  const t = p.type;
  if (t.kind !== "port" && t.kind !== "oolports" && t.kind !== "portarray") throw new Error(`${p.name} is not a port`);
  if (t.kind === "port" && isPoly(p)) return `${p.name}Poly`;
  if (t.kind === "port" && t.user !== undefined && t.user >= 0) return String(t.user);
  const carried = t.carried;
  return carried === 18 ? "21" : carried === 16 ? "16" : "19";
}

/** C statements, indented by two spaces per level. */
class Lines {
  readonly out: string[] = [];
  private depth = 1;
  add(...ls: string[]): this {
    for (const l of ls) this.out.push("  ".repeat(this.depth) + l);
    return this;
  }
  open(l: string): this {
    this.add(l);
    this.depth++;
    return this;
  }
  close(l = "}"): this {
    this.depth--;
    return this.add(l);
  }
}

function emitRequest(r: Routine<unknown>, L: Lines): void {
  const shape = requestShape(r);
  L.add("mach_msg_size_t _o = 24;");
  if (shape.complex) {
    L.add(`put32(_b + _o, ${shape.ndesc});`, "_o += 4;");
    for (const p of shape.descs) {
      const t = p.type;
      const n = p.name;
      if (t.kind === "port") {
        L.add(`put32(_b + _o, ${p.dir === "inout" ? `*${n}` : n});`, `_b[_o + 10] = (unsigned char)(${userDisposition(p)});`, "_b[_o + 11] = MACH_MSG_PORT_DESCRIPTOR;", "_o += 12;");
      } else if (t.kind === "ool") {
        const size = t.fixed !== undefined ? String(t.fixed) : t.elem === 1 ? `${n}Cnt` : `${t.elem} * ${n}Cnt`;
        const addr = p.dir === "inout" ? `*${n}` : n;
        L.add(
          `put64(_b + _o, (uint64_t)(uintptr_t)(${addr}));`,
          "_b[_o + 8] = FALSE;",
          "_b[_o + 9] = MACH_MSG_VIRTUAL_COPY;",
          "_b[_o + 11] = MACH_MSG_OOL_DESCRIPTOR;",
          `put32(_b + _o + 12, ${p.dir === "inout" ? size.replace(`${n}Cnt`, `*${n}Cnt`) : size});`,
          "_o += 16;",
        );
      } else if (t.kind === "oolports") {
        L.add(
          `put64(_b + _o, (uint64_t)(uintptr_t)(${n}));`,
          "_b[_o + 8] = FALSE;",
          `_b[_o + 10] = ${userDisposition(p)};`,
          "_b[_o + 11] = MACH_MSG_OOL_PORTS_DESCRIPTOR;",
          `put32(_b + _o + 12, ${n}Cnt);`,
          "_o += 16;",
        );
      } else throw new Error(`${r.name}: an in port array`);
    }
  }
  if (shape.ndr) L.add("memcpy(_b + _o, &NDR_record, 8);", "_o += 8;");
  for (const p of r.params) {
    if (!requestInline(p)) continue;
    const t = p.type;
    const n = p.name;
    const v = p.dir === "inout" ? `*${n}` : n;
    if (p.dir === "out") {
      // CountInOut: the caller's capacity, capped at the array's bound.
      const max = t.kind === "array" ? t.max : 0;
      L.add(`put32(_b + _o, *${n}Cnt < ${max} ? *${n}Cnt : ${max});`, "_o += 4;");
      continue;
    }
    switch (t.kind) {
      case "scalar":
        L.add(t.size === 4 ? `put32(_b + _o, (uint32_t)(${v}));` : `put64(_b + _o, (uint64_t)(${v}));`, `_o += ${t.size};`);
        break;
      case "bytes":
        if (t.cstring) L.add(`machipc_mig_strncpy((char *)(_b + _o), ${n}, ${t.size});`, `_o += ${align4(t.size)};`);
        else L.add(`memcpy(_b + _o, ${p.dir === "inout" || t.cArray ? n : `&${n}`}, ${t.size});`, `_o += ${align4(t.size)};`);
        break;
      case "array":
        L.add(
          `if (${n}Cnt > ${t.max}) return MIG_ARRAY_TOO_LARGE;`,
          `put32(_b + _o, ${n}Cnt);`,
          "_o += 4;",
          `memcpy(_b + _o, ${n}, ${t.elem === 1 ? "" : `${t.elem} * `}${n}Cnt);`,
          `_o += (${t.elem === 1 ? "" : `${t.elem} * `}${n}Cnt + 3) & ~3u;`,
        );
        break;
      case "ool":
      case "oolports":
        L.add(`put32(_b + _o, ${p.dir === "inout" ? `*${n}Cnt` : `${n}Cnt`});`, "_o += 4;");
        break;
      default:
        break;
    }
  }
}

/** Reply checks (__MIG_check__Reply's order) and then the copy-out. */
function emitReply(r: Routine<unknown>, L: Lines): void {
  const shape = replyShape(r);
  const outs = r.params.filter(sendsOut);
  const variable = outs.filter((p) => replyInline(p) && (p.type.kind === "array" || p.type.kind === "cstring"));
  const fixedSize = variable.length === 0;
  const sizeFails = fixedSize ? `_size != ${shape.max}` : `_size < ${shape.min} || _size > ${shape.max}`;
  L.add("const mach_msg_size_t _size = get32(_b + 4);", "const mach_msg_id_t _id = (mach_msg_id_t)get32(_b + 20);");
  L.add(`if (_id != ${r.id + 100}) return _id == MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH;`);
  if (outs.length === 0) {
    L.add("if ((get32(_b) & MACH_MSGH_BITS_COMPLEX) || _size != 36) return MIG_TYPE_ERROR;", "return (kern_return_t)get32(_b + 32);");
    return;
  }
  if (shape.complex) {
    L.add("const int _simple = !(get32(_b) & MACH_MSGH_BITS_COMPLEX);");
    L.add(
      `if ((_simple || get32(_b + 24) != ${shape.ndesc} || ${sizeFails}) && (!_simple || _size != 36 || (kern_return_t)get32(_b + 32) == KERN_SUCCESS))`,
      "  return MIG_TYPE_ERROR;",
      "if (_simple) return (kern_return_t)get32(_b + 32);",
    );
    let off = 28;
    for (const p of shape.descs) {
      const t = p.type;
      if (t.kind === "port") {
        const disp = t.outName >= 0 && !isPoly(p) ? ` || _b[${off + 10}] != ${t.outName}` : "";
        L.add(`if (_b[${off + 11}] != MACH_MSG_PORT_DESCRIPTOR${disp}) return MIG_TYPE_ERROR;`);
      } else if (t.kind === "portarray") {
        L.add(`for (int _i = 0; _i < ${t.max}; _i++)`, `  if (_b[${off} + 12 * _i + 11] != MACH_MSG_PORT_DESCRIPTOR) return MIG_TYPE_ERROR;`);
      } else if (t.kind === "ool") {
        L.add(`if (_b[${off + 11}] != MACH_MSG_OOL_DESCRIPTOR) return MIG_TYPE_ERROR;`);
      } else if (t.kind === "oolports") {
        L.add(`if (_b[${off + 11}] != MACH_MSG_OOL_PORTS_DESCRIPTOR || _b[${off + 10}] != ${t.carried}) return MIG_TYPE_ERROR;`);
      }
      off += descSize(p) * descCount(p);
    }
  } else {
    L.add(
      `if ((get32(_b) & MACH_MSGH_BITS_COMPLEX) || ((${sizeFails}) && (_size != 36 || (kern_return_t)get32(_b + 32) == KERN_SUCCESS)))`,
      "  return MIG_TYPE_ERROR;",
      "if ((kern_return_t)get32(_b + 32) != KERN_SUCCESS) return (kern_return_t)get32(_b + 32);",
    );
  }
  // Offsets of the inline outs: fixed up to the first variable array, then by cursor.
  const descBytes = shape.descs.reduce((n, p) => n + descSize(p) * descCount(p), 0);
  L.add(`_o = ${24 + (shape.complex ? 4 + descBytes : 0) + (shape.ndr ? 8 : 0) + (shape.complex ? 0 : 4)};`);
  if (variable.length > 0) L.add(`mach_msg_size_t _rest = _size; /* what the variable arrays may still use */`);
  const offVar = (p: Param) => `_o_${p.name}`;
  const cntVar = (p: Param) => `_n_${leaderOf(r, p).name}`;
  for (const p of outs) {
    if (!replyInline(p)) continue;
    const t = p.type;
    switch (t.kind) {
      case "scalar":
      case "bytes":
        L.add(`const mach_msg_size_t ${offVar(p)} = _o;`, `_o += ${inlineFixed(p, true)};`);
        break;
      case "ool":
      case "oolports":
        if (hasOolCount(p)) L.add(`const mach_msg_size_t ${offVar(p)} = _o;`, "_o += 4;");
        break;
      case "array":
      case "cstring": {
        const last = variable[variable.length - 1] === p;
        const elem = t.kind === "array" ? t.elem : 1;
        const maxCount = t.max;
        if (t.kind === "cstring") L.add(`const mach_msg_type_number_t ${cntVar(p)} = get32(_b + _o + 4);`, "_o += 8;");
        else if (!p.sameCount) L.add(`const mach_msg_type_number_t ${cntVar(p)} = get32(_b + _o);`, "_o += 4;");
        const bytesOf = elem === 1 ? `((${cntVar(p)} + 3) & ~3u)` : `${cntVar(p)} * ${elem}`;
        // A SameCount follower's count is its leader's, already checked against a bound no larger than its own.
        if (!p.sameCount || maxOf(leaderOf(r, p)) > maxCount) L.add(`if (${cntVar(p)} > ${maxCount}) return MIG_TYPE_ERROR;`);
        L.add(
          `if ((_rest - ${shape.min})${elem === 1 ? "" : ` / ${elem}`} < ${cntVar(p)} || _rest ${last ? "!=" : "<"} ${shape.min} + ${bytesOf}) return MIG_TYPE_ERROR;`,
        );
        if (!last) L.add(`_rest -= ${bytesOf};`);
        L.add(`const mach_msg_size_t ${offVar(p)}_data = _o;`, `_o += ${bytesOf};`);
        break;
      }
      default:
        break;
    }
  }
  if (variable.length > 0) L.add("(void)_rest;");
  L.add("(void)_o;");
  if (r.userAuditToken) {
    // MIG's trailer checks, after the reply's: format 0, and room for an audit token.
    L.add(
      "const unsigned char *const _t = _b + ((_size + 3) & ~3u);",
      "if (get32(_t) != MACH_MSG_TRAILER_FORMAT_0) return MIG_TRAILER_ERROR;",
      "if (get32(_t + 4) < (mach_msg_size_t)sizeof(audit_token_t)) return MIG_TRAILER_ERROR;",
    );
  }
  // Copy-out, in parameter order.
  let descOff = 28;
  const descAt = new Map<Param, number>();
  for (const p of shape.descs) {
    descAt.set(p, descOff);
    descOff += descSize(p) * descCount(p);
  }
  for (const p of outs) {
    const t = p.type;
    const n = p.name;
    switch (t.kind) {
      case "scalar":
        L.add(t.size === 4 ? `*${n} = (${cTypeName(t)})get32(_b + ${offVar(p)});` : `*${n} = (${cTypeName(t)})get64(_b + ${offVar(p)});`);
        break;
      case "bytes":
        if (t.cstring) L.add(`machipc_mig_strncpy(${n}, (const char *)(_b + ${offVar(p)}), ${t.size});`);
        else L.add(`memcpy(${n}, _b + ${offVar(p)}, ${t.size});`);
        break;
      case "port":
        L.add(`*${n} = get32(_b + ${descAt.get(p)});`);
        if (isPoly(p)) L.add(`*${n}Poly = _b[${descAt.get(p)! + 10}];`);
        break;
      case "portarray": {
        const lead = leaderOf(r, p);
        L.add(`for (mach_msg_type_number_t _i = 0; _i < ${cntVar(p)}; _i++) ${n}[_i] = get32(_b + ${descAt.get(p)} + 12 * _i);`);
        // Only a count bounded more loosely than this array can still exceed it here.
        if (maxOf(lead) > t.max) L.add(`if (${cntVar(p)} > ${t.max}) { *${lead.name}Cnt = ${cntVar(p)}; return MIG_ARRAY_TOO_LARGE; }`);
        break;
      }
      case "ool":
      case "oolports":
        L.add(`*${n} = (${cTypeName(t)})(uintptr_t)get64(_b + ${descAt.get(p)});`);
        if (hasOolCount(p)) L.add(`*${n}Cnt = get32(_b + ${offVar(p)});`);
        break;
      case "array": {
        const lead = leaderOf(r, p);
        const bytes = (count: string) => (t.elem === 1 ? count : `${t.elem} * ${count}`);
        // The reply checks bounded the count by the array's size; only the caller's own capacity (CountInOut) can be smaller.
        if (p.countInOut) {
          const cap = `*${lead.name}Cnt`;
          L.add(
            `if (${cntVar(p)} > ${cap}) {`,
            `  memcpy(${n}, _b + ${offVar(p)}_data, ${bytes(cap)});`,
            `  *${lead.name}Cnt = ${cntVar(p)};`,
            "  return MIG_ARRAY_TOO_LARGE;",
            "}",
          );
        }
        L.add(`memcpy(${n}, _b + ${offVar(p)}_data, ${bytes(cntVar(p))});`);
        if (!p.sameCount) L.add(`*${n}Cnt = ${cntVar(p)};`);
        break;
      }
      case "cstring":
        L.add(`machipc_mig_strncpy(${n}, (const char *)(_b + ${offVar(p)}_data), ${t.max});`);
        break;
      default:
        break;
    }
    if (r.userAuditToken?.after === p.name) L.add(`memcpy(${r.userAuditToken.name}, _t + ${AUDIT_AT}, sizeof(audit_token_t));`);
  }
  L.add("return KERN_SUCCESS;");
}

/** Where mach_msg_max_trailer_t keeps msgh_audit (after type, size, seqno and the security token). */
const AUDIT_AT = MAX_TRAILER.at.audit0;

/** An array parameter's bound (0 for anything else). */
const maxOf = (p: Param): number => (p.type.kind === "array" || p.type.kind === "portarray" ? p.type.max : 0);

/** The first array of a SameCount group: the one whose count travels. */
function leaderOf(r: Routine<unknown>, p: Param): Param {
  if (!p.sameCount) return p;
  const i = r.params.indexOf(p);
  for (let j = i - 1; j >= 0; j--) if (!r.params[j]!.sameCount) return r.params[j]!;
  throw new Error(`${r.name}.${p.name}: SameCount with nothing before it`);
}

/** The C function of one routine under `name` (the SDK name, or `_kernelrpc_<name>` behind a trap wrapper). */
export function renderUserStub(r: Routine<unknown>, name = r.name): string {
  const req = requestShape(r);
  const rep = replyShape(r);
  const target = r.target!;
  // sizeof(mach_msg_max_trailer_t) is the room MIG gives a reply whose stub asks for trailer elements.
  const trailer = r.userAuditToken ? MAX_TRAILER.size : 8;
  const bufSize = Math.max(req.max, r.simple ? 0 : rep.max + trailer);
  const L = new Lines();
  L.add(`union {`, `  mach_msg_header_t head;`, `  unsigned char bytes[${bufSize}];`, `} _m;`, "unsigned char *const _b = _m.bytes;");
  L.add(`memset(_b, 0, ${req.max});`);
  emitRequest(r, L);
  const bits = `MACH_MSGH_BITS(${userDisposition(target)}, ${r.simple ? 0 : "MACH_MSG_TYPE_MAKE_SEND_ONCE"})${req.complex ? " | MACH_MSGH_BITS_COMPLEX" : ""}`;
  if (r.simple) {
    L.add(`return machipc_mig_send(&_m.head, ${bits}, _o, ${target.name}, ${r.id});`);
  } else {
    const rpc = r.userAuditToken
      ? `machipc_mig_rpc_trailer(&_m.head, ${bits}, _o, ${rep.max + trailer}, ${target.name}, ${r.id}, MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT))`
      : `machipc_mig_rpc(&_m.head, ${bits}, _o, ${rep.max + 8}, ${target.name}, ${r.id})`;
    L.add(`mach_msg_return_t _mr = ${rpc};`);
    L.add("if (_mr != MACH_MSG_SUCCESS) return _mr;");
    emitReply(r, L);
  }
  const params = cParams(r).map((p) => p.decl);
  return `/* ${r.simple ? "SimpleRoutine" : "Routine"} ${r.name} (${r.id}) */\nkern_return_t ${name}(${params.join(", ")}) {\n${L.out.join("\n")}\n}\n`;
}

/** libsystem's wrapper for a routine it tries as a trap first (libsyscall/mach/mach_port.c). */
export function renderTrapWrapper(r: Routine<unknown>): string {
  const ps = cParams(r);
  const args = ps.map((p) => p.name).join(", ");
  const decl = ps.map((p) => p.decl).join(", ");
  return (
    `extern kern_return_t _kernelrpc_${r.name}_trap(${decl});\n` +
    `kern_return_t ${r.name}(${decl}) {\n` +
    `  kern_return_t kr = _kernelrpc_${r.name}_trap(${args});\n` +
    `  /* Another task's space: the trap refuses it, the MIG message goes to that task's port. */\n` +
    `  if (kr == MACH_SEND_INVALID_DEST) kr = _kernelrpc_${r.name}(${args});\n` +
    `  return kr;\n}\n`
  );
}
