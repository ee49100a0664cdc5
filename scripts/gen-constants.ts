// Writes native/include/machipc/constants.h and native/src/mach_error_text.inc from src/abi (c_constants.ts, mach_error_text.ts).
import { writeFileSync } from "node:fs";
import { renderConstantsHeader } from "../src/abi/c_constants.js";
import { renderMachErrorTable } from "../src/abi/mach_error_text.js";

const path = "native/include/machipc/constants.h";
writeFileSync(path, renderConstantsHeader());
console.log(`gen:constants: wrote ${path}`);

const errors = "native/src/mach_error_text.inc";
writeFileSync(errors, renderMachErrorTable());
console.log(`gen:constants: wrote ${errors}`);
