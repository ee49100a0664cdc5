/**
 * Binary layouts declared once as offset/type tables. Encoders, decoders and
 * tests all read the same table, so a field's place is written in one spot.
 */
export type Scalar = "u8" | "u16" | "u32" | "i32" | "u64" | "i64";

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
  read(view: DataView, base: number): Values<F>;
  /** Write the given fields at `base`; fields left out are not touched. */
  write(view: DataView, base: number, values: Partial<Values<F>>): void;
  /** Offset of a field from the start of the structure. */
  offset(field: keyof F): number;
}

const SIZES: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 };

export function readScalar(view: DataView, at: number, type: Scalar): number | bigint {
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

export function writeScalar(view: DataView, at: number, type: Scalar, value: number | bigint): void {
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
  return {
    name,
    size,
    fields,
    read(view, base) {
      const out = {} as Record<string, number | bigint>;
      for (const [field, def] of entries) out[field] = readScalar(view, base + def.at, def.type);
      return out as Values<F>;
    },
    write(view, base, values) {
      for (const [field, def] of entries) {
        const v = values[field];
        if (v !== undefined) writeScalar(view, base + def.at, def.type, v as number | bigint);
      }
    },
    offset(field) {
      return fields[field]!.at;
    },
  };
}

/** A DataView over exactly the bytes of `buf`. */
export const viewOf = (buf: Uint8Array): DataView => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
