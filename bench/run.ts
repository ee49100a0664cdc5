/** `npm run bench`: every benchmark, printed as rates and ratios, and written as JSON. */
import { ipcBenchmarks } from "./ipc.js";
import { writeResults } from "./harness.js";

const started = new Date().toISOString();
const ipc = ipcBenchmarks();
for (const l of ipc.lines) console.log(l);
const path = writeResults("ipc.json", { started, node: process.version, ...ipc.results });
console.log(`results: ${path}`);
