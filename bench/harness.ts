/**
 * A small benchmark harness: run an operation for a while, report operations
 * per second, and compare against a baseline measured in the same run.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Short mode (`--short`, or MACHIPC_BENCH_SHORT=1): every benchmark runs a few
 * iterations only, so the suite can check that the benchmarks still run to the
 * end and write their JSON; its figures mean nothing.
 */
export const SHORT = process.argv.includes("--short") || process.env["MACHIPC_BENCH_SHORT"] === "1";

/** `full` iterations normally, `short` in short mode. */
export const scaled = (full: number, short: number): number => (SHORT ? short : full);

export interface Measurement {
  name: string;
  opsPerSec: number;
  nsPerOp: number;
  iterations: number;
}

/** Time `fn` over batches until `minMs` has passed; returns the best batch rate (least disturbed). */
export function measure(name: string, fn: () => void, minMs = 400, batch = 1000): Measurement {
  minMs = scaled(minMs, 1);
  batch = scaled(batch, 20);
  for (let i = 0; i < batch; i++) fn(); // warm up
  let best = Infinity;
  let total = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e6 < minMs) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / batch;
    if (ns < best) best = ns;
    total += batch;
  }
  return { name, nsPerOp: best, opsPerSec: 1e9 / best, iterations: total };
}

export function ratio(a: Measurement, floor: Measurement): number {
  return a.nsPerOp / floor.nsPerOp;
}

export function fmt(m: Measurement): string {
  return `${m.name.padEnd(44)} ${Math.round(m.opsPerSec).toLocaleString("en-US").padStart(14)} ops/s  ${m.nsPerOp.toFixed(1).padStart(9)} ns/op`;
}

/** Write results as JSON under bench/results/ (or MACHIPC_BENCH_RESULTS). */
export function writeResults(file: string, data: unknown): string {
  const dir = process.env["MACHIPC_BENCH_RESULTS"] || join(process.cwd(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(data, null, 2) + "\n");
  return path;
}

/** The middle value of a list (the upper one of an even list). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Run `fn` against a `machipc serve` of its own (the built CLI, a socket in a
 * fresh temp directory), given the environment that points C clients at it;
 * the server is stopped however `fn` ends.
 */
export async function withServedKernel<T>(prefix: string, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const socket = join(mkdtempSync(join(tmpdir(), prefix)), "machipc.sock");
  const server = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", socket], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    await new Promise<void>((resolve, reject) => {
      // machipc serve logs to stderr.
      server.stderr!.on("data", (d: Buffer) => d.toString().includes("serving") && resolve());
      server.once("exit", (c) => reject(new Error(`server exited ${c}`)));
    });
    return await fn({ ...process.env, MACHIPC_SOCKET: socket });
  } finally {
    server.kill();
  }
}

/**
 * A measurement and its baseline in interleaved rounds (each the best batch of `roundMs`), after
 * warming `fn` up: the ratio of each round, and the median round's figures. Drift in the machine's
 * speed between rounds (a VM, a neighbour) then hits both sides of a ratio alike, and one
 * disturbed stretch moves one round, not the figure.
 */
export function interleaved(
  name: string,
  fn: () => void,
  baseName: string,
  base: () => void,
  rounds = scaled(9, 1),
  roundMs = 150,
): { m: Measurement; base: Measurement; ratio: number; ratios: number[] } {
  measure(name, fn, roundMs);
  const pairs: { m: Measurement; base: Measurement; ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always runs right after the other.
    const first = r % 2 === 0;
    const b0 = first ? null : measure(baseName, base, roundMs);
    const m = measure(name, fn, roundMs);
    const b = b0 ?? measure(baseName, base, roundMs);
    pairs.push({ m, base: b, ratio: m.nsPerOp / b.nsPerOp });
  }
  const ratios = pairs.map((p) => p.ratio);
  const mid = [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor(pairs.length / 2)]!;
  return { ...mid, ratios };
}

/**
 * `measure` for an operation that must be awaited: each call's Promise is awaited before the next
 * call, and its value handed to `check` (which throws for a wrong result). The value is awaited
 * here, once, as a caller of the operation awaits it: an async wrapper around the operation to
 * check its result would add a Promise and an await of the harness's own to every call.
 */
export async function measureAsync<T>(name: string, fn: () => Promise<T>, check: (v: T) => void, minMs = 400, batch = 1000): Promise<Measurement> {
  minMs = scaled(minMs, 1);
  batch = scaled(batch, 20);
  for (let i = 0; i < batch; i++) check(await fn()); // warm up
  let best = Infinity;
  let total = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e6 < minMs) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) check(await fn());
    const ns = Number(process.hrtime.bigint() - t0) / batch;
    if (ns < best) best = ns;
    total += batch;
  }
  return { name, nsPerOp: best, opsPerSec: 1e9 / best, iterations: total };
}

/**
 * `interleaved` for an awaited operation against a synchronous baseline: rounds alternate which
 * goes first, each the best batch of `roundMs`; the median round's figures and every round's ratio.
 */
export async function interleavedAsync<T>(
  name: string,
  fn: () => Promise<T>,
  check: (v: T) => void,
  baseName: string,
  base: () => void,
  rounds = scaled(9, 1),
  roundMs = 150,
): Promise<{ m: Measurement; base: Measurement; ratio: number; ratios: number[] }> {
  await measureAsync(name, fn, check, roundMs);
  const pairs: { m: Measurement; base: Measurement; ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0;
    const b0 = first ? null : measure(baseName, base, roundMs);
    const m = await measureAsync(name, fn, check, roundMs);
    const b = b0 ?? measure(baseName, base, roundMs);
    pairs.push({ m, base: b, ratio: m.nsPerOp / b.nsPerOp });
  }
  const ratios = pairs.map((p) => p.ratio);
  const mid = [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor(pairs.length / 2)]!;
  return { ...mid, ratios };
}
