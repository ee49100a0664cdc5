/**
 * `npm run bench` in short mode: every benchmark still runs to the end through the public paths
 * and writes its JSON (the figures of a short run mean nothing and are not checked).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("every benchmark runs to the end in short mode and writes its results", () => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-bench-short-"));
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", "bench/run.ts", "--short"], {
    env: { ...process.env, MACHIPC_BENCH_RESULTS: dir },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `bench failed:\n${r.stdout}\n${r.stderr}`);
  const ipc = JSON.parse(readFileSync(join(dir, "ipc.json"), "utf8"));
  const host = JSON.parse(readFileSync(join(dir, "host.json"), "utf8"));
  const sock = JSON.parse(readFileSync(join(dir, "socket.json"), "utf8"));
  const mpmm = JSON.parse(readFileSync(join(dir, "mpmm.json"), "utf8"));
  const faults = JSON.parse(readFileSync(join(dir, "faults.json"), "utf8"));
  for (const [file, data, keys] of [
    ["ipc.json", ipc, ["nullRpc", "copyFloor"]],
    ["host.json", host, ["hostGetSpecialPort", "hostGetExceptionPorts", "exceptionRoundTrip", "exceptionToNullRpcRatio"]],
    ["socket.json", sock, ["cNullRpcNs", "nodeNullRpcNs", "scaling"]],
    ["mpmm.json", mpmm, ["empty", "empty+port", "inline4k", "inline4k+port", "ool64k", "ool64k+port"]],
    ["faults.json", faults, ["faultRoundTripNs", "nullRpcNs", "faultToNullRpcRatio"]],
  ] as const) {
    for (const k of keys) assert.ok(k in data, `${file} has ${k}`);
  }
  assert.ok(host.exceptionToNullRpcRatio > 0 && Number.isFinite(host.exceptionToNullRpcRatio));
  // The host routines' ratios are the median of interleaved rounds, and the rounds are written.
  for (const k of ["hostGetSpecialPort", "hostGetExceptionPorts"]) {
    const rounds = host[`${k}RoundRatios`];
    assert.ok(Array.isArray(rounds) && rounds.length > 0 && rounds.every((x: number) => x > 0), `host.json has ${k}RoundRatios`);
    assert.ok(rounds.includes(host[`${k}Ratio`]), `${k}Ratio is one of its rounds`);
  }
  // So is the exception round trip's, against the null RPC.
  const excRounds = host.exceptionToNullRpcRoundRatios;
  assert.ok(Array.isArray(excRounds) && excRounds.length > 0 && excRounds.every((x: number) => x > 0), "host.json has exceptionToNullRpcRoundRatios");
  assert.ok(excRounds.includes(host.exceptionToNullRpcRatio), "exceptionToNullRpcRatio is one of its rounds");
  assert.ok(faults.faultToNullRpcRatio > 0 && Number.isFinite(faults.faultToNullRpcRatio));
});
