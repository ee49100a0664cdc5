/**
 * A C thread's hardware fault as a Mach exception, round trip (native/bench/faultbench.c):
 * fault -> signal handler -> EXCEPTION to the server -> the task's handler
 * thread (STATE_IDENTITY, instruction pointer moved on) -> resume, as a ratio
 * to the null RPC (mach_port_type) of the same process, median of rounds that
 * interleave the two.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { median, scaled, withServedKernel } from "./harness.js";

const run = promisify(execFile);
const FAULTBENCH = "native/build/bench/faultbench";

async function ns(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const r = await run(FAULTBENCH, args, { env });
  const v = Number(r.stdout.trim());
  if (!Number.isFinite(v)) throw new Error(`faultbench ${args.join(" ")}: ${r.stdout}`);
  return v;
}

export async function faultBenchmarks(): Promise<{ results: Record<string, unknown>; lines: string[] }> {
  return withServedKernel("machipc-faults-", async (env) => {
    const N = scaled(2000, 20);
    const ROUNDS = scaled(5, 1);
    const rounds: { nullNs: number; faultNs: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push({ nullNs: await ns(["null", String(N)], env), faultNs: await ns(["fault", String(N)], env) });
    const ratios = rounds.map((x) => x.faultNs / x.nullNs);
    const faultNs = median(rounds.map((x) => x.faultNs));
    const ratio = median(ratios);
    return {
      lines: [`fault -> handler -> resume ${faultNs.toFixed(0)} ns, ${ratio.toFixed(2)}x the null RPC (median of ${ROUNDS} rounds, ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`],
      results: { faultRoundTripNs: faultNs, nullRpcNs: median(rounds.map((x) => x.nullNs)), faultToNullRpcRatio: ratio, rounds },
    };
  });
}
