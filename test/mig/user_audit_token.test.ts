/**
 * MIG's UserAuditToken from the TypeScript client, as the C stub has it (job.defs' look_up2
 * `servercreds`): the call asks for the audit trailer, checks it as MIG's stub does (format 0,
 * room for an audit_token_t, else MIG_TRAILER_ERROR) and returns the replier's token by name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { migCall, type MachMsgCaller } from "../../src/mig/call.js";
import type { Routine } from "../../src/mig/routine.js";
import { bootstrapRoutine } from "../../src/subsystems/bootstrap.js";
import { bootstrapCheckIn } from "../../src/subsystems/bootstrap_user.js";
import { TASK_BOOTSTRAP_PORT } from "../../src/kern/ipc_tt.js";
import { KERN_SUCCESS, MIG_TRAILER_ERROR } from "../../src/abi/kern_return.js";
import { MACH_RCV_TRAILER_AUDIT } from "../../src/abi/message.js";

const lookUp2 = bootstrapRoutine("look_up2") as Routine<unknown>;
const args = { servicename: "com.example.audit", targetpid: 0, instanceid: new Uint8Array(16), flags: 0n };

test("look_up2 from the TypeScript client returns the replier's audit token (the kernel's, all zeros, for launchd's answer)", async () => {
  const kernel = boot({ bootstrap: true });
  const a = actor(kernel);
  const bp = (await a.thread.call("task_get_special_port", a.self, { which_port: TASK_BOOTSTRAP_PORT }))["special_port"] as number;
  assert.equal((await bootstrapCheckIn(a.thread, bp, "com.example.audit")).kr, KERN_SUCCESS);
  const r = await migCall(a.thread, lookUp2, bp, args);
  assert.equal(r.kr, KERN_SUCCESS);
  assert.deepEqual(r["servercreds"], new Uint8Array(32));
  assert.equal(typeof r["serviceport"], "number");
  assertInvariant(kernel);
});

/** A caller whose mach_msg answers look_up2 with a success reply and a trailer of `trailerSize` bytes. */
function replying(trailerSize: number, seen: number[]): MachMsgCaller {
  return {
    memory: null,
    migReplyPort: () => 0x1c03,
    machMsg(buf, option) {
      seen.push(option);
      const { data } = lookUp2.encodeReply({}, { serviceport: { port: null, type: 17 } });
      const v = new DataView(buf.buffer, buf.byteOffset);
      buf.set(data);
      v.setUint32(0, 0x80000012, true);
      v.setUint32(4, data.byteLength, true);
      v.setInt32(20, lookUp2.id + 100, true);
      v.setUint32(28, 0x2203, true);
      const t = data.byteLength;
      v.setUint32(t, 0, true);
      v.setUint32(t + 4, trailerSize, true);
      for (let i = 0; i < 32; i++) buf[t + 20 + i] = 0xa0 + i;
      return 0;
    },
  };
}

test("the client asks for the audit trailer and refuses a reply whose trailer has no room for the token (MIG_TRAILER_ERROR)", async () => {
  const seen: number[] = [];
  const ok = await migCall(replying(52, seen), lookUp2, 0x707, args);
  assert.equal(ok.kr, KERN_SUCCESS);
  assert.deepEqual(ok["servercreds"], Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i));
  assert.equal((seen[0]! >>> 24) & 0xf, MACH_RCV_TRAILER_AUDIT, "MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)");
  assert.equal(seen[0]! >>> 28, 0, "MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0)");
  assert.deepEqual(await migCall(replying(8, seen), lookUp2, 0x707, args), { kr: MIG_TRAILER_ERROR });
  assert.deepEqual(await migCall(replying(31, seen), lookUp2, 0x707, args), { kr: MIG_TRAILER_ERROR });
  // Another routine asks for no trailer elements.
  await migCall(replying(8, seen), bootstrapRoutine("parent") as Routine<unknown>, 0x707).catch(() => undefined);
  assert.equal((seen.at(-1)! >>> 24) & 0xf, 0);
});
