// Writes libmachipc's generated MIG stubs, servers and headers, and docs/c-api.md (see src/mig/c_files.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { renderCApi } from "../src/subsystems/c_api.js";

for (const [path, text] of renderCApi()) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
console.log(`gen:c: wrote ${renderCApi().size} files`);
