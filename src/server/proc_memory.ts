/**
 * A client process's own memory as the kernel's VM routines reach it (src/kern/vm_remote.ts's
 * ProcessMemory): bytes through the native addon's process_vm_readv / writev, map entries from
 * /proc/PID/maps with what XNU would report for such a mapping (docs/processes.md).
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import type { ProcessMemory, VmEntry } from "../kern/vm_remote.js";
import { VM_PROT_ALL, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from "../abi/vm.js";
import { SM_COW, SM_PRIVATE, SM_SHARED, VM_INHERIT_COPY, VM_INHERIT_SHARE, VM_MEMORY_MALLOC, VM_MEMORY_STACK } from "../abi/vm_region.js";
import { nativeHelpers } from "./native.js";

/** Where a 64-bit task's map ends (MACH_VM_MAX_ADDRESS's page): Linux's vsyscall page above it has no XNU counterpart. */
const USER_END = 0x0000800000000000n;

/** FNV-1a of a mapping's device and inode: one object id for every mapping of one file, as XNU's is the object's. */
function objectIdOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * One line of /proc/PID/maps as a map entry. A private mapping may be made writable (XNU's
 * mmap gives it VM_PROT_ALL as its maximum); a shared one that is not writable now was mapped
 * from a file opened read-only as far as can be told, so its maximum is read and execute.
 * Shared mappings are inherited shared (mmap's MAP_SHARED), private ones copied.
 */
export function parseMapsLine(line: string): VmEntry | null {
  const m = /^([0-9a-f]+)-([0-9a-f]+) ([r-])([w-])([x-])([ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$/.exec(line);
  if (!m) return null;
  const start = BigInt(`0x${m[1]}`);
  const end = BigInt(`0x${m[2]}`);
  if (start >= USER_END) return null;
  const protection = (m[3] === "r" ? VM_PROT_READ : 0) | (m[4] === "w" ? VM_PROT_WRITE : 0) | (m[5] === "x" ? VM_PROT_EXECUTE : 0);
  const shared = m[6] === "s";
  const inode = m[9]!;
  const name = m[10] ?? "";
  const file = inode !== "0";
  return {
    start,
    end: end < USER_END ? end : USER_END,
    protection,
    maxProtection: shared && !(protection & VM_PROT_WRITE) ? VM_PROT_READ | VM_PROT_EXECUTE : VM_PROT_ALL,
    inheritance: shared ? VM_INHERIT_SHARE : VM_INHERIT_COPY,
    shared,
    shareMode: shared ? SM_SHARED : file ? SM_COW : SM_PRIVATE,
    offset: file ? BigInt(`0x${m[7]}`) : 0n,
    userTag: name === "[heap]" ? VM_MEMORY_MALLOC : name === "[stack]" ? VM_MEMORY_STACK : 0,
    objectId: file ? objectIdOf(`${m[8]}:${inode}`) : Number((start >> 12n) & 0xffffffffn),
    refCount: 1,
    externalPager: file,
    pagesResident: 0,
  };
}

export function parseMaps(text: string): VmEntry[] {
  const out: VmEntry[] = [];
  for (const line of text.split("\n")) {
    const e = parseMapsLine(line);
    if (e) out.push(e);
  }
  return out;
}

/** Process `pid`'s memory; `maxTransfer` is the server's bound on one read or copy (its frame bound). */
export function processMemory(pid: number, maxTransfer: number): ProcessMemory {
  return {
    pid,
    maxTransfer,
    read: (address, into) => nativeHelpers().processVmRead(pid, address, into),
    write: (address, data) => nativeHelpers().processVmWrite(pid, address, data),
    regions: () => {
      try {
        return parseMaps(readFileSync(`/proc/${pid}/maps`, "utf8"));
      } catch {
        return null;
      }
    },
    pagemap: (address, pages) => readPagemap(pid, address, pages),
  };
}

/** `pages` words of /proc/PID/pagemap from `address`'s page: present, swapped, file-page bits (the frame numbers read as 0 unprivileged). */
export function readPagemap(pid: number, address: bigint, pages: number): bigint[] | null {
  let fd = -1;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, "r");
    const buf = Buffer.alloc(pages * 8);
    const n = readSync(fd, buf, 0, buf.length, Number(address / 4096n) * 8);
    const out: bigint[] = [];
    for (let i = 0; i + 8 <= n; i += 8) out.push(buf.readBigUInt64LE(i));
    return out.length === pages ? out : null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
