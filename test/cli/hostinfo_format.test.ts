/**
 * `machipc host` against hostinfo's printf formats (system_cmds-671.10.3
 * hostinfo.tproj), line by line, with the values hostinfo reads through the
 * same routines: host_kernel_version, host_info(HOST_BASIC_INFO),
 * processor_set_default, processor_set_info(BASIC), processor_set_statistics(LOAD).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { sprintf } from "../../src/cli/printf.js";
import { formatHostinfo, formatProcessorStates } from "../../src/cli/hostinfo_format.js";
import { hostReport } from "../../src/server/admin.js";

const F = {
  version: "Mach kernel version:\n\t %s",
  configured: "Kernel configured for up to %d processors.",
  single: "Kernel configured for a single processor only.",
  physical: "%d processor%s physically available.",
  logical: "%d processor%s logically available.",
  type: "Processor type: %s (%s)",
  active: "Processor%s active:",
  gigabytes: "Primary memory available: %.2f gigabytes",
  megabytes: "Primary memory available: %.2f megabytes",
  pset: "Default processor set: %d tasks, %d threads, %d processors",
  load: "Load average: %d.%02d, Mach factor: %d.%02d",
};

async function expectedLines(cpus: number, memory: bigint, load: number, arch: "x86_64" | "arm64"): Promise<{ text: string; expected: string[] }> {
  const kernel = boot({ cpus, arch, machine: { memorySize: memory, loadAverage: () => [load, load, load] } });
  const a = actor(kernel, { name: "hostinfo" });
  const host = a.thread.hostSelfTrap();
  const version = (await a.thread.call("host_kernel_version", host, {}))["kernel_version"] as string;
  const hi = (await a.thread.call("host_info", host, { flavor: 1 }))["host_info_out"] as number[];
  const pset = (await a.thread.call("processor_set_default", host, {}))["default_set"] as number;
  const basic = (await a.thread.call("processor_set_info", pset, { flavor: 5 }))["info_out"] as number[];
  const li = (await a.thread.call("processor_set_statistics", pset, { flavor: 4 }))["info_out"] as number[];
  const memsize = (BigInt(hi[11]! >>> 0) << 32n) | BigInt(hi[10]! >>> 0);
  const [maxCpus, availCpus, , cpuType, cpuSubtype, , physical, , logical] = hi as number[];
  const names: Record<string, [string, string]> = { "16777223/3": ["x86_64", "Intel x86-64"], "16777228/0": ["arm64", "ARM64"] };
  const [cpuName, cpuSub] = names[`${cpuType}/${cpuSubtype}`]!;
  const mem = Math.fround(Number(memsize));
  const expected = [
    ...sprintf(F.version, version).split("\n"),
    maxCpus! > 1 ? sprintf(F.configured, maxCpus!) : F.single,
    sprintf(F.physical, physical!, physical! > 1 ? "s are" : " is"),
    sprintf(F.logical, logical!, logical! > 1 ? "s are" : " is"),
    sprintf(F.type, cpuName, cpuSub),
    sprintf(F.active, availCpus! > 1 ? "s" : "") + Array.from({ length: availCpus! }, (_, i) => sprintf(" %d", i)).join(""),
    mem / (1024 * 1024) >= 1024 ? sprintf(F.gigabytes, mem / 2 ** 30) : sprintf(F.megabytes, mem / 2 ** 20),
    sprintf(F.pset, li[0]!, li[1]!, basic[0]!),
    sprintf(F.load, Math.trunc(li[2]! / 1000), Math.trunc((li[2]! % 1000) / 10), Math.trunc(li[3]! / 1000), Math.trunc((li[3]! % 1000) / 10)),
  ];
  const text = formatHostinfo(hostReport(kernel));
  assertInvariant(kernel);
  return { text, expected };
}

test("machipc host prints hostinfo's lines, in its formats, from the routines hostinfo calls", async () => {
  for (const [cpus, mem, load, arch] of [
    [4, 16n << 30n, 1.25, "x86_64"],
    [1, 512n << 20n, 0.07, "arm64"],
  ] as const) {
    const { text, expected } = await expectedLines(cpus, mem, load, arch);
    const lines = text.split("\n");
    assert.equal(lines.pop(), "", "ends with a newline");
    assert.deepEqual(lines, expected);
  }
  const { text } = await expectedLines(4, 16n << 30n, 1.25, "x86_64");
  assert.match(text, /^Kernel configured for up to 4 processors\.$/m);
  assert.match(text, /^Primary memory available: 16\.00 gigabytes$/m);
  assert.match(text, /^Load average: 1\.25, Mach factor: 2\.75$/m);
  const single = await expectedLines(1, 512n << 20n, 0.07, "arm64");
  assert.match(single.text, /^Kernel configured for a single processor only\.\n1 processor is physically available\.$/m);
  assert.match(single.text, /^Processor type: arm64 \(ARM64\)\nProcessor active: 0$/m);
  assert.match(single.text, /^Primary memory available: 512\.00 megabytes$/m);
});

test("after hostinfo's block, each processor's state in words", () => {
  const kernel = boot({ cpus: 2 });
  assert.equal(formatProcessorStates(hostReport(kernel)), "Processor 0: running (master)\nProcessor 1: running\n");
  assertInvariant(kernel);
});
