/**
 * A space's reverse map from a port to the name of its send right there (ipc_hash), as an
 * open-addressed table keyed by the port's serial number (IpcPort.id), with linear probing and
 * deletion by shifting the entries after a removed one back (no tombstones).
 *
 * A Map did the same with one flaw on the message path: a send right copied out and deallocated
 * again (host_get_special_port then mach_port_deallocate, each call) is a set and a delete, and a
 * small Map with deletions in it rebuilds its table every few sets (an allocation and a copy of
 * every entry): the set was 5% of that pair's CPU. Here a set and a delete allocate nothing; the
 * table grows (doubling) when half full and never shrinks below its largest need.
 *
 * The Map's methods that the IPC code uses, with the Map's meaning: get, set (replacing a
 * port's name), delete, has, size and iteration over [port, name] pairs (in slot order, not
 * insertion order: only the invariant checker iterates, to report stale entries).
 */
import type { IpcPort } from "./port.js";

const INITIAL = 16;

/** The slot a port's serial number starts its probe at (Fibonacci hashing into `mask + 1` slots). */
/** Packed arrays (no holes), which the probes read without a hole check. */
const emptyKeys = (n: number): (IpcPort | null)[] => Array.from({ length: n }, () => null);
const emptyNames = (n: number): number[] => Array.from({ length: n }, () => 0);

const home = (id: number, shift: number): number => Math.imul(id, 0x9e3779b1) >>> shift;

export class SendHash {
  private keys: (IpcPort | null)[];
  /** Names as given (a plain array: a Map gave back exactly the number it was given). */
  private names: number[];
  private mask: number;
  /** 32 - log2(slots): home() takes the top bits of the product. */
  private shift: number;
  private count = 0;

  constructor(slots = INITIAL) {
    let n = INITIAL;
    while (n < slots) n *= 2;
    this.keys = emptyKeys(n);
    this.names = emptyNames(n);
    this.mask = n - 1;
    this.shift = 32 - Math.log2(n);
  }

  get size(): number {
    return this.count;
  }

  private slotOf(port: IpcPort): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = home(port.id, this.shift); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === port) return i;
      if (k === null) return -1;
    }
  }

  get(port: IpcPort): number | undefined {
    const i = this.slotOf(port);
    return i < 0 ? undefined : this.names[i]!;
  }

  has(port: IpcPort): boolean {
    return this.slotOf(port) >= 0;
  }

  set(port: IpcPort, name: number): this {
    const keys = this.keys;
    const mask = this.mask;
    let i = home(port.id, this.shift);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === port) {
        this.names[i] = name;
        return this;
      }
      if (k === null) break;
    }
    keys[i] = port;
    this.names[i] = name;
    if (++this.count * 2 > mask + 1) this.grow();
    return this;
  }

  delete(port: IpcPort): boolean {
    let i = this.slotOf(port);
    if (i < 0) return false;
    const keys = this.keys;
    const names = this.names;
    const mask = this.mask;
    // Backward shift: move each later entry of the run into the hole when its home slot does
    // not lie (cyclically) after the hole, so every entry stays reachable from its home.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === null) break;
      const h = home(k.id, this.shift);
      // k may move to i when i is on its probe path from h to j: (j - h) >= (j - i), cyclically.
      if (((j - h) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        names[i] = names[j]!;
        i = j;
      }
    }
    keys[i] = null;
    names[i] = 0;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldNames = this.names;
    const n = oldKeys.length * 2;
    const keys = (this.keys = emptyKeys(n));
    const names = (this.names = emptyNames(n));
    const mask = (this.mask = n - 1);
    const shift = --this.shift;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k === null) continue;
      let i = home(k.id, shift);
      while (keys[i] !== null) i = (i + 1) & mask;
      keys[i] = k;
      names[i] = oldNames[j]!;
    }
  }

  *[Symbol.iterator](): IterableIterator<[IpcPort, number]> {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== null) yield [k, this.names[i]!];
    }
  }
}
