/**
 * User-to-user messaging through the server, MPMM-style (native/bench/mpmm.c):
 * one server thread answering on send-once reply ports, 1 and 4 client
 * threads and client processes, messages empty / 4 KiB inline / 64 KiB out of
 * line, each with and without a port descriptor. Every figure is a median of rounds that
 * interleave it with the null RPC of the same run, its baseline.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { median, scaled, withServedKernel } from "./harness.js";

const run = promisify(execFile);
const MPMM = "native/build/bench/mpmm";
const KINDS = ["empty", "empty+port", "inline4k", "inline4k+port", "ool64k", "ool64k+port"] as const;
/** Clients as threads of the server's process, and as processes of their own (which find the service through bootstrap_look_up). */
const MODES = ["threads", "procs"] as const;

/** One mpmm run: ns per RPC as a client sees it, and RPCs per second over all clients. */
async function mpmm(args: string[], env: NodeJS.ProcessEnv): Promise<{ ns: number; perSec: number }> {
  const r = await run(MPMM, args, { env });
  const [ns, perSec] = r.stdout.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(ns) || !Number.isFinite(perSec)) throw new Error(`mpmm ${args.join(" ")}: ${r.stdout}`);
  return { ns: ns!, perSec: perSec! };
}

const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

export async function mpmmBenchmarks(): Promise<{ results: Record<string, unknown>; lines: string[] }> {
  return withServedKernel("machipc-mpmm-", async (env) => {
    const N = scaled(3000, 20);
    const ROUNDS = scaled(7, 1);
    await mpmm(["null", String(scaled(1000, 5))], env);
    const lines = [
      `median of ${ROUNDS} rounds; targets: RPC at most 2.2x the null RPC, 4 clients at least 1.5x the throughput of 1`,
      `(threads: client threads in the server's process; processes: client processes that look the service up by name)`,
    ];
    const results: Record<string, unknown> = {};
    for (const kind of KINDS) {
      const entry: Record<string, unknown> = {};
      for (const mode of MODES) {
        const rounds: { nullNs: number; one: number; onePerSec: number; fourPerSec: number }[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const nullNs = (await mpmm(["null", String(N)], env)).ns;
          const one = await mpmm([mode, "1", String(N), kind], env);
          const four = await mpmm([mode, "4", String(Math.ceil(N / 4)), kind], env);
          rounds.push({ nullNs, one: one.ns, onePerSec: one.perSec, fourPerSec: four.perSec });
        }
        const toNull = rounds.map((x) => x.one / x.nullNs);
        const scaling = rounds.map((x) => x.fourPerSec / x.onePerSec);
        lines.push(
          `${kind.padEnd(14)} ${(mode === "threads" ? "threads" : "processes").padEnd(10)} ${median(rounds.map((x) => x.one)).toFixed(0).padStart(8)} ns/RPC  ${median(toNull).toFixed(2)}x null RPC (rounds ${spread(toNull)})` +
            `  4 clients ${median(scaling).toFixed(2)}x 1 client (rounds ${spread(scaling)})`,
        );
        entry[mode === "threads" ? "threads" : "processes"] = { rpcNs: median(rounds.map((x) => x.one)), ratioToNullRpc: median(toNull), fourToOneThroughput: median(scaling), rounds };
      }
      results[kind] = entry;
    }
    return { lines, results };
  });
}
