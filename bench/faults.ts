/**
 * A C thread's hardware fault as a Mach exception, round trip (native/bench/faultbench.c):
 * fault -> signal handler -> EXCEPTION to the server -> the task's handler
 * thread (STATE_IDENTITY, instruction pointer moved on) -> resume, as a ratio
 * to the null RPC (mach_port_type) of the same process, median of rounds that
 * interleave the two.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { scaled } from "./harness.js";

const run = promisify(execFile);
const FAULTBENCH = "native/build/bench/faultbench";

async function ns(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const r = await run(FAULTBENCH, args, { env });
  const v = Number(r.stdout.trim());
  if (!Number.isFinite(v)) throw new Error(`faultbench ${args.join(" ")}: ${r.stdout}`);
  return v;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function faultBenchmarks(): Promise<{ results: Record<string, unknown>; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "machipc-faults-"));
  const socket = join(dir, "machipc.sock");
  const server: ChildProcess = spawn(process.execPath, ["dist/cli/main.js", "serve", "--socket", socket], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    await new Promise<void>((resolve, reject) => {
      // machipc serve logs to stderr.
      server.stderr!.on("data", (d: Buffer) => d.toString().includes("serving") && resolve());
      server.once("exit", (c) => reject(new Error(`server exited ${c}`)));
    });
    const env = { ...process.env, MACHIPC_SOCKET: socket };
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
  } finally {
    server.kill();
  }
}
