/**
 * Out-of-line memory a message holds without its bytes: a region the sender
 * handed over sealed (the server's memfds, src/server/ool_fd.ts), read only
 * when someone needs the bytes and otherwise passed on as it is. ipc/ knows
 * only this interface; whoever makes a backing decides what it holds.
 */
import type { KOolDesc } from "./kmsg.js";

export interface OolBacking {
  /** The region's size in bytes. */
  readonly size: number;
  /** The bytes (read once); the backing stays held. */
  read(): Uint8Array;
  /** One more holder (a second descriptor naming the same region): each holder releases once. */
  retain(): void;
  /** A holder lets go of it; with the last, its descriptor is closed and it is never used again. */
  release(): void;
}

/**
 * An OOL descriptor whose memory is a backing until someone reads `data`:
 * then the bytes are read and the backing released, and the descriptor is an
 * ordinary one holding its own copy (owned, so copyout maps it as it is).
 */
export class BackedOolDesc implements KOolDesc {
  owned = true;
  private bytes: Uint8Array | null = null;

  constructor(
    readonly kind: 1 | 3,
    readonly off: number,
    public backing: OolBacking | null,
    public copy: number,
    public deallocate: boolean,
  ) {}

  get data(): Uint8Array {
    if (this.bytes === null) {
      const b = this.backing;
      this.bytes = b ? b.read() : new Uint8Array(0);
      if (b) b.release();
      this.backing = null;
    }
    return this.bytes;
  }

  set data(v: Uint8Array) {
    this.bytes = v;
  }
}

/** A descriptor's size, without reading a backing's bytes. */
export function oolSize(d: KOolDesc): number {
  return d.backing ? d.backing.size : d.data.byteLength;
}
