/**
 * What the VM tests share: a debugger holding another in-process task's port, and a stand-in for
 * the ProcessMemory the server attaches to a libmachipc process's task.
 */
import assert from "node:assert/strict";
import { actor, boot, type Actor } from "./kernel.js";
import { KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { SM_PRIVATE, VM_INHERIT_COPY } from "../../src/abi/vm_region.js";
import { taskForPid } from "../../src/kern/task_for_pid.js";
import type { Kernel } from "../../src/kern/kernel.js";
import type { ProcessMemory, VmEntry } from "../../src/kern/vm_remote.js";

const PAGE = 4096n;

/** A debugger (root) holding the task port of an ordinary in-process task. */
export function debuggerScene(): { kernel: Kernel; dbg: Actor; target: Actor; port: number } {
  const kernel = boot();
  const dbg = actor(kernel, { uid: 0, gid: 0 });
  const target = actor(kernel, { uid: 501 });
  const r = taskForPid(dbg.task, dbg.self, target.task.pid);
  assert.equal(r.kr, KERN_SUCCESS);
  return { kernel, dbg, target, port: r.value };
}

/**
 * A process's memory as the server would see it: `entries` (read-write, at most VM_PROT_ALL,
 * private, unless they say otherwise), `bytes` from the first entry's start, writes refused, and
 * the pagemap words `pagemap` gives per page.
 */
export function fakeProcess(entries: Partial<VmEntry>[], pagemap: (page: bigint) => bigint = () => 0n, bytes = new Uint8Array(0)): ProcessMemory {
  const full = entries.map(
    (e): VmEntry => ({
      start: 0n,
      end: 0n,
      protection: 3,
      maxProtection: 7,
      inheritance: VM_INHERIT_COPY,
      shared: false,
      shareMode: SM_PRIVATE,
      offset: 0n,
      userTag: 0,
      objectId: 9,
      refCount: 1,
      externalPager: false,
      pagesResident: 0,
      ...e,
    }),
  );
  const base = full[0]!.start;
  return {
    pid: 4242,
    maxTransfer: 1 << 20,
    read: (address: bigint, into: Uint8Array) => (into.set(bytes.subarray(Number(address - base), Number(address - base) + into.byteLength)), into.byteLength),
    write: () => -1,
    regions: () => full,
    pagemap: (address: bigint, pages: number) => Array.from({ length: pages }, (_, i) => pagemap(address / PAGE + BigInt(i))),
  };
}

/** mach_vm_read of `size` bytes at `address` in `on`'s map, as text. */
export async function readText(a: Actor, on: number, address: bigint, size: number): Promise<string> {
  const r = await a.thread.call("mach_vm_read", on, { address, size: BigInt(size) });
  assert.equal(r.kr, KERN_SUCCESS);
  return r.kr === KERN_SUCCESS ? new TextDecoder().decode(r.data) : "";
}

/** mach_vm_write of `s` at `address` in `on`'s map. */
export async function writeText(a: Actor, on: number, address: bigint, s: string): Promise<void> {
  assert.equal((await a.thread.call("mach_vm_write", on, { address, data: new TextEncoder().encode(s) })).kr, KERN_SUCCESS);
}
