/**
 * C prototypes from a routine description, as MIG writes them in the SDK's
 * <mach/*.h>: the target first, then each parameter by kind and direction
 * (pointers for outs, a count beside each variable array, `namePoly` beside a
 * port whose disposition the caller gives).
 */
import type { Routine } from "./routine.js";
import { hasOolCount, type MigType, type Param } from "./types.js";

/** A C parameter: its declaration text and its name. */
export interface CParam {
  decl: string;
  name: string;
}

/** The C type of a description's type; unnamed scalars print as their base. */
export function cTypeName(t: MigType): string {
  if (t.c) return t.c;
  if (t.kind === "scalar") return `${t.signed ? "int" : "uint"}${t.size * 8}_t`;
  if (t.kind === "port") return "mach_port_t";
  throw new Error(`a ${t.kind} type needs its .defs name for C`);
}

/** Whether the caller passes (or receives) the port's disposition: MIG's polymorphic user side. */
export const isPoly = (p: Param): boolean => p.type.kind === "port" && (p.type.user === -1 || (p.type.user === undefined && p.type.carried < 0));

const CNT = "mach_msg_type_number_t";

/** The user-side C parameters of one description parameter. */
export function cParamsOf(p: Param): CParam[] {
  const t = p.type;
  const c = (p.cConst ? "const " : "") + cTypeName(t);
  const n = p.name;
  const one = (decl: string): CParam => ({ decl, name: n });
  const cnt = (ptr: boolean): CParam => ({ decl: `${CNT} ${ptr ? "*" : ""}${n}Cnt`, name: `${n}Cnt` });
  const poly = (ptr: boolean): CParam => ({ decl: `mach_msg_type_name_t ${ptr ? "*" : ""}${n}Poly`, name: `${n}Poly` });
  if (p.dir === "in") {
    switch (t.kind) {
      case "scalar":
      case "bytes":
        return [one(`${c} ${n}`)];
      case "port":
        return isPoly(p) ? [one(`${c} ${n}`), poly(false)] : [one(`${c} ${n}`)];
      case "array":
      case "oolports":
        return [one(`${c} ${n}`), cnt(false)];
      case "ool":
        return hasOolCount(p) ? [one(`${c} ${n}`), cnt(false)] : [one(`${c} ${n}`)];
      default:
        throw new Error(`${n}: no C form for an in ${t.kind}`);
    }
  }
  if (p.dir === "out") {
    switch (t.kind) {
      case "scalar":
        return [one(`${c} *${n}`)];
      case "bytes":
        return [one(t.cArray ? `${c} ${n}` : `${c} *${n}`)];
      case "port":
        return isPoly(p) ? [one(`${c} *${n}`), poly(true)] : [one(`${c} *${n}`)];
      case "cstring":
        return [one(`${c} ${n}`)];
      case "array":
      case "portarray":
        return p.sameCount ? [one(`${c} ${n}`)] : [one(`${c} ${n}`), cnt(true)];
      case "ool":
      case "oolports":
        return hasOolCount(p) ? [one(`${c} *${n}`), cnt(true)] : [one(`${c} *${n}`)];
      default:
        throw new Error(`${n}: no C form for this out type`);
    }
  }
  switch (t.kind) {
    case "scalar":
    case "bytes":
      // An array type (mach_vm_read_entry_t) is passed by name both ways, as the SDK's prototype has it.
      return [one(t.kind === "bytes" && t.cArray ? `${c} ${n}` : `${c} *${n}`)];
    case "port":
      return [one(`${c} *${n}`)];
    case "ool":
      return [one(`${c} *${n}`), cnt(true)];
    default:
      throw new Error(`${n}: no C form for an inout ${t.kind}`);
  }
}

/** The user-side C parameter list of a routine, its target first. */
export function cParams(r: Routine<unknown>): CParam[] {
  if (!r.target) throw new Error(`${r.name}: no target in its description`);
  const audit = r.userAuditToken;
  return [
    ...cParamsOf(r.target),
    ...r.params.flatMap((p) => (audit && p.name === audit.after ? [...cParamsOf(p), { decl: `audit_token_t *${audit.name}`, name: audit.name }] : cParamsOf(p))),
  ];
}

/** `kern_return_t name(\n\tT a,\n\tU b\n)` without the semicolon. */
export function cPrototype(r: Routine<unknown>, name = r.name): string {
  const ps = cParams(r);
  return `kern_return_t ${name}(${ps.map((p) => p.decl).join(", ")})`;
}
