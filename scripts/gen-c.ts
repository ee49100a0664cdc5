// Writes libmachipc's generated MIG stubs, servers and headers, and docs/c-api.md (see src/mig/c_files.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { renderCApi, renderReadme } from "../src/subsystems/c_api.js";

for (const [path, text] of renderCApi()) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
writeFileSync("README.md", renderReadme(readFileSync("README.md", "utf8")));
console.log(`gen:c: wrote ${renderCApi().size} files and README.md's list of routines`);
