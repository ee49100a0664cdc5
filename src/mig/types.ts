/**
 * MIG type descriptions: just enough of MIG's type system to lay out every
 * request and reply of the subsystems machipc serves, as migcom lays them out
 * for a 64-bit client and the kernel server stubs check them.
 */
import type { PortRef } from "../ipc/port.js";

/**
 * What a .defs type name adds to its MIG layout: the C type a prototype uses
 * for it (`host_flavor_t`, `mach_port_name_t`, `exception_mask_array_t`).
 * Unnamed types print as their C base type.
 */
interface Named {
  c?: string;
}

/** A 32- or 64-bit integer inline; 64-bit values are only 4-byte aligned on the wire. */
export interface ScalarType extends Named {
  kind: "scalar";
  size: 4 | 8;
  signed: boolean;
}
/** A fixed-size opaque inline structure (security_token_t, audit_token_t, fixed int arrays). */
export interface BytesType extends Named {
  kind: "bytes";
  size: number;
  /** The C type is an array (uuid_t, name_t): a prototype passes it by name, in or out, and a stub copies from or to it. */
  cArray?: boolean;
  /**
   * `c_string[size]`, fixed (launchd's name_t): on the wire `size` bytes; a user stub
   * copies the caller's string in with mig_strncpy (at most size - 1 bytes and a NUL).
   */
  cstring?: boolean;
}
/**
 * A port argument: one 12-byte port descriptor. `carried` is the disposition the
 * kernel stub requires in a request (17 send, 18 send-once, 16 receive) or -1
 * for a polymorphic port; `outName` is what a reply carries.
 */
export interface PortType extends Named {
  kind: "port";
  carried: number;
  outName: number;
  /**
   * The disposition a user stub sends the port with (MAKE_SEND for
   * mach_port_make_send_t...), or -1 when the caller passes it (`namePoly`);
   * by default COPY_SEND / MAKE_SEND_ONCE / MOVE_RECEIVE for the carried type.
   */
  user?: number;
}
/** `array[*:max] of T` inline: a u32 count before the data (padded to 4). */
export interface ArrayType extends Named {
  kind: "array";
  elem: 1 | 4 | 8;
  max: number;
  /** The elements' C type where MIG's message structures name it (natural_t for thread_state_t). */
  elemC?: string;
}
/** `c_string[*:max]` out: offset word, count word, then the bytes with their NUL. */
export interface CStringType extends Named {
  kind: "cstring";
  max: number;
}
/** `^array[] of T`: an OOL descriptor plus an inline count. */
export interface OolType extends Named {
  kind: "ool";
  elem: number;
  /** `^struct` of a fixed size: the descriptor alone, no count on the wire. */
  fixed?: number;
}
/** `^array[] of port`: an OOL-ports descriptor plus an inline count. */
export interface OolPortsType extends Named {
  kind: "oolports";
  carried: number;
}
/** `array[*:max] of port` inline: always `max` port descriptors; the count travels with a SameCount sibling. */
export interface PortArrayType extends Named {
  kind: "portarray";
  max: number;
  carried: number;
}

export type MigType = ScalarType | BytesType | PortType | ArrayType | CStringType | OolType | OolPortsType | PortArrayType;

export type Direction = "in" | "out" | "inout";

export interface Param {
  name: string;
  dir: Direction;
  type: MigType;
  /** Out arrays whose capacity the caller sends in the request (CountInOut). */
  countInOut?: boolean;
  /** Shares the count of the previous array (SameCount): no count of its own on the wire. */
  sameCount?: boolean;
  /**
   * A port type with an intran conversion (host_t, task_t, processor_set_name_t...):
   * the stub releases the send right after a successful call.
   */
  intran?: boolean;
  /** MIG's `const` attribute: C prototypes declare the parameter const. */
  cConst?: boolean;
}

// Common types, named as in std_types.defs / mach_types.defs.
export const int32: ScalarType = { kind: "scalar", size: 4, signed: true };
export const uint32: ScalarType = { kind: "scalar", size: 4, signed: false };
export const int64: ScalarType = { kind: "scalar", size: 8, signed: true };
export const uint64: ScalarType = { kind: "scalar", size: 8, signed: false };
export const sendPort: PortType = { kind: "port", carried: 17, outName: 17 };
export const sendOncePort: PortType = { kind: "port", carried: 18, outName: 18 };
export const receivePort: PortType = { kind: "port", carried: 16, outName: 16 };
export const polyPort: PortType = { kind: "port", carried: -1, outName: -1 };
export const bytes = (size: number): BytesType => ({ kind: "bytes", size });
export const array = (elem: 1 | 4 | 8, max: number): ArrayType => ({ kind: "array", elem, max });
export const cstring = (max: number): CStringType => ({ kind: "cstring", max });
/** `c_string[size]`: a fixed inline string (see BytesType.cstring). */
export const fixedCString = (size: number): BytesType => ({ kind: "bytes", size, cArray: true, cstring: true });

/**
 * mig_strncpy into a `c_string[size]`: the string's bytes up to its first NUL,
 * at most size - 1 of them, the rest NULs (a Uint8Array is taken as C's char array).
 */
export function migStrncpy(s: string | Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const src = typeof s === "string" ? new TextEncoder().encode(s) : s;
  const nul = src.indexOf(0);
  b.set(src.subarray(0, Math.min(nul < 0 ? src.length : nul, Math.max(0, size - 1))));
  return b;
}
export const ool = (elem: number): OolType => ({ kind: "ool", elem });
export const oolFixed = (size: number): OolType => ({ kind: "ool", elem: 1, fixed: size });
/** Whether an OOL or OOL-ports parameter carries an inline count. */
export const hasOolCount = (p: Param): boolean => (p.type.kind === "ool" && p.type.fixed === undefined) || p.type.kind === "oolports";
export const oolPorts = (carried = 17): OolPortsType => ({ kind: "oolports", carried });
export const portArray = (max: number, carried = 17): PortArrayType => ({ kind: "portarray", max, carried });

/** A .defs named type: `t`'s layout under the C type name `c`. */
export const named = <T extends MigType>(c: string, t: T, extra: Partial<T> = {}): T => ({ ...t, ...extra, c });

export const inP = (name: string, type: MigType, opts: Partial<Param> = {}): Param => ({ name, dir: "in", type, ...opts });
export const outP = (name: string, type: MigType, opts: Partial<Param> = {}): Param => ({ name, dir: "out", type, ...opts });
export const inoutP = (name: string, type: MigType): Param => ({ name, dir: "inout", type });

/** A port value in a decoded request or a routine's result, with the right it carries. */
export interface PortArg {
  port: PortRef;
  /** The carried type (16, 17, 18), or 0 for a null or dead name. */
  type: number;
}
