/**
 * The code generated from a routine's description (src/mig/routine_fast.ts) against the
 * interpreter in routine.ts that follows the same description: every generated reply encoder
 * and request decoder gives what the interpreter gives, and the compiled servers (decoder,
 * handler call and encoder in one function, a reply made in its request's IpcKmsg) answer
 * host_get_special_port, host_get_exception_ports, host_set_exception_ports,
 * mach_port_deallocate and mach_port_type byte for byte as the dispatcher's general path does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { actor, assertInvariant, boot, Msg, rpc, type Actor } from "../helpers/kernel.js";
import {
  EXC_MASK_VALID,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSGH_BITS_COMPLEX,
  MACH_PORT_RIGHT_RECEIVE,
  type Kernel,
} from "../../src/index.js";
import { IpcKmsg, KDESC_PORT_RUN, type KDesc } from "../../src/ipc/kmsg.js";
import { IpcPort, type PortRef } from "../../src/ipc/port.js";
import { useCompiledServers, type Routine } from "../../src/mig/routine.js";
import { compileServe } from "../../src/mig/routine_fast.js";
import type { Param } from "../../src/mig/types.js";
import type { KernelCall } from "../../src/kern/kernel.js";

const sendsIn = (p: Param): boolean => p.dir === "in" || p.dir === "inout";
const sendsOut = (p: Param): boolean => p.dir === "out" || p.dir === "inout";

function routines(kernel: Kernel): Routine<KernelCall>[] {
  return [...kernel.registry.routines.values()];
}

/** A value for one out-parameter as a handler may give it (ports from `ports`). */
function outValue(p: Param, ports: IpcPort[]): fc.Arbitrary<unknown> {
  const t = p.type;
  const port = fc.oneof(fc.constant(null), fc.constantFrom(...ports));
  switch (t.kind) {
    case "scalar":
      return t.size === 4 ? fc.oneof(fc.integer({ min: -0x80000000, max: 0xffffffff }), fc.constant(undefined)) : fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n });
    case "bytes":
      return fc.oneof(fc.uint8Array({ minLength: t.size, maxLength: t.size }), fc.constant(undefined));
    case "port":
      return fc.oneof(port, port.map((q) => ({ port: q, type: MACH_MSG_TYPE_PORT_SEND })));
    case "array":
      if (t.elem === 1) return fc.uint8Array({ maxLength: Math.min(t.max, 64) });
      if (t.elem === 4) return fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: Math.min(t.max, 40) });
      return fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: Math.min(t.max, 40) });
    case "portarray":
      return fc.array(port, { maxLength: t.max });
    default:
      return fc.constant(undefined);
  }
}

/** A descriptor list in comparable form (ports by identity, runs with their count). */
function descsOf(descs: KDesc[] | null): unknown[] | null {
  return (
    descs?.map((d) =>
      d.kind === KDESC_PORT_RUN ? { kind: d.kind, off: d.off, type: d.type, count: d.count, ports: d.ports.slice() } : d.kind === 0 ? { kind: 0, off: d.off, type: d.type, port: d.port } : d,
    ) ?? null
  );
}

function assertSameReply(r: Routine<KernelCall>, fast: IpcKmsg, slow: IpcKmsg, what: string): void {
  assert.equal(fast.size, slow.size, `${r.name}: size (${what})`);
  // The first 24 bytes are the header, which copyout writes from the message's fields.
  assert.deepEqual(fast.data.subarray(24, fast.size), slow.data.subarray(24, slow.size), `${r.name}: body (${what})`);
  assert.equal(fast.bits, slow.bits, `${r.name}: bits (${what})`);
  assert.deepEqual(descsOf(fast.descs), descsOf(slow.descs), `${r.name}: descriptors (${what})`);
}

test("every generated reply encoder lays out the interpreter's bytes and descriptors, in a new message or in a served request's", () => {
  const kernel = boot();
  const ports = [0, 1, 2].map(() => new IpcPort(kernel.kernelSpace));
  let checked = 0;
  for (const r of routines(kernel)) {
    const outs = r.params.filter(sendsOut);
    if (!outs.every((p) => ["scalar", "bytes", "port", "array", "portarray"].includes(p.type.kind))) continue;
    checked++;
    const record = fc.record(Object.fromEntries(outs.map((p) => [p.name, outValue(p, ports)])), { requiredKeys: [] });
    fc.assert(
      fc.property(record, fc.boolean(), (out, keep) => {
        const fast = r.encodeReply({}, out);
        const slow = r.encodeReplyInterpreted(out);
        assertSameReply(r, fast, slow, "new message");
        // A served request's IpcKmsg, holding a request's fields and an earlier message's bytes:
        // a buffer of the reply's size, which it keeps, or of another.
        const into = new IpcKmsg(new Uint8Array(keep ? slow.size : r.requestMinSize).fill(0xa5));
        into.ownsSmallData = keep && slow.size <= 64;
        into.bits = MACH_MSGH_BITS_COMPLEX;
        into.descs = [{ kind: 0, off: 28, port: ports[0]!, type: MACH_MSG_TYPE_PORT_SEND }];
        into.senderTaskId = 7;
        const reply = r.encodeReply({}, out, into);
        assert.equal(reply, into);
        assertSameReply(r, reply, r.encodeReplyInterpreted(out), "made in a request");
        assert.equal(reply.senderTaskId, 0);
        assert.equal(reply.remote, null);
        // A request over one of kmsg_buffer's small buffers, with its Uint32Array (IpcKmsg.words):
        // a small reply's constant words are stored through it, with the same bytes.
        if (slow.size <= 64) {
          const buf = new ArrayBuffer(slow.size);
          const withWords = new IpcKmsg(new Uint8Array(buf).fill(0x5a));
          withWords.ownsSmallData = true;
          withWords.words = new Uint32Array(buf);
          const wr = r.encodeReply({}, out, withWords);
          assert.equal(wr, withWords);
          assert.equal(wr.words?.buffer, buf, "the request's words are kept");
          assertSameReply(r, wr, r.encodeReplyInterpreted(out), "made in a request with words");
        }
      }),
      { numRuns: 25 },
    );
  }
  assert.ok(checked > 150, `only ${checked} routines have a generated encoder`);
});

test("every generated request decoder reads what the interpreter reads, refusals included", () => {
  const kernel = boot();
  const ports = [0, 1].map(() => new IpcPort(kernel.kernelSpace));
  let checked = 0;
  for (const r of routines(kernel)) {
    const ins = r.params.filter(sendsIn);
    if (!ins.every((p) => ["scalar", "bytes", "port"].includes(p.type.kind))) continue;
    checked++;
    const nports = ins.filter((p) => p.type.kind === "port").length;
    const size = r.requestMinSize;
    const request = fc.record({
      // Mostly the routine's own size, sometimes another.
      size: fc.oneof({ weight: 4, arbitrary: fc.constant(size) }, { weight: 1, arbitrary: fc.integer({ min: 6, max: size / 4 + 4 }).map((w) => 4 * w) }),
      bytes: fc.uint8Array({ minLength: size + 16, maxLength: size + 16 }),
      complex: fc.oneof({ weight: 4, arbitrary: fc.constant(nports > 0) }, { weight: 1, arbitrary: fc.boolean() }),
      descs: fc.array(
        fc.record({ kind: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }), type: fc.constantFrom(0, 16, 17, 18), port: fc.constantFrom<PortRef>(null, ...ports) }),
        { minLength: nports === 0 ? 0 : nports - 1, maxLength: nports + 1 },
      ),
    });
    fc.assert(
      fc.property(request, (q) => {
        const make = (): IpcKmsg => {
          const k = new IpcKmsg(q.bytes.slice(0, q.size));
          k.bits = q.complex ? MACH_MSGH_BITS_COMPLEX : 0;
          if (q.complex || q.descs.length > 0 && nports > 0) {
            k.descs = q.descs.map((d, i): KDesc =>
              d.kind === 0 ? { kind: 0, off: 28 + 12 * i, port: d.port, type: d.type } : { kind: 1, off: 28 + 12 * i, data: new Uint8Array(0), copy: 0, deallocate: false },
            );
          }
          return k;
        };
        assert.deepEqual(r.decode(make()), r.decodeInterpreted(make()), r.name);
      }),
      { numRuns: 25 },
    );
  }
  assert.ok(checked > 150, `only ${checked} routines have a generated decoder`);
});

test("a compiled server decodes a request the same from its words (IpcKmsg.words) as from its bytes", () => {
  const kernel = boot();
  const ports = [0, 1].map(() => new IpcPort(kernel.kernelSpace));
  let checked = 0;
  for (const r of routines(kernel)) {
    if (r.serveFast() === null) continue;
    const p = r as unknown as { inlineStart: number; simpleSize: number; replyBaseSize: number; replyComplex: boolean; replyNdr: boolean };
    let seen: unknown = null;
    // The routine's server with a handler that keeps its arguments and refuses (nothing is encoded).
    const serve = compileServe(r.params, p.inlineStart, p.simpleSize, r.checkRequest, { baseSize: p.replyBaseSize, complex: p.replyComplex, ndr: p.replyNdr }, (_ctx, args) => {
      seen = args;
      return 5;
    });
    if (serve === null) continue;
    checked++;
    const nports = r.params.filter((q) => sendsIn(q) && q.type.kind === "port").length;
    const size = r.requestMinSize;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: size, maxLength: size }), fc.constantFrom<PortRef>(null, ...ports), (bytes, port) => {
        const make = (words: boolean): IpcKmsg => {
          const buf = new ArrayBuffer(size);
          const k = new IpcKmsg(new Uint8Array(buf));
          k.data.set(bytes);
          k.size = size;
          if (words) {
            k.ownsSmallData = true;
            k.words = new Uint32Array(buf);
          }
          if (nports > 0) {
            k.bits = MACH_MSGH_BITS_COMPLEX;
            k.descs = r.params
              .filter((q) => sendsIn(q) && q.type.kind === "port")
              .map((q, i): KDesc => ({ kind: 0, off: 28 + 12 * i, port, type: q.type.kind === "port" && q.type.carried >= 0 ? q.type.carried : MACH_MSG_TYPE_PORT_SEND }));
          }
          return k;
        };
        const hooks = { context: (): unknown => null };
        seen = null;
        const a = serve(hooks, ports[0]!, make(false));
        const fromBytes = seen;
        seen = null;
        const b = serve(hooks, ports[0]!, make(true));
        assert.equal(a, b, r.name);
        assert.notEqual(fromBytes, null, `${r.name}: the handler was called`);
        assert.deepEqual(seen, fromBytes, r.name);
      }),
      { numRuns: 10 },
    );
  }
  assert.ok(checked > 100, `only ${checked} routines have a compiled server`);
});

/** One RPC of the sequences below. */
type Op =
  | { kind: "gsp"; node: number; which: number }
  | { kind: "gep"; mask: number }
  | { kind: "sep"; mask: number; handler: number; behavior: number; flavor: number }
  | { kind: "dealloc"; pick: number }
  | { kind: "type"; pick: number };

interface World {
  kernel: Kernel;
  root: Actor;
  priv: number;
  /** Receive rights made for handlers, and names seen in replies. */
  handlers: number[];
  names: number[];
}

async function world(): Promise<World> {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const handlers: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await root.thread.call("mach_port_allocate", root.self, { right: MACH_PORT_RIGHT_RECEIVE });
    assert.equal(r.kr, KERN_SUCCESS);
    handlers.push(r["name"] as number);
  }
  return { kernel, root, priv: root.thread.hostSelfTrap(), handlers, names: [] };
}

/** Run `op` in `w`: the received reply, msgh_size and trailer included. */
function run(w: World, op: Op): Uint8Array {
  const m = new Msg(1024);
  const { root, priv } = w;
  // A name from the replies so far, or one that names nothing (never the task's own, which the requests go to).
  const pick = (i: number): number => (w.names.length === 0 || i % 5 === 4 ? 0x1234 + i : w.names[i % w.names.length]!);
  let size: number;
  switch (op.kind) {
    case "gsp":
      size = 40;
      m.header({ bits: 0x1513, size, remote: priv, local: root.reply, id: 412 }).ndr(24).i32(32, op.node).i32(36, op.which);
      break;
    case "gep":
      size = 36;
      m.header({ bits: 0x1513, size, remote: priv, local: root.reply, id: 415 }).ndr(24).u32(32, op.mask);
      break;
    case "sep":
      size = 60;
      m.header({ bits: 0x1513 | MACH_MSGH_BITS_COMPLEX, size, remote: priv, local: root.reply, id: 414 })
        .u32(24, 1)
        .portDesc(28, op.handler < w.handlers.length ? w.handlers[op.handler]! : 0, MACH_MSG_TYPE_MAKE_SEND)
        .ndr(40)
        .u32(48, op.mask)
        .u32(52, op.behavior)
        .u32(56, op.flavor);
      break;
    case "dealloc":
      size = 36;
      m.header({ bits: 0x1513, size, remote: root.self, local: root.reply, id: 3206 }).ndr(24).u32(32, pick(op.pick));
      break;
    case "type":
      size = 36;
      m.header({ bits: 0x1513, size, remote: root.self, local: root.reply, id: 3201 }).ndr(24).u32(32, pick(op.pick));
      break;
  }
  assert.equal(rpc(root.thread, m, size, root.reply), 0);
  const got = m.get(4);
  const reply = m.buf.slice(0, got + m.get(got + 4));
  // The names a reply carries (a special port, exception handlers) are deallocated by later ops.
  // The requests' own destinations (the host priv port can come back as a special port) stay.
  const keep = (name: number): void => {
    if (name !== 0 && name !== priv && name !== root.self && name !== root.reply) w.names.push(name);
  };
  if (op.kind === "gsp" && got === 40) keep(m.get(28));
  if (op.kind === "gep" && got > 36) for (let i = 0; i < 32; i++) keep(m.get(28 + 12 * i));
  return reply;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("gsp" as const), node: fc.integer({ min: -2, max: 2 }), which: fc.integer({ min: -2, max: 12 }) }),
  fc.record({ kind: fc.constant("gep" as const), mask: fc.oneof(fc.integer({ min: 0, max: EXC_MASK_VALID }).map((m) => m & EXC_MASK_VALID), fc.integer({ min: 0, max: 0xffffffff })) }),
  fc.record({
    kind: fc.constant("sep" as const),
    mask: fc.integer({ min: 0, max: EXC_MASK_VALID }).map((m) => m & EXC_MASK_VALID),
    handler: fc.integer({ min: 0, max: 3 }),
    behavior: fc.constantFrom(1, 2, 3, 0x80000001, 7),
    flavor: fc.constantFrom(0, 1, 4, 7, 99),
  }),
  fc.record({ kind: fc.constant("dealloc" as const), pick: fc.nat(64) }),
  fc.record({ kind: fc.constant("type" as const), pick: fc.nat(64) }),
);

test("the compiled servers answer as the dispatcher's general path, byte for byte, over any sequence of host and mach_port RPCs", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
      const fast = await world();
      for (const id of [412, 414, 415, 3201, 3206]) assert.notEqual(fast.kernel.registry.routineOf(id)!.serveFast(), null, `${id} has a compiled server`);
      const general = await world();
      try {
        for (const op of ops) {
          useCompiledServers(true);
          const a = run(fast, op);
          useCompiledServers(false);
          const b = run(general, op);
          assert.deepEqual(a, b, JSON.stringify(op));
        }
      } finally {
        useCompiledServers(true);
      }
      assertInvariant(fast.kernel);
      assertInvariant(general.kernel);
    }),
    { numRuns: 60 },
  );
});

test("a reply made in its request's IpcKmsg leaves nothing of the request: the next request on the same thread is unaffected", async () => {
  const w = await world();
  // host_get_special_port's reply is made in its request's kmsg; the deallocate after it, likewise.
  for (let i = 0; i < 3; i++) {
    const r = run(w, { kind: "gsp", node: -1, which: 1 });
    assert.equal(new DataView(r.buffer).getUint32(4, true), 40);
    assert.equal(new DataView(r.buffer).getUint32(24, true), 1, "one descriptor");
    const d = run(w, { kind: "dealloc", pick: w.names.length - 1 });
    assert.equal(new DataView(d.buffer).getInt32(32, true), KERN_SUCCESS);
  }
  // A reply refused at copyout (too small a buffer) is destroyed with the right it carries.
  const m = new Msg(1024);
  m.header({ bits: 0x1513, size: 40, remote: w.priv, local: w.root.reply, id: 412 }).ndr(24).i32(32, -1).i32(36, 1);
  const host = w.kernel.host.special[1] as IpcPort;
  const before = host.srights;
  assert.notEqual(w.root.thread.machMsg(m.buf, 3, 40, 30, w.root.reply, 0, 0), 0);
  assert.equal(host.srights, before);
  assertInvariant(w.kernel);
});
