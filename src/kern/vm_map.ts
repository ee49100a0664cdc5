/**
 * A task's address space, reduced to what Mach messages touch: regions of
 * bytes at addresses, for out-of-line memory and out-of-line port arrays.
 */
import type { UserMemory } from "../ipc/user_memory.js";
import type { OolBacking } from "../ipc/ool_backing.js";

const PAGE = 4096n;

/**
 * What a map entry carries beside its protection (vm_map_entry's inheritance and behavior, and
 * the purgeable state of its object): vm_map_inherit and vm_map_behavior_set clip entries to the
 * range they change, so each span here is one entry's worth of pages.
 */
export interface EntryAttrs {
  inheritance: number;
  behavior: number;
  /** The object's purgeable state (VM_PURGABLE_*), or null when the object is not purgeable (VM_PURGABLE_DENY). */
  purgable: number | null;
  /** VM_PURGABLE_DEBUG_EMPTY was given once: the object empties whenever it is made volatile. */
  volatileEmpty?: boolean;
}
/** vm_map_enter's defaults: VM_INHERIT_DEFAULT (copy), VM_BEHAVIOR_DEFAULT, not purgeable. */
export const DEFAULT_ENTRY_ATTRS: Readonly<EntryAttrs> = Object.freeze({ inheritance: 1, behavior: 0, purgable: null });
interface AttrSpan {
  start: bigint;
  end: bigint;
  attrs: EntryAttrs;
}
/** The regions (by their bytes) some remap without copy made shared: the mark goes with the region. */
const sharedRegions = new WeakSet<Uint8Array>();
/** The regions whose memory is (or is mapped from) a named entry's object. */
const trueSharedRegions = new WeakSet<Uint8Array>();
/** Where simulated allocations start: far above where Linux puts heaps and below its mmap area, so a client process's own addresses (mirrored for OOL data) do not collide. */
const BASE = 0x0000100000000000n;

export class VmMap implements UserMemory {
  private readonly regions = new Map<bigint, Uint8Array>();
  /** Regions held as backings, unread (ool_backing.ts): a sender's sealed regions, a receiver's not yet passed on. */
  private readonly backings = new Map<bigint, OolBacking>();
  /** Whether copyout may hand this map backings unread (its task's connections can pass them on). */
  acceptsBackings = false;
  private nextAddress: bigint;
  /** Entry attributes set over page ranges of mapped memory, in address order, not overlapping; elsewhere DEFAULT_ENTRY_ATTRS. */
  private attrSpans: AttrSpan[] = [];

  /** `base`: where this map's own allocations start (a client's map keeps clear of the addresses a server's task map hands out). */
  constructor(private readonly base: bigint = BASE) {
    this.nextAddress = base;
  }

  /**
   * vm_map_enter's search for VM_FLAGS_ANYWHERE: the lowest address at or above `from` (this
   * map's base for 0), aligned to `mask` + 1 and to a page, with `size` bytes free below `limit`;
   * null if there is none.
   */
  firstFit(from: bigint, size: bigint, mask: bigint, limit: bigint): bigint | null {
    const align = (a: bigint): bigint => (((a + mask) & ~mask) + PAGE - 1n) & ~(PAGE - 1n);
    const spans = [...this.regions].map(([b, r]) => [b, b + BigInt(Math.max(r.byteLength, 1))] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    let at = align(from === 0n ? this.base : from);
    for (const [b, e] of spans) {
      if (e <= at) continue;
      if (b >= at + size) break;
      at = align(e);
    }
    return at + size <= limit ? at : null;
  }

  /** vm_allocate: a zero-filled region of `size` bytes. */
  vmAllocate(size: number): bigint {
    return this.allocate(new Uint8Array(size));
  }

  allocate(data: Uint8Array): bigint {
    return this.adopt(data.slice());
  }

  adopt(data: Uint8Array): bigint {
    const address = this.nextAddress;
    const pages = (BigInt(Math.max(data.byteLength, 1)) + PAGE - 1n) / PAGE;
    this.nextAddress += pages * PAGE;
    this.regions.set(address, data);
    this.dropAttrs(...this.spanOf(address, data.byteLength));
    return address;
  }

  /** Map a backing at a chosen address (a client's region, handed over sealed); the map holds it until unmapBacking. */
  mapBacking(address: bigint, backing: OolBacking): void {
    this.backings.get(address)?.release();
    this.backings.set(address, backing);
  }

  /** Let go of the backing mapBacking put at `address`, if it is still there. */
  unmapBacking(address: bigint, backing: OolBacking): void {
    if (this.backings.get(address) !== backing) return;
    this.backings.delete(address);
    backing.release();
  }

  takeBacking(address: bigint, size: number): OolBacking | null {
    const b = this.backings.get(address);
    if (!b || b.size !== size) return null;
    b.retain();
    return b;
  }

  adoptBacking(backing: OolBacking): bigint | null {
    if (!this.acceptsBackings) return null;
    const address = this.nextAddress;
    const pages = (BigInt(Math.max(backing.size, 1)) + PAGE - 1n) / PAGE;
    this.nextAddress += pages * PAGE;
    this.backings.set(address, backing);
    return address;
  }

  /** The backing copyout put at `address`, taken out of the map (the caller releases it); null if there is none. */
  removeBacking(address: bigint): OolBacking | null {
    const b = this.backings.get(address);
    if (!b) return null;
    this.backings.delete(address);
    return b;
  }

  /** A backing someone reads part of (or by another size) becomes ordinary memory. */
  private materialize(address: bigint, size: number): void {
    for (const [base, b] of this.backings) {
      if (address >= base && address + BigInt(size) <= base + BigInt(b.size)) {
        this.backings.delete(base);
        this.regions.set(base, b.read());
        b.release();
        return;
      }
    }
  }

  /** Map bytes at a chosen address (used by the server to mirror a client's buffer). */
  mapAt(address: bigint, data: Uint8Array): void {
    this.regions.set(address, data);
  }

  private find(address: bigint, size: number): { base: bigint; region: Uint8Array } | null {
    for (const [base, region] of this.regions) {
      if (address >= base && address + BigInt(size) <= base + BigInt(region.byteLength)) return { base, region };
    }
    return null;
  }

  read(address: bigint, size: number): Uint8Array | null {
    const direct = this.regions.get(address);
    if (direct && direct.byteLength >= size) return direct.subarray(0, size);
    if (this.backings.size > 0) this.materialize(address, size);
    const f = this.find(address, size);
    if (!f) return null;
    const start = Number(address - f.base);
    return f.region.subarray(start, start + size);
  }

  /** vm_write: copy bytes into an existing region. */
  write(address: bigint, data: Uint8Array): boolean {
    const f = this.find(address, data.byteLength);
    if (!f) return false;
    f.region.set(data, Number(address - f.base));
    return true;
  }

  /** Unmap exactly the region `data` mapped at `address` by mapAt, if it is still there. */
  unmap(address: bigint, data: Uint8Array): void {
    if (this.regions.get(address) !== data) return;
    this.regions.delete(address);
    this.dropAttrs(...this.spanOf(address, data.byteLength));
  }

  /** The region holding `address`, if any (vm_map_lookup_entry). */
  regionAt(address: bigint): { base: bigint; size: number } | null {
    const direct = this.regions.get(address);
    if (direct) return { base: address, size: direct.byteLength };
    const b = this.backings.get(address);
    if (b) return { base: address, size: b.size };
    const f = this.find(address, 1);
    return f ? { base: f.base, size: f.region.byteLength } : null;
  }

  /** Every region as [base, bytes], in address order (vm_region's walk). */
  entries(): [bigint, Uint8Array][] {
    return [...this.regions].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  /** Whether any region overlaps [start, end). */
  overlaps(start: bigint, end: bigint): boolean {
    for (const [base, region] of this.regions) if (base < end && start < base + BigInt(region.byteLength)) return true;
    return false;
  }

  /** A zero-filled region at a chosen page-aligned address (vm_map_enter with VM_FLAGS_FIXED); the caller checked it is free. */
  allocateAt(address: bigint, size: number): void {
    this.placeAt(address, new Uint8Array(size));
  }

  /**
   * `bytes` mapped as a region at a chosen page-aligned address the caller checked is free
   * (vm_map_remap's new entries). The map takes the array as it is: a view of another region's
   * buffer is the same memory seen at both addresses (remap without copy).
   */
  placeAt(address: bigint, bytes: Uint8Array): void {
    this.dropAttrs(...this.spanOf(address, bytes.byteLength));
    this.regions.set(address, bytes);
    const end = address + BigInt(bytes.byteLength);
    if (end > this.nextAddress && address >= BASE) this.nextAddress = (end + PAGE - 1n) & ~(PAGE - 1n);
  }

  /**
   * The regions overlapping [start, end) as [base, bytes] in address order, backings there made
   * ordinary memory first (their bytes are about to be shared or copied).
   */
  regionsIn(start: bigint, end: bigint): [bigint, Uint8Array][] {
    for (const [base, b] of [...this.backings]) if (base < end && start < base + BigInt(Math.max(b.size, 1))) this.materialize(base, b.size);
    return this.entries().filter(([base, r]) => base < end && start < base + ((BigInt(Math.max(r.byteLength, 1)) + PAGE - 1n) & ~(PAGE - 1n)));
  }

  /** Mark a region's memory as mapped more than once (vm_map_entry's is_shared: set on both sides of a remap without copy, kept until the entry goes). */
  markShared(bytes: Uint8Array): void {
    sharedRegions.add(bytes);
  }

  /** Whether the region whose bytes these are was marked shared. */
  isShared(bytes: Uint8Array): boolean {
    return sharedRegions.has(bytes);
  }

  /** Mark a region's memory as a named entry's object (vm_object's true_share: a memory entry was made of it, or it maps one). */
  markTrueShared(bytes: Uint8Array): void {
    trueSharedRegions.add(bytes);
  }

  isTrueShared(bytes: Uint8Array): boolean {
    return trueSharedRegions.has(bytes);
  }

  /** vm_map_remove: every region that starts inside [start, end) goes. */
  removeRange(start: bigint, end: bigint): void {
    for (const [base, region] of this.regions) if (base >= start && base < end) this.dropAttrs(...this.spanOf(base, region.byteLength));
    for (const base of [...this.regions.keys()]) if (base >= start && base < end) this.regions.delete(base);
    for (const [base, b] of [...this.backings]) {
      if (base < start || base >= end) continue;
      this.backings.delete(base);
      b.release();
    }
  }

  deallocate(address: bigint, size: number): void {
    const b = this.backings.get(address);
    if (b) {
      this.backings.delete(address);
      b.release();
      return;
    }
    const r = this.regions.get(address);
    if (r && r.byteLength <= Math.max(size, 1) + Number(PAGE)) {
      this.regions.delete(address);
      this.dropAttrs(...this.spanOf(address, r.byteLength));
    }
  }

  /** Bytes mapped in all regions (task_info's virtual and resident sizes). */
  mappedBytes(): number {
    let n = 0;
    for (const r of this.regions.values()) n += r.byteLength;
    for (const b of this.backings.values()) n += b.size;
    return n;
  }

  /** Number of mapped regions (tests use it to see that OOL memory is not leaked). */
  get regionCount(): number {
    return this.regions.size + this.backings.size;
  }

  /**
   * Change `patch`'s attributes over [start, end) (page-aligned), clipping the spans there as
   * vm_map_clip_start / clip_end clip entries: the clip points stay even where two spans end up
   * alike (XNU does not simplify the entries it clipped).
   */
  setAttrs(start: bigint, end: bigint, patch: Partial<EntryAttrs>): void {
    if (start >= end) return;
    const out: AttrSpan[] = [];
    let at = start;
    for (const s of this.attrSpans) {
      if (s.end <= start || s.start >= end) {
        out.push(s);
        continue;
      }
      if (s.start < start) out.push({ start: s.start, end: start, attrs: s.attrs });
      if (at < s.start) out.push({ start: at, end: s.start, attrs: { ...DEFAULT_ENTRY_ATTRS, ...patch } });
      const from = s.start > start ? s.start : start;
      const to = s.end < end ? s.end : end;
      out.push({ start: from, end: to, attrs: { ...s.attrs, ...patch } });
      if (s.end > end) out.push({ start: end, end: s.end, attrs: s.attrs });
      at = to;
    }
    if (at < end) out.push({ start: at, end, attrs: { ...DEFAULT_ENTRY_ATTRS, ...patch } });
    this.attrSpans = out.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  }

  /** The attributes of the page holding `address`. */
  attrsAt(address: bigint): Readonly<EntryAttrs> {
    for (const s of this.attrSpans) if (s.start <= address && address < s.end) return s.attrs;
    return DEFAULT_ENTRY_ATTRS;
  }

  /** The clip points strictly inside (start, end): where one entry of the range ends and the next begins. */
  clipPoints(start: bigint, end: bigint): bigint[] {
    const points = new Set<bigint>();
    for (const s of this.attrSpans) {
      if (s.start > start && s.start < end) points.add(s.start);
      if (s.end > start && s.end < end) points.add(s.end);
    }
    return [...points].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  }

  /** Memory leaving [start, end) takes its entries' attributes with it: what is mapped there next starts from the defaults. */
  private dropAttrs(start: bigint, end: bigint): void {
    if (this.attrSpans.length === 0) return;
    const out: AttrSpan[] = [];
    for (const s of this.attrSpans) {
      if (s.end <= start || s.start >= end) out.push(s);
      else {
        if (s.start < start) out.push({ start: s.start, end: start, attrs: s.attrs });
        if (s.end > end) out.push({ start: end, end: s.end, attrs: s.attrs });
      }
    }
    this.attrSpans = out;
  }

  private spanOf(base: bigint, size: number): [bigint, bigint] {
    return [base, base + ((BigInt(Math.max(size, 1)) + PAGE - 1n) & ~(PAGE - 1n))];
  }

  clear(): void {
    this.attrSpans = [];
    this.regions.clear();
    for (const b of this.backings.values()) b.release();
    this.backings.clear();
  }
}
