import type { OolBacking } from "./ool_backing.js";

/** What message copyin/copyout need of a task's address space (OOL memory and OOL port arrays). */
export interface UserMemory {
  /** Bytes at [address, address+size), or null when that range is not mapped. */
  read(address: bigint, size: number): Uint8Array | null;
  /** Unmap a range (the sender asked for deallocate). */
  deallocate(address: bigint, size: number): void;
  /** Map a copy of `data` at a fresh address and return it. */
  allocate(data: Uint8Array): bigint;
  /** Map `data` itself, which the caller gives up, at a fresh address (a message's own copy of OOL memory). */
  adopt?(data: Uint8Array): bigint;
  /**
   * The backing mapped at exactly [address, address+size), taken for a message (the map lets
   * go of it); null when the range is ordinary memory or not a whole backing.
   */
  takeBacking?(address: bigint, size: number): OolBacking | null;
  /** Map a message's backing, which the caller gives up, at a fresh address; null when this memory takes none (the bytes are read instead). */
  adoptBacking?(backing: OolBacking): bigint | null;
}
