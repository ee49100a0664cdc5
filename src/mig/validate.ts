/**
 * Run-time checks of a call's arguments against the routine's description:
 * a misspelt or unknown name, a value of the wrong kind, a number out of
 * range or an array over its maximum is the caller's mistake and throws,
 * naming the argument, before any message is built.
 */
import type { Routine } from "./routine.js";
import type { MigType, Param } from "./types.js";

export class MigArgumentError extends TypeError {
  override name = "MigArgumentError";
}

const describe = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
};

const isWord = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff;
const isDword = (v: unknown): boolean =>
  (typeof v === "bigint" && v >= -(1n << 63n) && v < 1n << 64n) || (typeof v === "number" && Number.isSafeInteger(v));
const isPort = (v: unknown): boolean =>
  isWord(v) || (typeof v === "object" && v !== null && !Array.isArray(v) && isWord((v as { name?: unknown }).name) && isWord((v as { disposition?: unknown }).disposition) && Object.keys(v).every((k) => k === "name" || k === "disposition"));

/** What is wrong with `v` for type `t`, or null. */
function problem(t: MigType, v: unknown): string | null {
  const ctype = t.c ? ` (${t.c})` : "";
  const list = (max: number, elem: (x: unknown) => boolean, what: string): string | null => {
    if (!Array.isArray(v) && !(v instanceof Uint8Array && what === "a byte")) return `must be an array of ${what}s${ctype}, not ${describe(v)}`;
    const xs = v as ArrayLike<unknown>;
    if (xs.length > max) return `has ${xs.length} elements; at most ${max}${ctype}`;
    for (let i = 0; i < xs.length; i++) if (!elem(xs[i])) return `[${i}] must be ${what}${ctype}, not ${describe(xs[i])}`;
    return null;
  };
  switch (t.kind) {
    case "scalar":
      if (t.size === 8) return isDword(v) ? null : `must be a 64-bit integer (bigint or number)${ctype}, not ${describe(v)}`;
      return isWord(v) ? null : `must be a 32-bit integer${ctype}, not ${describe(v)}`;
    case "bytes":
      if (t.cstring && typeof v === "string") return null;
      if (!(v instanceof Uint8Array)) return `must be a Uint8Array of ${t.size} bytes${ctype}, not ${describe(v)}`;
      return v.byteLength <= t.size ? null : `has ${v.byteLength} bytes; at most ${t.size}${ctype}`;
    case "port":
      return isPort(v) ? null : `must be a port name, or { name, disposition }${ctype}, not ${describe(v)}`;
    case "portarray":
      return list(t.max, isPort, "a port name");
    case "oolports":
      return list(Number.MAX_SAFE_INTEGER, isPort, "a port name");
    case "array":
      if (t.elem === 1) return list(t.max, (x) => typeof x === "number" && Number.isInteger(x) && x >= -128 && x <= 255, "a byte");
      return list(t.max, t.elem === 8 ? isDword : isWord, t.elem === 8 ? "a 64-bit integer" : "a 32-bit integer");
    case "ool":
      if (!(v instanceof Uint8Array)) return `must be a Uint8Array${ctype}, not ${describe(v)}`;
      if (t.fixed !== undefined && v.byteLength !== t.fixed && v.byteLength !== 0) return `must be ${t.fixed} bytes${ctype}, not ${v.byteLength}`;
      return v.byteLength % t.elem === 0 ? null : `has ${v.byteLength} bytes, not a whole number of ${t.elem}-byte elements${ctype}`;
    case "cstring":
      return typeof v === "string" ? null : `must be a string${ctype}, not ${describe(v)}`;
  }
}

const accepted = (params: Param[]): string[] =>
  params.flatMap((p) => (p.dir === "in" || p.dir === "inout" ? [p.name] : p.countInOut ? [`${p.name}Cnt`] : []));

/** Throw MigArgumentError for the first thing wrong with `args` for `routine`. */
export function validateArgs(routine: Routine<unknown>, args: unknown): void {
  const where = routine.name;
  if (args === undefined) args = {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw new MigArgumentError(`${where}: the arguments must be an object, not ${describe(args)}`);
  const names = accepted(routine.params);
  const given = args as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (!names.includes(k)) {
      throw new MigArgumentError(`${where}: unknown argument '${k}' (${names.length ? `it takes ${names.join(", ")}` : "it takes none"})`);
    }
  }
  for (const p of routine.params) {
    if (p.dir === "out") {
      const cap = given[`${p.name}Cnt`];
      if (p.countInOut && cap !== undefined && !(typeof cap === "number" && Number.isInteger(cap) && cap >= 0 && cap <= 0xffffffff)) {
        throw new MigArgumentError(`${where}: argument '${p.name}Cnt' must be a count (a non-negative integer), not ${describe(cap)}`);
      }
      continue;
    }
    const v = given[p.name];
    if (v === undefined) throw new MigArgumentError(`${where}: argument '${p.name}' is missing`);
    const bad = problem(p.type, v);
    if (bad) throw new MigArgumentError(`${where}: argument '${p.name}' ${bad}`);
  }
}
