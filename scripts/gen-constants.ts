// Writes native/include/machipc/constants.h from src/abi (see src/abi/c_constants.ts).
import { writeFileSync } from "node:fs";
import { renderConstantsHeader } from "../src/abi/c_constants.js";

const path = "native/include/machipc/constants.h";
writeFileSync(path, renderConstantsHeader());
console.log(`gen:constants: wrote ${path}`);
