/**
 * Binary layouts declared once as offset/type tables. Encoders, decoders and
 * tests all read the same table, so a field's place is written in one spot.
 */
import { BytesView } from "./bytes.js";

export type Scalar = "u8" | "u16" | "u32" | "i32" | "u64" | "i64";

/** What layouts read and write through: a DataView, or machipc's cheaper BytesView. */
export type ByteView = Pick<
  DataView,
  | "getUint8" | "setUint8" | "getUint16" | "setUint16" | "getUint32" | "getInt32" | "setUint32" | "setInt32"
  | "getBigUint64" | "getBigInt64" | "setBigUint64" | "setBigInt64" | "byteLength"
>;

export interface FieldDef {
  readonly at: number;
  readonly type: Scalar;
}

export type Fields = Record<string, FieldDef>;

type ValueOf<T extends Scalar> = T extends "u64" | "i64" ? bigint : number;
export type Values<F extends Fields> = { [K in keyof F]: ValueOf<F[K]["type"]> };

export interface Layout<F extends Fields> {
  readonly name: string;
  readonly size: number;
  readonly fields: F;
  /** Read every field at `base`. */
  read(view: ByteView, base: number): Values<F>;
  /** Write the given fields at `base`; fields left out are not touched. */
  write(view: ByteView, base: number, values: Partial<Values<F>>): void;
  /** Offset of a field from the start of the structure. */
  offset(field: keyof F): number;
  /** Every field's offset, for hot paths that read one field with a DataView call. */
  readonly at: { readonly [K in keyof F]: number };
}

const SIZES: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 };

export function readScalar(view: ByteView, at: number, type: Scalar): number | bigint {
  switch (type) {
    case "u8":
      return view.getUint8(at);
    case "u16":
      return view.getUint16(at, true);
    case "u32":
      return view.getUint32(at, true);
    case "i32":
      return view.getInt32(at, true);
    case "u64":
      return view.getBigUint64(at, true);
    case "i64":
      return view.getBigInt64(at, true);
  }
}

export function writeScalar(view: ByteView, at: number, type: Scalar, value: number | bigint): void {
  switch (type) {
    case "u8":
      view.setUint8(at, Number(value));
      return;
    case "u16":
      view.setUint16(at, Number(value), true);
      return;
    case "u32":
      view.setUint32(at, Number(value) >>> 0, true);
      return;
    case "i32":
      view.setInt32(at, Number(value) | 0, true);
      return;
    case "u64":
      view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
      return;
    case "i64":
      view.setBigInt64(at, BigInt.asIntN(64, BigInt(value)), true);
      return;
  }
}

export function defineLayout<F extends Fields>(name: string, size: number, fields: F): Layout<F> {
  const entries = Object.entries(fields) as [keyof F & string, FieldDef][];
  for (const [field, def] of entries) {
    if (def.at < 0 || def.at + SIZES[def.type] > size) {
      throw new Error(`layout ${name}: field ${field} at ${def.at} does not fit in ${size} bytes`);
    }
  }
  const at = {} as Record<string, number>;
  for (const [field, def] of entries) at[field] = def.at;
  return {
    name,
    size,
    fields,
    read: compileRead(entries),
    write: compileWrite(entries),
    offset(field) {
      return fields[field]!.at;
    },
    at: at as { [K in keyof F]: number },
  };
}

const GETTERS: Record<Scalar, string> = {
  u8: "getUint8(#)",
  u16: "getUint16(#, true)",
  u32: "getUint32(#, true)",
  i32: "getInt32(#, true)",
  u64: "getBigUint64(#, true)",
  i64: "getBigInt64(#, true)",
};
const SETTERS: Record<Scalar, string> = {
  u8: "setUint8(#, Number(v))",
  u16: "setUint16(#, Number(v), true)",
  u32: "setUint32(#, Number(v) >>> 0, true)",
  i32: "setInt32(#, Number(v) | 0, true)",
  u64: "setBigUint64(#, BigInt.asUintN(64, BigInt(v)), true)",
  i64: "setBigInt64(#, BigInt.asIntN(64, BigInt(v)), true)",
};

// The table is turned into straight-line DataView code once per layout: message
// headers and descriptors are read and written on every mach_msg.
function compileRead<F extends Fields>(entries: [string, FieldDef][]): (view: ByteView, base: number) => Values<F> {
  const body = entries.map(([f, d]) => `${JSON.stringify(f)}: view.${GETTERS[d.type].replace("#", `base + ${d.at}`)}`).join(",\n");
  return new Function("view", "base", `return {\n${body}\n};`) as (view: ByteView, base: number) => Values<F>;
}

function compileWrite<F extends Fields>(entries: [string, FieldDef][]): (view: ByteView, base: number, values: Partial<Values<F>>) => void {
  const body = entries
    .map(([f, d]) => `v = values[${JSON.stringify(f)}]; if (v !== undefined) view.${SETTERS[d.type].replace("#", `base + ${d.at}`)};`)
    .join("\n");
  return new Function("view", "base", "values", `let v;\n${body}`) as (view: ByteView, base: number, values: Partial<Values<F>>) => void;
}

/**
 * A little-endian view of `buf`. Not a DataView: making one of those (and
 * forcing a small array's ArrayBuffer out of the V8 heap) costs more than the
 * reads on the message path.
 */
export const viewOf = (buf: Uint8Array): BytesView => new BytesView(buf);

/** Fresh zeroed bytes for a message. */
export const newBytes = (n: number): Uint8Array => new Uint8Array(n);
