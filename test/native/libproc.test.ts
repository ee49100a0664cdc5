/**
 * libproc (native/src/libproc.c) and <TargetConditionals.h>, which Apple's lsmp includes: a pid's
 * name comes from the served kernel (ADMIN_PROC_NAME), as the Node client's procName shows too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { startServer } from "../server/helpers.js";
import { runCheckProgram } from "./check_program.js";

test("libproc: proc_name from the served kernel, proc_pidpath, proc_listpids; TargetConditionals for a Mac", async () => {
  await runCheckProgram("libproc", { flags: ["-D_GNU_SOURCE"], server: { bootstrap: true } });
});

test("the Node client's procName: the kernel's name for a pid's task, null for none", async () => {
  const server = await startServer({ bootstrap: true });
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "namer" });
  try {
    assert.equal(await c.procName(1), "launchd");
    assert.equal(await c.procName(0x3fffffff), null);
  } finally {
    c.close();
    await server.close();
  }
});
