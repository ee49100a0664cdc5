/**
 * The Node side of the socket benchmarks, run as its own process (as a real
 * client is, and as the C pingpong is), printing ns per round trip:
 *   node-client echo PATH N REQ REP   N round trips of REQ bytes out, REP back, over a raw socket
 *   node-client rpc N                 N machipc null RPCs (mach_port_type) through machipc/client
 *   node-client special N             N host_get_special_port + mach_port_deallocate; prints ns per RPC
 * The server is the one MACHIPC_SOCKET names.
 */
import { connect } from "node:net";
import { MachClient } from "../src/client/index.js";

async function echo(path: string, n: number, reqSize: number, repSize: number): Promise<number> {
  const sock = connect(path);
  await new Promise((r) => sock.once("connect", r));
  const req = Buffer.alloc(reqSize);
  let got = 0;
  let resolveOne: (() => void) | null = null;
  sock.on("data", (d: Buffer) => {
    got += d.length;
    while (got >= repSize && resolveOne) {
      got -= repSize;
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

async function rpcs(kind: "rpc" | "special", n: number): Promise<number> {
  const client = await MachClient.connect({ socketPath: process.env["MACHIPC_SOCKET"], name: "bench-node" });
  const th = client.mainThread;
  const self = await th.taskSelfTrap();
  const host = await th.hostSelfTrap();
  const reply = await th.machReplyPort();
  // The requests MIG would build, written by hand so that only the wire is measured.
  const req = new Uint8Array(128);
  const v = new DataView(req.buffer);
  const setReq = (id: number, size: number, remote: number, a: number, b = 0): void => {
    v.setUint32(0, 0x1513, true);
    v.setUint32(4, size, true);
    v.setUint32(8, remote, true);
    v.setUint32(12, reply, true);
    v.setInt32(20, id, true);
    req.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
    v.setUint32(32, a, true);
    v.setUint32(36, b, true);
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (kind === "rpc") {
      setReq(3201, 36, self, self);
      const mr = await th.machMsg(req, 3, 36, 128, reply);
      if (mr !== 0) throw new Error(`mach_port_type: mach_msg returned ${mr}`);
    } else {
      setReq(412, 40, host, 0xffffffff, 1);
      if ((await th.machMsg(req, 3, 40, 128, reply)) !== 0) throw new Error("host_get_special_port failed");
      setReq(3206, 36, self, v.getUint32(28, true));
      if ((await th.machMsg(req, 3, 36, 128, reply)) !== 0) throw new Error("mach_port_deallocate failed");
    }
  }
  const ns = Number(process.hrtime.bigint() - t0) / (kind === "rpc" ? n : 2 * n);
  client.close();
  return ns;
}

const [mode, ...rest] = process.argv.slice(2);
let ns: number;
if (mode === "echo") ns = await echo(rest[0]!, Number(rest[1]), Number(rest[2]), Number(rest[3]));
else if (mode === "rpc" || mode === "special") ns = await rpcs(mode, Number(rest[0]));
else {
  console.error("usage: node-client echo PATH N REQ REP | rpc N | special N");
  process.exit(2);
}
console.log(ns.toFixed(1));
