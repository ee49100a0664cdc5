/**
 * Little-endian integer access straight on Uint8Array. The message hot path
 * uses these instead of DataView: building a DataView (and materialising a
 * small array's ArrayBuffer) costs more than the reads themselves.
 */
export const rdU32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
export const rdI32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
export function wrU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}
export const rdU64 = (b: Uint8Array, o: number): bigint => BigInt(rdU32(b, o)) | (BigInt(rdU32(b, o + 4)) << 32n);
export const rdI64 = (b: Uint8Array, o: number): bigint => BigInt.asIntN(64, rdU64(b, o));
export function wrU64(b: Uint8Array, o: number, v: bigint): void {
  const x = BigInt.asUintN(64, v);
  wrU32(b, o, Number(x & 0xffffffffn));
  wrU32(b, o + 4, Number(x >> 32n));
}
/** Copy a short run of bytes (faster than TypedArray.set below a few dozen bytes). */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, to: number): void {
  if (to - from > 64) {
    dst.set(src.subarray(from, to), at);
    return;
  }
  for (let i = from; i < to; i++) dst[at + i - from] = src[i]!;
}

/**
 * The DataView methods machipc uses, over a Uint8Array without creating a
 * DataView. `littleEndian` is accepted for signature compatibility; the wire
 * is always little-endian.
 */
export class BytesView {
  constructor(readonly bytes: Uint8Array) {}
  get byteLength(): number {
    return this.bytes.byteLength;
  }
  getUint8(o: number): number {
    return this.bytes[o]!;
  }
  setUint8(o: number, v: number): void {
    this.bytes[o] = v;
  }
  getUint16(o: number, _le?: boolean): number {
    return this.bytes[o]! | (this.bytes[o + 1]! << 8);
  }
  setUint16(o: number, v: number, _le?: boolean): void {
    this.bytes[o] = v;
    this.bytes[o + 1] = v >>> 8;
  }
  getUint32(o: number, _le?: boolean): number {
    return rdU32(this.bytes, o);
  }
  getInt32(o: number, _le?: boolean): number {
    return rdI32(this.bytes, o);
  }
  setUint32(o: number, v: number, _le?: boolean): void {
    wrU32(this.bytes, o, v);
  }
  setInt32(o: number, v: number, _le?: boolean): void {
    wrU32(this.bytes, o, v);
  }
  getBigUint64(o: number, _le?: boolean): bigint {
    return rdU64(this.bytes, o);
  }
  getBigInt64(o: number, _le?: boolean): bigint {
    return rdI64(this.bytes, o);
  }
  setBigUint64(o: number, v: bigint, _le?: boolean): void {
    wrU64(this.bytes, o, v);
  }
  setBigInt64(o: number, v: bigint, _le?: boolean): void {
    wrU64(this.bytes, o, v);
  }
}
