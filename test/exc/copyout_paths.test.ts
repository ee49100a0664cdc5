/**
 * An exception request (a kernel-built 76-byte message over a pooled buffer without words) copied
 * out into a buffer the handler loops on (word path: the body by one TypedArray.set, the thread and
 * task names as word stores) against one made per receive (byte path): the same bytes and rights
 * each time; and the outcome's attempts, made from the triage's log on first read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sameTaskHandler } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXCEPTION_DEFAULT,
  MACH_EXCEPTION_CODES,
} from "../../src/abi/exception.js";
import { KERN_FAILURE, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import { MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/abi/message.js";
import type { ExceptionOutcome } from "../../src/kern/exception.js";
import { forgetUserWords, userWords } from "../../src/ipc/user_words.js";


/** Raise, receive into `rcv()`'s buffer, reply KERN_SUCCESS: the request's bytes as received (header, body, trailer). */
async function roundTrips(behavior: number, n: number, rcv: () => Uint8Array): Promise<{ bytes: string[]; outcomes: ExceptionOutcome[]; refs: number; kept: boolean }> {
  forgetUserWords();
  const { victim, handler, hp } = await sameTaskHandler(behavior);
  const rep = new Uint8Array(36);
  const rv = new DataView(rep.buffer);
  const bytes: string[] = [];
  const outcomes: ExceptionOutcome[] = [];
  let thread = 0;
  let last: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const outcome = victim.raiseException(EXC_BAD_ACCESS, [1 + i, 0x1000 * i]);
    const hbuf = rcv();
    assert.equal(handler.machMsg(hbuf, MACH_RCV_MSG, 0, 512, hp, 0, 0), 0);
    const hv = new DataView(hbuf.buffer, hbuf.byteOffset);
    const size = hv.getUint32(4, true);
    bytes.push(Buffer.from(hbuf.subarray(0, size + 8)).toString("hex"));
    thread = hv.getUint32(28, true);
    last = hbuf;
    rep.fill(0);
    rv.setUint32(0, 18, true);
    rv.setUint32(4, 36, true);
    rv.setUint32(8, hv.getUint32(8, true), true);
    rv.setUint32(24, 0, true);
    rv.setUint32(28, 1, true);
    rv.setInt32(20, hv.getInt32(20, true) + 100, true);
    rv.setInt32(32, KERN_SUCCESS, true);
    assert.equal(handler.machMsg(rep, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
    outcomes.push(await outcome);
  }
  // Whether the receive buffer was one the word path keeps (before any other trap's buffers).
  const kept = last !== null && userWords(last, 84) !== null;
  // The thread's name's user references, which each request's copyout added one to.
  const refsOf = await handler.call("mach_port_get_refs", handler.taskSelfTrap(), { name: thread, right: 0 });
  return { bytes, outcomes, refs: refsOf["refs"] as number, kept };
}

for (const behavior of [EXCEPTION_DEFAULT, (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0]) {
  test(`exception request copied out through a looped buffer's words equals the byte path's (behavior ${behavior.toString(16)})`, async () => {
    const looped = new Uint8Array(512);
    const words = await roundTrips(behavior, 6, () => looped);
    const fresh = await roundTrips(behavior, 6, () => new Uint8Array(512));
    // A misaligned buffer takes the byte path as well.
    const backing = new Uint8Array(520);
    const odd = await roundTrips(behavior, 6, () => backing.subarray(1, 513));
    assert.deepEqual(words.bytes, fresh.bytes);
    assert.deepEqual(odd.bytes, fresh.bytes);
    assert.equal(words.refs, fresh.refs);
    assert.equal(odd.refs, fresh.refs);
    assert.ok(words.refs >= 6, `thread name refs ${words.refs}`);
    assert.equal(words.kept, true);
    assert.equal(fresh.kept, false);
    assert.equal(odd.kept, false);
    // Each request differs (its codes).
    assert.equal(new Set(words.bytes).size, 6);
    for (const o of [...words.outcomes, ...fresh.outcomes]) {
      assert.equal(o.handledBy, "task");
      assert.equal(o.kr, KERN_SUCCESS);
      assert.deepEqual(o.attempts, [
        { level: "thread", kr: KERN_FAILURE },
        { level: "task", kr: KERN_SUCCESS },
      ]);
    }
  });
}

test("an outcome's attempts are made once from the log, may be replaced, and go into its JSON", async () => {
  const { outcomes } = await roundTrips(EXCEPTION_DEFAULT, 1, () => new Uint8Array(512));
  const o = outcomes[0]!;
  const first = o.attempts;
  assert.equal(o.attempts, first);
  assert.deepEqual(JSON.parse(JSON.stringify(o)).attempts, [
    { level: "thread", kr: KERN_FAILURE },
    { level: "task", kr: KERN_SUCCESS },
  ]);
  o.attempts = [{ level: "host", kr: 5 }];
  assert.deepEqual(o.attempts, [{ level: "host", kr: 5 }]);
});
