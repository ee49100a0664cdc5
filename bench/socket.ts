/**
 * Out-of-process benchmarks (issue 4), all in one run: RPC round trips from a
 * C client (libmachipc) and from the Node client, against the same bytes
 * ping-ponged through a bare Node echo server (machipc's own overhead) and
 * between two C processes (the physical floor); and throughput by client count.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MachClient } from "../src/client/index.js";

const run = promisify(execFile);
const PINGPONG = "native/build/bench/pingpong";
/** A machipc null RPC on the wire: frame 16 + args 24 + request 36; back: 16 + result 16 + reply 40 + trailer 8. */
const REQ = 76;
const REP = 80;

const ECHO = `
import { createServer } from "node:net";
const [path, req, rep] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const out = Buffer.alloc(rep);
createServer((s) => {
  let have = 0;
  s.on("data", (d) => {
    have += d.length;
    while (have >= req) { have -= req; s.write(out); }
  });
}).listen(path, () => console.log("ready"));
`;

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready") || out.includes("serving")) resolve();
    });
    child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
  });
}

async function cNs(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const r = await run(PINGPONG, args, { env });
  return Number(r.stdout.trim());
}

/** Node client: ns per round trip of REQ bytes out, REP back, over a raw socket. */
async function nodeEchoNs(path: string, n: number): Promise<number> {
  const sock = connect(path);
  await new Promise((r) => sock.once("connect", r));
  const req = Buffer.alloc(REQ);
  let got = 0;
  let resolveOne: (() => void) | null = null;
  sock.on("data", (d) => {
    got += d.length;
    while (got >= REP && resolveOne) {
      got -= REP;
      const f = resolveOne;
      resolveOne = null;
      f();
    }
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((r) => {
      resolveOne = r;
      sock.write(req);
    });
  }
  const ns = Number(process.hrtime.bigint() - t0) / n;
  sock.destroy();
  return ns;
}

export async function socketBenchmarks(): Promise<{ results: Record<string, unknown>; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "machipc-bench-"));
  const machipcPath = join(dir, "machipc.sock");
  const nodeEchoPath = join(dir, "echo-node.sock");
  const cEchoPath = join(dir, "echo-c.sock");
  const echoScript = join(dir, "echo.mjs");
  writeFileSync(echoScript, ECHO);
  const children: ChildProcess[] = [];
  const start = async (cmd: string, args: string[]): Promise<void> => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    children.push(c);
    await waitReady(c);
  };
  try {
    await start(process.execPath, ["dist/cli/main.js", "serve", "--socket", machipcPath]);
    await start(process.execPath, [echoScript, nodeEchoPath, String(REQ), String(REP)]);
    await start(PINGPONG, ["server", cEchoPath, String(REQ), String(REP)]);
    const env = { ...process.env, MACHIPC_SOCKET: machipcPath };
    const N = 20000;
    // Warm everything up once.
    await cNs(["rpc", "2000"], env);
    await cNs(["client", nodeEchoPath, "2000", String(REQ), String(REP)]);

    const cRpc = await cNs(["rpc", String(N)], env);
    const cSpecial = await cNs(["special", String(N / 2)], env);
    const cNodeEcho = await cNs(["client", nodeEchoPath, String(N), String(REQ), String(REP)]);
    const cFloor = await cNs(["client", cEchoPath, String(N), String(REQ), String(REP)]);

    const client = await MachClient.connect({ socketPath: machipcPath, name: "bench" });
    const th = client.mainThread;
    const self = await th.taskSelfTrap();
    const host = await th.hostSelfTrap();
    const reply = await th.machReplyPort();
    const req = new Uint8Array(128);
    const v = new DataView(req.buffer);
    const setReq = (id: number, size: number, remote: number, a: number, b = 0) => {
      v.setUint32(0, 0x1513, true);
      v.setUint32(4, size, true);
      v.setUint32(8, remote, true);
      v.setUint32(12, reply, true);
      v.setInt32(20, id, true);
      req.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
      v.setUint32(32, a, true);
      v.setUint32(36, b, true);
    };
    const nodeRpc = async (n: number): Promise<number> => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        setReq(3201, 36, self, self);
        const mr = await th.machMsg(req, 3, 36, 128, reply);
        if (mr !== 0) throw new Error(`null RPC ${mr}`);
      }
      return Number(process.hrtime.bigint() - t0) / n;
    };
    const nodeSpecial = async (n: number): Promise<number> => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        setReq(412, 40, host, 0xffffffff, 1);
        if ((await th.machMsg(req, 3, 40, 128, reply)) !== 0) throw new Error("host_get_special_port");
        const name = v.getUint32(28, true);
        setReq(3206, 36, self, name);
        if ((await th.machMsg(req, 3, 36, 128, reply)) !== 0) throw new Error("deallocate");
      }
      return Number(process.hrtime.bigint() - t0) / n;
    };
    await nodeRpc(2000);
    const nRpc = await nodeRpc(N);
    const nSpecial = await nodeSpecial(N / 2);
    client.close();
    await nodeEchoNs(nodeEchoPath, 2000);
    const nNodeEcho = await nodeEchoNs(nodeEchoPath, N);

    // Throughput by client count (C clients in parallel, null RPCs).
    const scaling: { clients: number; opsPerSec: number }[] = [];
    for (const k of [1, 2, 4]) {
      const t0 = Date.now();
      await Promise.all(Array.from({ length: k }, () => cNs(["rpc", String(N)], env)));
      scaling.push({ clients: k, opsPerSec: Math.round((k * N) / ((Date.now() - t0) / 1000)) });
    }

    const fmtNs = (x: number) => `${x.toFixed(0).padStart(7)} ns`;
    const lines = [
      `C client, null RPC through machipc          ${fmtNs(cRpc)}   ${(cRpc / cNodeEcho).toFixed(2)}x the bare Node echo, ${(cRpc / cFloor).toFixed(1)}x the C floor`,
      `C client, host_get_special_port + dealloc   ${fmtNs(cSpecial)}   (two RPCs)`,
      `C client, bare Node echo (same bytes)       ${fmtNs(cNodeEcho)}`,
      `C client, C echo (physical floor)           ${fmtNs(cFloor)}`,
      `Node client, null RPC through machipc       ${fmtNs(nRpc)}   ${(nRpc / nNodeEcho).toFixed(2)}x the bare Node echo`,
      `Node client, host_get_special_port + dealloc${fmtNs(nSpecial)}   (two RPCs)`,
      `Node client, bare Node echo (same bytes)    ${fmtNs(nNodeEcho)}`,
      `throughput by C clients: ${scaling.map((s) => `${s.clients} -> ${s.opsPerSec.toLocaleString("en-US")}/s`).join(", ")}`,
    ];
    return {
      lines,
      results: {
        cNullRpcNs: cRpc,
        cHostGetSpecialPortNs: cSpecial,
        cBareNodeEchoNs: cNodeEcho,
        cFloorNs: cFloor,
        cRatioToNodeEcho: cRpc / cNodeEcho,
        cRatioToCFloor: cRpc / cFloor,
        nodeNullRpcNs: nRpc,
        nodeHostGetSpecialPortNs: nSpecial,
        nodeBareEchoNs: nNodeEcho,
        nodeRatioToNodeEcho: nRpc / nNodeEcho,
        scaling,
      },
    };
  } finally {
    for (const c of children) c.kill();
  }
}
