/**
 * The shape of a routine's messages as MIG lays them out for a 64-bit user
 * task: which parameters travel inline or as descriptors, whether a message
 * is complex, and its size with every variable array empty (min) and full
 * (max). The C stubs and servers and the TypeScript client's reply checks
 * share it.
 */
import type { Routine } from "./routine.js";
import { hasOolCount, type Param } from "./types.js";

export const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
export const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";
export const isDesc = (p: Param): boolean => ["port", "ool", "oolports", "portarray"].includes(p.type.kind);
export const descCount = (p: Param): number => (p.type.kind === "portarray" ? p.type.max : 1);
export const descSize = (p: Param): number => (p.type.kind === "port" || p.type.kind === "portarray" ? 12 : 16);
export const align4 = (n: number): number => (n + 3) & ~3;

/** A request's inline parameters (after the NDR record), as MIG orders them. */
export const requestInline = (p: Param): boolean =>
  (sendsIn(p) && ["scalar", "bytes", "array"].includes(p.type.kind)) || (sendsIn(p) && hasOolCount(p)) || (p.dir === "out" && !!p.countInOut);
/** A reply's inline parameters. */
export const replyInline = (p: Param): boolean => sendsOut(p) && (["scalar", "bytes", "array", "cstring"].includes(p.type.kind) || hasOolCount(p));

/** Fixed inline bytes of a parameter in one direction (arrays and strings count their words, not their data). */
export function inlineFixed(p: Param, reply: boolean): number {
  const t = p.type;
  switch (t.kind) {
    case "scalar":
      return t.size;
    case "bytes":
      return align4(t.size);
    case "array":
      return p.sameCount && reply ? 0 : 4;
    case "cstring":
      return 8;
    case "ool":
    case "oolports":
      return hasOolCount(p) ? 4 : 0;
    default:
      return 0;
  }
}

/** Bytes a variable array or string can add at most. */
function variableMax(p: Param): number {
  const t = p.type;
  if (t.kind === "array") return align4(t.elem * t.max);
  if (t.kind === "cstring") return align4(t.max);
  return 0;
}

export interface CShape {
  complex: boolean;
  descs: Param[];
  ndesc: number;
  ndr: boolean;
  min: number;
  max: number;
}

/** Shapes are computed once per routine: the TypeScript client checks every reply with one. */
const requestShapes = new WeakMap<Routine<unknown>, CShape>();
const replyShapes = new WeakMap<Routine<unknown>, CShape>();

export function requestShape(r: Routine<unknown>): CShape {
  let s = requestShapes.get(r);
  if (!s) requestShapes.set(r, (s = computeRequestShape(r)));
  return s;
}

export function replyShape(r: Routine<unknown>): CShape {
  let s = replyShapes.get(r);
  if (!s) replyShapes.set(r, (s = computeReplyShape(r)));
  return s;
}

function computeRequestShape(r: Routine<unknown>): CShape {
  const descs = r.params.filter((p) => sendsIn(p) && isDesc(p));
  const ndesc = descs.reduce((n, p) => n + descCount(p), 0);
  const ndr = r.params.some(requestInline);
  let min = 24 + (ndesc > 0 ? 4 + descs.reduce((n, p) => n + descSize(p) * descCount(p), 0) : 0) + (ndr ? 8 : 0);
  let max = min;
  for (const p of r.params) {
    if (!requestInline(p)) continue;
    if (p.dir === "out") {
      min += 4;
      max += 4;
      continue;
    }
    min += inlineFixed(p, false);
    max += inlineFixed(p, false) + variableMax(p);
  }
  return { complex: ndesc > 0, descs, ndesc, ndr, min, max };
}

function computeReplyShape(r: Routine<unknown>): CShape {
  const descs = r.params.filter((p) => sendsOut(p) && isDesc(p));
  const ndesc = descs.reduce((n, p) => n + descCount(p), 0);
  const complex = ndesc > 0;
  const ndr = !complex || r.params.some(replyInline);
  let min = 24 + (complex ? 4 + descs.reduce((n, p) => n + descSize(p) * descCount(p), 0) : 0) + (ndr ? 8 : 0) + (complex ? 0 : 4);
  let max = min;
  for (const p of r.params) {
    if (!replyInline(p)) continue;
    min += inlineFixed(p, true);
    max += inlineFixed(p, true) + variableMax(p);
  }
  return { complex, descs, ndesc, ndr, min, max };
}

