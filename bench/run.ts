/**
 * `npm run bench`: every benchmark, printed as rates and ratios, and written as JSON.
 * `--only GROUP` (repeatable: ipc, host, socket, mpmm, faults) runs those groups alone, for a
 * quick look at one path; `--short` runs each benchmark a few iterations (harness.ts).
 */
import { parseArgs } from "node:util";
import { ipcBenchmarks } from "./ipc.js";
import { hostBenchmarks } from "./host.js";
import { socketBenchmarks } from "./socket.js";
import { mpmmBenchmarks } from "./mpmm.js";
import { faultBenchmarks } from "./faults.js";
import { writeResults } from "./harness.js";

interface Group {
  title: string;
  file: string;
  run: () => { lines: string[]; results: object } | Promise<{ lines: string[]; results: object }>;
}

const GROUPS: Record<string, Group> = {
  ipc: { title: "IPC core", file: "ipc.json", run: ipcBenchmarks },
  host: { title: "host interface and exceptions", file: "host.json", run: hostBenchmarks },
  socket: { title: "out of process (server, Node client, libmachipc)", file: "socket.json", run: socketBenchmarks },
  mpmm: { title: "user-to-user messaging through the server (MPMM-style)", file: "mpmm.json", run: mpmmBenchmarks },
  faults: { title: "a C thread's fault as a Mach exception, round trip", file: "faults.json", run: faultBenchmarks },
};

const { values } = parseArgs({ options: { only: { type: "string", multiple: true }, short: { type: "boolean" } }, strict: true });
const only = values.only ?? Object.keys(GROUPS);
for (const g of only) if (!(g in GROUPS)) throw new Error(`bench: no group ${JSON.stringify(g)} (groups: ${Object.keys(GROUPS).join(", ")})`);

const started = new Date().toISOString();
const written: string[] = [];
for (const name of Object.keys(GROUPS)) {
  if (!only.includes(name)) continue;
  const g = GROUPS[name]!;
  console.log(`# ${g.title}`);
  const r = await g.run();
  for (const l of r.lines) console.log(l);
  written.push(writeResults(g.file, { started, node: process.version, ...r.results }));
}
console.log(`results: ${written.join(", ")}`);
