/**
 * mach_port_deallocate of a port set's name. xnu-3248's ipc_right_dealloc has no case for
 * MACH_PORT_TYPE_PORT_SET and answers KERN_INVALID_RIGHT (the set stays, with its members);
 * xnu-4570.1.46 added one (radar 21692215), which frees the name and destroys the set as
 * ipc_pset_destroy does, its members leaving it (Kernel.boot({ fixes: { portSetDeallocate: true } })).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { allocate, portType } from "./lib.js";
import { KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_SUCCESS, MACH_PORT_RIGHT_PORT_SET, MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE } from "../../src/index.js";

async function setWithMembers(fixes: { portSetDeallocate?: boolean }) {
  const kernel = boot({ fixes });
  const a = actor(kernel);
  const set = await allocate(a, MACH_PORT_RIGHT_PORT_SET);
  const members = [await allocate(a), await allocate(a)];
  for (const m of members) assert.equal((await a.thread.call("mach_port_move_member", a.self, { member: m, after: set })).kr, KERN_SUCCESS);
  return { kernel, a, set, members };
}

test("xnu-3248 (default): mach_port_deallocate of a port set is KERN_INVALID_RIGHT and the set keeps its members", async () => {
  const { kernel, a, set, members } = await setWithMembers({});
  assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: set })).kr, KERN_INVALID_RIGHT);
  assert.deepEqual(await portType(a, set), { kr: KERN_SUCCESS, type: MACH_PORT_TYPE_PORT_SET });
  const st = await a.thread.call("mach_port_get_set_status", a.self, { name: set });
  assert.equal(st.kr, KERN_SUCCESS);
  if (st.kr === KERN_SUCCESS) {
    const v = new DataView(st.members.buffer, st.members.byteOffset, st.members.byteLength);
    assert.deepEqual(Array.from({ length: st.membersCnt }, (_, i) => v.getUint32(i * 4, true)).sort(), [...members].sort());
  }
  assertInvariant(kernel);
});

test("the fix (xnu-4570's ipc_right_dealloc): the name is freed, the set destroyed, its members are receive rights in no set", async () => {
  const { kernel, a, set, members } = await setWithMembers({ portSetDeallocate: true });
  assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: set })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, set)).kr, KERN_INVALID_NAME);
  for (const m of members) {
    assert.deepEqual(await portType(a, m), { kr: KERN_SUCCESS, type: MACH_PORT_TYPE_RECEIVE });
  }
  assertInvariant(kernel);
});
