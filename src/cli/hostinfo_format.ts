/**
 * `machipc host`: what hostinfo (system_cmds-671.10.3) prints, in its layout,
 * from the server's host report; then each processor's state in words.
 */
import { CPU_SUBTYPE_ARM64_ALL, CPU_SUBTYPE_ARM64_V8, CPU_SUBTYPE_X86_64_ALL, CPU_SUBTYPE_X86_64_H, CPU_TYPE_ARM64, CPU_TYPE_X86_64, LOAD_SCALE } from "../abi/host.js";
import type { HostReport } from "../server/admin.js";
import { sprintf } from "./printf.js";

/** slot_name(): the architecture's name and description as NXGetArchInfoFromCpuType gives them. */
export function slotName(cpuType: number, cpuSubtype: number): [string, string] {
  const sub = cpuSubtype & 0x00ffffff;
  if (cpuType === CPU_TYPE_X86_64 && sub === CPU_SUBTYPE_X86_64_H) return ["x86_64h", "Intel x86-64h Haswell"];
  if (cpuType === CPU_TYPE_X86_64 && sub === CPU_SUBTYPE_X86_64_ALL) return ["x86_64", "Intel x86-64"];
  if (cpuType === CPU_TYPE_ARM64 && sub === CPU_SUBTYPE_ARM64_V8) return ["arm64v8", "arm64v8"];
  if (cpuType === CPU_TYPE_ARM64 && sub === CPU_SUBTYPE_ARM64_ALL) return ["arm64", "ARM64"];
  return ["Unknown CPU", ""];
}

/** hostinfo's output, line for line. */
export function formatHostinfo(h: HostReport): string {
  const out: string[] = [];
  out.push("Mach kernel version:", sprintf("\t %s", h.kernelVersion));
  out.push(h.maxCpus > 1 ? sprintf("Kernel configured for up to %d processors.", h.maxCpus) : "Kernel configured for a single processor only.");
  out.push(sprintf("%d processor%s physically available.", h.physicalCpu, h.physicalCpu > 1 ? "s are" : " is"));
  out.push(sprintf("%d processor%s logically available.", h.logicalCpu, h.logicalCpu > 1 ? "s are" : " is"));
  const [name, sub] = slotName(h.cpuType, h.cpuSubtype);
  out.push("Processor type:" + sprintf(" %s (%s)", name, sub));
  let active = sprintf("Processor%s active:", h.availCpus > 1 ? "s" : "");
  for (let i = 0; i < h.availCpus; i++) active += sprintf(" %d", i);
  out.push(active);
  // hostinfo converts hw.memsize to a float before dividing (in double).
  const mem = Math.fround(Number(BigInt(h.maxMem)));
  out.push(mem / (1024 * 1024) >= 1024 ? sprintf("Primary memory available: %.2f gigabytes", mem / (1024 * 1024 * 1024)) : sprintf("Primary memory available: %.2f megabytes", mem / (1024 * 1024)));
  out.push(sprintf("Default processor set: %d tasks, %d threads, %d processors", h.pset.taskCount, h.pset.threadCount, h.pset.processorCount));
  const whole = (v: number): number => Math.trunc(v / LOAD_SCALE);
  const frac = (v: number): number => Math.trunc((v % LOAD_SCALE) / 10);
  out.push(sprintf("Load average: %d.%02d, Mach factor: %d.%02d", whole(h.pset.loadAverage), frac(h.pset.loadAverage), whole(h.pset.machFactor), frac(h.pset.machFactor)));
  return out.join("\n") + "\n";
}

/** The processors' states, which hostinfo does not show: one line each, after its block. */
export function formatProcessorStates(h: HostReport): string {
  return h.processors.map((p) => sprintf("Processor %d: %s%s", p.slot, p.stateName, p.master ? " (master)" : "")).join("\n") + "\n";
}
