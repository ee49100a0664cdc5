/**
 * setuid and its kin (native/src/setid.c, ADMIN_CREDENTIALS): the task's tokens and host port
 * follow the process's credential as set_security_token has them, with the credential read from
 * /proc by the server, never taken from the client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { HOST_PORT, HOST_PRIV_PORT } from "../../src/abi/host.js";
import { startServer } from "../server/helpers.js";
import { runCheckProgram } from "./check_program.js";

const root = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

test("a root C process that drops to nobody: host port, audit tokens and new threads follow", async () => {
  // Run by another user this is setid_user's case, which the next test covers.
  if (!root) return runCheckProgram("setid_user");
  await runCheckProgram("setid", { server: { system: true } });
});

test("an ordinary user's C process: plain host port, and a setuid to itself keeps it so", async () => {
  await runCheckProgram("setid_user", root ? { server: { system: true }, as: NOBODY } : {});
});

test("the Node client's credentialsChanged: the server reads /proc and the task's host port follows", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "creds" });
  try {
    const task = server.kernel.tasks.get(process.pid)!;
    const cred = await c.credentialsChanged();
    assert.deepEqual(cred, { uid: process.geteuid!(), gid: process.getegid!(), ruid: process.getuid!(), rgid: process.getgid!() });
    assert.deepEqual([...task.auditToken.subarray(1, 5)], [cred.uid, cred.gid, cred.ruid, cred.rgid]);
    const want = server.kernel.host.special[cred.uid === 0 ? HOST_PRIV_PORT : HOST_PORT];
    assert.equal(task.ports.itkHost, want);
    assert.equal(task.sugid, false, "an unchanged credential does not mark the process P_SUGID");
  } finally {
    c.close();
    await server.close();
  }
  assert.deepEqual(server.kernel.findViolations(), []);
});
