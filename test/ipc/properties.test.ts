/**
 * Property: whatever a crowd of tasks does with ports — allocate, pass rights
 * in messages (valid or not), receive (with buffers too small or not),
 * deallocate, destroy, change references, use port sets, request
 * notifications, die — right accounting holds after every single step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { actor, boot, Msg, transfer, type Actor } from "../helpers/kernel.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
  msghBits,
} from "../../src/index.js";
import * as mp from "../../src/ipc/mach_port.js";
import { encodeRequest } from "../../src/mig/user.js";
import { destroyCarriedRight } from "../../src/ipc/right.js";

const DISPOSITIONS = [
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
];

type Op =
  | { k: "alloc"; t: number; right: number }
  | { k: "send"; from: number; to: number; pick: number; disp: number; reply: boolean; ool: boolean }
  | { k: "recv"; t: number; size: number; large: boolean }
  | { k: "dealloc" | "destroy"; t: number; pick: number }
  | { k: "modrefs"; t: number; pick: number; right: number; delta: number }
  | { k: "member"; t: number; pick: number; pick2: number }
  | { k: "notify"; t: number; pick: number; id: number; sync: number }
  | { k: "kill"; t: number }
  | { k: "hdr"; t: number; pick: number; disp: number; rpick: number; rdisp: number; block: boolean }
  | { k: "recvName"; t: number; pick: number; large: boolean }
  | { k: "pset"; t: number; pick: number; pick2: number; insert: boolean }
  | { k: "extract"; from: number; to: number; pick: number; disp: number; name: number }
  | { k: "qlimit"; t: number; pick: number; limit: number };

const T = 4;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("alloc" as const), t: fc.nat(T - 1), right: fc.constantFrom(1, 1, 1, 3, 4) }),
  fc.record({
    k: fc.constant("send" as const),
    from: fc.nat(T - 1),
    to: fc.nat(T - 1),
    pick: fc.nat(40),
    disp: fc.constantFrom(...DISPOSITIONS),
    reply: fc.boolean(),
    ool: fc.boolean(),
  }),
  fc.record({ k: fc.constant("recv" as const), t: fc.nat(T - 1), size: fc.constantFrom(30, 64, 512), large: fc.boolean() }),
  fc.record({ k: fc.constantFrom("dealloc" as const, "destroy" as const), t: fc.nat(T - 1), pick: fc.nat(40) }),
  fc.record({ k: fc.constant("modrefs" as const), t: fc.nat(T - 1), pick: fc.nat(40), right: fc.nat(4), delta: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ k: fc.constant("member" as const), t: fc.nat(T - 1), pick: fc.nat(40), pick2: fc.nat(40) }),
  fc.record({ k: fc.constant("notify" as const), t: fc.nat(T - 1), pick: fc.nat(40), id: fc.constantFrom(69, 70, 72), sync: fc.nat(1) }),
  fc.record({ k: fc.constant("kill" as const), t: fc.nat(T - 1) }),
  fc.record({
    k: fc.constant("hdr" as const),
    t: fc.nat(T - 1),
    pick: fc.nat(40),
    disp: fc.constantFrom(...DISPOSITIONS.slice(1)),
    rpick: fc.nat(40),
    rdisp: fc.constantFrom(0, ...DISPOSITIONS.slice(1)),
    block: fc.boolean(),
  }),
  fc.record({ k: fc.constant("recvName" as const), t: fc.nat(T - 1), pick: fc.nat(40), large: fc.boolean() }),
  fc.record({ k: fc.constant("pset" as const), t: fc.nat(T - 1), pick: fc.nat(40), pick2: fc.nat(40), insert: fc.boolean() }),
  fc.record({
    k: fc.constant("extract" as const),
    from: fc.nat(T - 1),
    to: fc.nat(T - 1),
    pick: fc.nat(40),
    disp: fc.constantFrom(...DISPOSITIONS),
    name: fc.constantFrom(0, 0x10003, 0x10103),
  }),
  fc.record({ k: fc.constant("qlimit" as const), t: fc.nat(T - 1), pick: fc.nat(40), limit: fc.nat(2) }),
);

interface World {
  kernel: ReturnType<typeof boot>;
  actors: Actor[];
  mailbox: number[];
  /** sendTo[i][j]: i's send right to j's mailbox. */
  sendTo: number[][];
}

function world(): World {
  const kernel = boot({ cpus: 1 });
  const actors = Array.from({ length: T }, () => actor(kernel));
  const mailbox = actors.map((a) => mp.machPortAllocate(a.task.space, 1).name!);
  const sendTo = actors.map((a) => actors.map((b, j) => transfer(b, mailbox[j]!, MACH_MSG_TYPE_MAKE_SEND, a)));
  return { kernel, actors, mailbox, sendTo };
}

/** Outcome counts, to show the run exercised both success and failure paths. */
const outcomes = new Map<string, number>();
const tally = (k: string): void => void outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

function names(a: Actor): number[] {
  return [...a.task.space.entries()].map(([n]) => n);
}
const pickName = (a: Actor, i: number): number => {
  const ns = names(a);
  return i < ns.length ? ns[i]! : i === 40 ? 0x9903 : ns[i % Math.max(1, ns.length)] ?? 0;
};

function step(w: World, o: Op): void {
  switch (o.k) {
    case "alloc":
      mp.machPortAllocate(w.actors[o.t]!.task.space, o.right);
      return;
    case "send": {
      const a = w.actors[o.from]!;
      const name = pickName(a, o.pick);
      const dest = w.sendTo[o.from]![o.to]!;
      const m = new Msg(256);
      const reply = o.reply ? w.mailbox[o.from]! : 0;
      const size = o.ool ? 56 : 40;
      m.header({ bits: (msghBits(MACH_MSG_TYPE_COPY_SEND, o.reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0) | 0x80000000) >>> 0, size, remote: dest, local: reply, id: 500 });
      m.u32(24, o.ool ? 2 : 1).portDesc(28, name, o.disp);
      if (o.ool) {
        const arr = new Uint8Array(4);
        new DataView(arr.buffer).setUint32(0, pickName(a, o.pick + 1), true);
        const addr = a.task.vm.allocate(arr);
        m.u64(40, addr).u32(52, 1);
        m.buf[48] = 1;
        m.buf[50] = o.disp === MACH_MSG_TYPE_MOVE_RECEIVE ? MACH_MSG_TYPE_COPY_SEND : o.disp;
        m.buf[51] = 2;
      }
      const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, 0, 0, 0);
      assert.equal(typeof r, "number");
      tally(`send ${(r as number).toString(16)}`);
      return;
    }
    case "recv": {
      const a = w.actors[o.t]!;
      const m = new Msg(512);
      const r = a.thread.machMsg(m.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | (o.large ? MACH_RCV_LARGE : 0), 0, o.size, w.mailbox[o.t]!, 0, 0);
      assert.equal(typeof r, "number");
      tally(`recv ${(r as number).toString(16)}`);
      return;
    }
    case "dealloc":
      mp.machPortDeallocate(w.actors[o.t]!.task.space, pickName(w.actors[o.t]!, o.pick));
      return;
    case "destroy": {
      const a = w.actors[o.t]!;
      const n = pickName(a, o.pick);
      // Keep the mailboxes (the scaffolding) alive; everything else may go.
      if (n !== w.mailbox[o.t]) mp.machPortDestroy(a.task.space, n);
      return;
    }
    case "modrefs": {
      const a = w.actors[o.t]!;
      const n = pickName(a, o.pick);
      if (n === w.mailbox[o.t] && o.right === 1) return;
      mp.machPortModRefs(a.task.space, n, o.right, o.delta);
      return;
    }
    case "member": {
      const a = w.actors[o.t]!;
      mp.machPortMoveMember(a.task.space, pickName(a, o.pick), pickName(a, o.pick2));
      return;
    }
    case "notify": {
      const a = w.actors[o.t]!;
      // mach_port_request_notification as a synchronous raw RPC on the actor's reply port.
      const routine = w.kernel.registry.routines.get(3213)!;
      const req = encodeRequest(routine as never, a.self, a.reply, {
        name: pickName(a, o.pick),
        msgid: o.id,
        sync: o.sync,
        notify: { name: w.mailbox[o.t]!, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE },
      }, null);
      const buf = new Uint8Array(256);
      buf.set(req);
      const r = a.thread.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, req.length, 256, a.reply, 0, 0);
      assert.equal(typeof r, "number");
      // A previous request's send-once right comes back in the reply; give it up again.
      if (r === 0 && (buf[3]! & 0x80) !== 0) mp.machPortDeallocate(a.task.space, new DataView(buf.buffer).getUint32(28, true));
      return;
    }
    case "kill":
      // Task 0 stays, so there is always someone left to receive.
      if (o.t !== 0) w.actors[o.t]!.task.terminate();
      return;
    case "hdr": {
      // A simple message to any name with any header dispositions (destination and reply may be one name).
      const a = w.actors[o.t]!;
      const dest = pickName(a, o.pick);
      const reply = o.rdisp === 0 ? 0 : o.rpick === 40 ? dest : pickName(a, o.rpick);
      const m = new Msg(64);
      m.header({ bits: msghBits(o.disp, o.rdisp), size: 24, remote: dest, local: reply, id: 600 });
      // Without MACH_SEND_TIMEOUT a full queue makes the sender wait; the waiting message stays counted.
      const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | (o.block ? 0 : MACH_SEND_TIMEOUT), 24, 0, 0, 0, 0);
      tally(typeof r === "number" ? `hdr ${r.toString(16)}` : "hdr blocked");
      return;
    }
    case "recvName": {
      const a = w.actors[o.t]!;
      const m = new Msg(512);
      const r = a.thread.machMsg(m.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | (o.large ? MACH_RCV_LARGE : 0), 0, o.large ? 40 : 512, pickName(a, o.pick), 0, 0);
      assert.equal(typeof r, "number");
      tally(`recvName ${(r as number).toString(16)}`);
      return;
    }
    case "pset": {
      const a = w.actors[o.t]!;
      const f = o.insert ? mp.machPortInsertMember : mp.machPortExtractMember;
      f(a.task.space, pickName(a, o.pick), pickName(a, o.pick2));
      return;
    }
    case "extract": {
      // mach_port_extract_right in one task, mach_port_insert_right of the result into another.
      const from = w.actors[o.from]!;
      const to = w.actors[o.to]!;
      const n = pickName(from, o.pick);
      if (n === w.mailbox[o.from] && o.disp === MACH_MSG_TYPE_MOVE_RECEIVE) return;
      const r = mp.machPortExtractRight(from.task.space, n, o.disp);
      if (r.kr !== 0) return;
      const target = o.name === 0 ? pickName(to, o.pick) : o.name;
      const kr = mp.machPortInsertRight(to.task.space, target, r.port!, r.type!);
      tally(`insert ${kr}`);
      if (kr !== 0) destroyCarriedRight(r.port!, r.type!);
      return;
    }
    case "qlimit": {
      const a = w.actors[o.t]!;
      mp.machPortSetAttributes(a.task.space, pickName(a, o.pick), 1, [o.limit]);
      return;
    }
  }
}

test("right accounting holds after every step of random multi-task IPC (fast-check)", () => {
  let steps = 0;
  fc.assert(
    fc.property(fc.array(op, { minLength: 40, maxLength: 200 }), (ops) => {
      const w = world();
      for (const o of ops) {
        if (process.env.PROP_TRACE) process.stderr.write(JSON.stringify(o) + "\n");
        step(w, o);
        steps++;
        const problems = w.kernel.findViolations();
        if (problems.length > 0) {
          const msg = `after ${JSON.stringify(o)}: ${problems.join("; ")}`;
          // fast-check reports the shrunk counterexample, not this message: PROP_DEBUG=1 prints it.
          if (process.env.PROP_DEBUG) console.error(msg);
          throw new Error(msg);
        }
      }
      for (const a of w.actors) a.task.terminate();
      assert.deepEqual(w.kernel.findViolations(), []);
    }),
    { seed: 20261124, numRuns: 2500 },
  );
  assert.ok(steps > 100000, `ran ${steps} steps`);
  // Both successful and refused sends and receives happened.
  for (const k of ["send 0", "send 1000000a", "recv 0", "recv 10004003"]) assert.ok((outcomes.get(k) ?? 0) > 50, `${k}: ${outcomes.get(k) ?? 0}`);
  if (process.env.PROP_TRACE || process.env.PROP_DEBUG) console.log(steps, Object.fromEntries(outcomes));
});
