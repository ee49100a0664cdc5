/** The C header's constants are src/abi's, rendered; the committed file must be the rendering. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderConstantsHeader } from "../../src/abi/c_constants.js";
import { KERN_INVALID_ARGUMENT, MIG_BAD_ID } from "../../src/abi/kern_return.js";
import { MACH_MSGH_BITS_COMPLEX, MACH_SEND_INVALID_DEST } from "../../src/abi/message.js";

test("native/include/machipc/constants.h is src/abi rendered (run `npm run gen:constants` after changing a constant)", () => {
  const committed = readFileSync("native/include/machipc/constants.h", "utf8");
  assert.equal(committed, renderConstantsHeader());
  assert.match(committed, new RegExp(`#define KERN_INVALID_ARGUMENT ${KERN_INVALID_ARGUMENT}\\n`));
  assert.match(committed, new RegExp(`#define MIG_BAD_ID \\(${MIG_BAD_ID}\\)\\n`));
  assert.match(committed, new RegExp(`#define MACH_SEND_INVALID_DEST 0x${MACH_SEND_INVALID_DEST.toString(16)}\\n`));
  assert.match(committed, new RegExp(`#define MACH_MSGH_BITS_COMPLEX 0x${MACH_MSGH_BITS_COMPLEX.toString(16)}U\\n`));
});

test("<machipc/mach.h> gathers the SDK-named headers, and the macOS spellings are real headers of their own", () => {
  assert.match(readFileSync("native/include/machipc/mach.h", "utf8"), /#include <mach\/mach\.h>/);
  for (const h of ["mach", "mach_error", "message", "mig_errors", "ndr", "exception_types", "thread_status", "notify", "port", "mig"]) {
    assert.doesNotMatch(readFileSync(`native/include/mach/${h}.h`, "utf8"), /#include <machipc\/mach\.h>/, h);
  }
});
