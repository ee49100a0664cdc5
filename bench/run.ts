/** `npm run bench`: every benchmark, printed as rates and ratios, and written as JSON. */
import { ipcBenchmarks } from "./ipc.js";
import { hostBenchmarks } from "./host.js";
import { socketBenchmarks } from "./socket.js";
import { mpmmBenchmarks } from "./mpmm.js";
import { writeResults } from "./harness.js";

const started = new Date().toISOString();
console.log("# IPC core");
const ipc = ipcBenchmarks();
for (const l of ipc.lines) console.log(l);
console.log("# host interface and exceptions");
const host = await hostBenchmarks();
for (const l of host.lines) console.log(l);
console.log("# out of process (server, Node client, libmachipc)");
const sock = await socketBenchmarks();
for (const l of sock.lines) console.log(l);
console.log("# user-to-user messaging through the server (MPMM-style)");
const msg = await mpmmBenchmarks();
for (const l of msg.lines) console.log(l);
const a = writeResults("ipc.json", { started, node: process.version, ...ipc.results });
const b = writeResults("host.json", { started, node: process.version, ...host.results });
const c = writeResults("socket.json", { started, node: process.version, ...sock.results });
const d = writeResults("mpmm.json", { started, node: process.version, ...msg.results });
console.log(`results: ${a}, ${b}, ${c}, ${d}`);
