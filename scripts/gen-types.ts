// Writes src/mig/routine_types.ts from the routine descriptions (see src/mig/ts_types.ts).
import { writeFileSync } from "node:fs";
import { renderRoutineTypes } from "../src/mig/ts_types.js";
import { servedSubsystems } from "../src/subsystems/index.js";

const path = "src/mig/routine_types.ts";
writeFileSync(path, renderRoutineTypes(servedSubsystems.flatMap((s) => s.routines)));
console.log(`gen:types: wrote ${path}`);
