/**
 * libmachipc's generated C stubs against the TypeScript client, routine by
 * routine: the same arguments give the same request bytes, and the kernel's
 * reply (as the kernel answers that request), a success reply laid out by the
 * kernel's own reply encoder, and a mig_reply_error_t decode into the same
 * values; an error reply leaves every out-parameter untouched. The C side is
 * one harness program (c_harness.ts) built once for all routines.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actor, boot, type Actor } from "../helpers/kernel.js";
import { cUserSubsystems } from "../../src/subsystems/c_api.js";
import { cStubName } from "../../src/mig/c_files.js";
import type { Routine } from "../../src/mig/routine.js";
import { decodeReply, encodeRequest, type UserArgs, type UserPort } from "../../src/mig/user.js";
import { isPoly } from "../../src/mig/c_proto.js";
import { hasOolCount, type Param } from "../../src/mig/types.js";
import { HARNESS_AUDIT, HARNESS_REPLY_PORT, In, parseResult, renderHarness, SENTINEL, type CResult } from "./c_harness.js";
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE, MACH_PORT_RIGHT_RECEIVE, MACH_RCV_MSG, MACH_SEND_MSG } from "../../src/index.js";

const routines = cUserSubsystems.flatMap((s) => s.routines.filter((r) => cStubName(s, r) !== null));
let harness = "";

before(() => {
  const dir = mkdtempSync(join(tmpdir(), "machipc-c-stubs-"));
  writeFileSync(join(dir, "harness.c"), renderHarness(cUserSubsystems));
  const gen = readdirSync("native/src/gen")
    .filter((f) => f.endsWith("_user.c"))
    .map((f) => join("native/src/gen", f));
  harness = join(dir, "harness");
  execFileSync(process.env.CC || "cc", ["-std=c11", "-w", "-Inative/include", "-o", harness, join(dir, "harness.c"), ...gen, "native/src/mig_reply_port.c"]);
});

/** A small deterministic generator, seeded per routine. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s;
  };
}

/** The names a scenario uses, made in the kernel before the call. */
interface World {
  a: Actor;
  priv: number;
  recv: number;
  recv2: number;
  thread: number;
  pset: number;
  psetName: number;
  processor: number;
  clock: number;
  security: number;
}

async function world(): Promise<World> {
  const kernel = boot();
  const a = actor(kernel, { uid: 0, gid: 0 });
  const priv = a.thread.hostSelfTrap();
  const call = async (id: string, target: number, args: UserArgs = {}) => {
    const r = await a.thread.callUntyped(id, target, args);
    return r;
  };
  const recv = (await call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  await call("mach_port_insert_right", a.self, { name: recv, poly: { name: recv, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  const recv2 = (await call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const thread = (await call("thread_create", a.self))["child_act"] as number;
  const psetName = (await call("processor_set_default", priv))["default_set"] as number;
  const pset = (await call("host_processor_set_priv", priv, { set_name: psetName }))["set"] as number;
  const processor = ((await call("host_processors", priv))["out_processor_list"] as number[])[0]!;
  const clock = (await call("host_get_clock_service", priv, { clock_id: 0 }))["clock_serv"] as number;
  const sec = await call("host_get_special_port", priv, { node: -1, which: 0 });
  return { a, priv, recv, recv2, thread, pset, psetName, processor, clock, security: (sec["port"] as number) || priv };
}

function targetName(w: World, p: Param): number {
  switch (p.type.c) {
    case "host_t":
    case "host_priv_t":
      return w.priv;
    case "host_security_t":
      return w.security;
    case "processor_t":
      return w.processor;
    case "processor_set_t":
      return w.pset;
    case "processor_set_name_t":
      return w.psetName;
    case "thread_act_t":
      return w.thread;
    case "clock_serv_t":
      return w.clock;
    case "mach_port_t":
      return w.recv;
    default:
      return w.a.self;
  }
}

/** Arguments for one call: plausible names where the kernel checks them, varied values elsewhere. */
function argsFor(r: Routine<unknown>, w: World): UserArgs {
  const next = rng(r.id);
  const args: UserArgs = {};
  for (const p of r.params) {
    const t = p.type;
    if (p.dir === "out") {
      if (p.countInOut && t.kind === "array") args[`${p.name}Cnt`] = t.max;
      continue;
    }
    switch (t.kind) {
      case "scalar": {
        const named: Record<string, number> = { right: MACH_PORT_RIGHT_RECEIVE, flavor: 1, which: 1, which_port: 1, node: -1, clock_id: 0 };
        const n = p.name in named ? named[p.name]! : /name|member|after|pset/.test(p.name) ? w.recv : next() % 64;
        args[p.name] = t.size === 8 ? BigInt(n) * 0x100000001n : t.signed ? n | 0 : n >>> 0;
        break;
      }
      case "bytes":
        // A c_string[n] takes a string (mig_strncpy'd in); a longer one than fits is cut, so try one.
        args[p.name] = t.cstring ? `com.example.${r.name}.`.padEnd(t.size + 5, "x") : Uint8Array.from({ length: t.size }, () => next() & 0xff);
        break;
      case "port": {
        const c = t.c ?? "";
        const name = c === "task_t" || c === "vm_map_t" ? w.a.self : c === "thread_act_t" ? w.thread : c === "host_t" ? w.priv : c === "processor_set_name_t" ? w.psetName : c === "processor_set_t" ? w.pset : w.recv;
        const disposition = t.carried === 18 ? MACH_MSG_TYPE_MAKE_SEND_ONCE : t.carried === 16 ? MACH_MSG_TYPE_MOVE_RECEIVE : isPoly(p) ? MACH_MSG_TYPE_MAKE_SEND : undefined;
        args[p.name] = p.dir === "inout" ? 0 : disposition === undefined ? name : ({ name: t.carried === 16 ? w.recv2 : name, disposition } satisfies UserPort);
        break;
      }
      case "array": {
        const n = 1 + (next() % Math.min(t.max, 6));
        if (t.elem === 1) args[p.name] = Uint8Array.from({ length: n }, () => next() & 0xff);
        else if (t.elem === 4) args[p.name] = Array.from({ length: n }, () => next() | 0);
        else args[p.name] = Array.from({ length: n }, () => BigInt.asIntN(64, BigInt(next()) << 20n));
        break;
      }
      case "ool":
        args[p.name] = t.fixed !== undefined ? new Uint8Array(t.fixed) : Uint8Array.from({ length: t.elem * (1 + (next() % 4)) }, () => next() & 0xff);
        break;
      case "oolports":
        args[p.name] = [w.recv];
        break;
      default:
        throw new Error(`no argument for ${t.kind}`);
    }
  }
  return args;
}

/** A little-endian byte writer. */
class Out {
  private parts: number[] = [];
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.parts.push(...b);
    return this;
  }
  u64(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.parts.push(...b);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(...b);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const portName = (v: unknown): number => (typeof v === "number" ? v : ((v as UserPort | undefined)?.name ?? 0));
const portDisp = (v: unknown, p: Param): number =>
  typeof v === "object" && v ? (v as UserPort).disposition : p.type.kind === "port" && p.type.carried === 18 ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 19;

/** The harness's argument bytes for the C call with these arguments. */
function cArgs(r: Routine<unknown>, target: number, args: UserArgs): Uint8Array {
  const o = new Out().u32(routines.indexOf(r)).u32(target);
  // The TypeScript client sends a polymorphic request port as COPY_SEND: the C call is given the same.
  if (r.target && isPoly(r.target)) o.u32(MACH_MSG_TYPE_COPY_SEND);
  for (const p of r.params) {
    const t = p.type;
    const v = args[p.name];
    if (p.dir === "out") {
      if ((t.kind === "array" || t.kind === "portarray") && !p.sameCount) o.u32(p.countInOut ? Number(args[`${p.name}Cnt`] ?? t.max) : t.max);
      continue;
    }
    switch (t.kind) {
      case "scalar":
        if (t.size === 4) o.u32(Number(v ?? 0));
        else o.u64(BigInt((v as bigint | number | undefined) ?? 0));
        break;
      case "bytes":
        o.bytes(typeof v === "string" ? new TextEncoder().encode(v.padEnd(t.size, "\0").slice(0, t.size)) : ((v as Uint8Array | undefined) ?? new Uint8Array(t.size)));
        break;
      case "port":
        o.u32(portName(v));
        if (isPoly(p)) o.u32(portDisp(v, p));
        break;
      case "array": {
        const list = (v as ArrayLike<number | bigint>) ?? [];
        o.u32(list.length);
        if (t.elem === 1) o.bytes(list as Uint8Array);
        else for (const x of Array.from(list)) t.elem === 4 ? o.u32(Number(x)) : o.u64(BigInt(x));
        break;
      }
      case "ool": {
        const data = (v as Uint8Array | undefined) ?? new Uint8Array(0);
        if (hasOolCount(p)) o.u32(data.byteLength / t.elem);
        o.bytes(data);
        break;
      }
      case "oolports": {
        const names = ((v as unknown[]) ?? []).map(portName);
        o.u32(names.length);
        for (const n of names) o.u32(n);
        break;
      }
      default:
        throw new Error(`no C argument for ${t.kind}`);
    }
  }
  return o.done();
}

/** A reply for the harness to hand back: its bytes and the data of its out-of-line descriptors. */
interface Replay {
  bytes: Uint8Array;
  regions: Uint8Array[];
}
const replayBytes = (x: Replay): Uint8Array => {
  const o = new Out().u32(x.bytes.byteLength).bytes(x.bytes).u32(x.regions.length);
  for (const r of x.regions) o.u32(r.byteLength).bytes(r);
  return o.done();
};

/** The OOL regions a reply's descriptors point to, read from the caller's memory. */
function regionsOf(buf: Uint8Array, read: (addr: bigint, n: number) => Uint8Array | null): Uint8Array[] {
  const v = new DataView(buf.buffer, buf.byteOffset);
  if (!(v.getUint32(0, true) & 0x80000000)) return [];
  const out: Uint8Array[] = [];
  let off = 28;
  for (let i = 0; i < v.getUint32(24, true); i++) {
    const type = buf[off + 11]!;
    if (type === 1 || type === 2 || type === 3) {
      const n = v.getUint32(off + 12, true) * (type === 2 ? 4 : 1);
      out.push(n ? (read(v.getBigUint64(off, true), n) ?? new Uint8Array(n)).slice() : new Uint8Array(0));
      off += 16;
    } else off += 12;
  }
  return out;
}

const u32 = (b: Uint8Array, i = 0): number => new DataView(b.buffer, b.byteOffset).getUint32(i, true);

/** What the C stub returned, in the TypeScript client's terms (decodeReply's names and types). */
function asUserResult(r: Routine<unknown>, c: CResult): Record<string, unknown> {
  const out: Record<string, unknown> = { kr: c.kr };
  let lastCount = 0;
  for (const p of r.params) {
    const t = p.type;
    const n = p.name;
    if (p.dir === "in") continue;
    const b = c.outs.get(n) ?? new Uint8Array(0);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    switch (t.kind) {
      case "scalar":
        out[n] = t.size === 4 ? (t.signed ? dv.getInt32(0, true) : dv.getUint32(0, true)) : t.signed ? dv.getBigInt64(0, true) : dv.getBigUint64(0, true);
        break;
      case "bytes":
        out[n] = b;
        break;
      case "port":
        out[n] = u32(b);
        break;
      case "array": {
        const cnt = p.sameCount ? lastCount : u32(c.outs.get(`${n}Cnt`)!);
        if (!p.sameCount) {
          lastCount = cnt;
          out[`${n}Cnt`] = cnt;
        }
        if (t.elem === 1) out[n] = b.slice(0, cnt);
        else out[n] = Array.from({ length: cnt }, (_, i) => (t.elem === 4 ? dv.getInt32(4 * i, true) : dv.getBigInt64(8 * i, true)));
        break;
      }
      case "portarray":
        out[n] = Array.from({ length: lastCount }, (_, i) => dv.getUint32(4 * i, true));
        break;
      case "cstring": {
        const end = b.indexOf(0);
        out[n] = new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
        break;
      }
      case "ool":
        out[n] = c.present.get(n) ? c.outs.get(n)! : new Uint8Array(0);
        if (hasOolCount(p)) out[`${n}Cnt`] = u32(c.outs.get(`${n}Cnt`)!);
        break;
      case "oolports": {
        const d = c.present.get(n) ? c.outs.get(n)! : new Uint8Array(0);
        out[n] = Array.from({ length: d.byteLength / 4 }, (_, i) => u32(d, 4 * i));
        out[`${n}Cnt`] = u32(c.outs.get(`${n}Cnt`)!);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** The TypeScript client's result, keeping only what a C caller sees. */
function tsView(r: Routine<unknown>, ts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { kr: ts["kr"] };
  for (const p of r.params) {
    if (p.dir === "in") continue;
    const t = p.type;
    out[p.name] = ts[p.name];
    if (t.kind === "array" && !p.sameCount) out[`${p.name}Cnt`] = ts[`${p.name}Cnt`];
    if ((t.kind === "ool" || t.kind === "oolports") && hasOolCount(p)) out[`${p.name}Cnt`] = ts[`${p.name}Cnt`];
    if (t.kind === "ool" && out[p.name] instanceof Uint8Array) out[p.name] = Uint8Array.from(out[p.name] as Uint8Array);
  }
  return out;
}

/** A success reply laid out by the kernel's reply encoder, for made-up out values. */
function encodedSuccess(r: Routine<unknown>, w: World): Replay | null {
  if (!r.params.some((p) => p.dir !== "in")) return null;
  const next = rng(r.id * 7 + 1);
  const outs: Record<string, unknown> = {};
  let count = 0;
  for (const p of r.params) {
    const t = p.type;
    if (p.dir === "in") continue;
    switch (t.kind) {
      case "scalar":
        outs[p.name] = t.size === 8 ? BigInt(next()) << 3n : next();
        break;
      case "bytes":
        outs[p.name] = Uint8Array.from({ length: t.size }, () => next() & 0xff);
        break;
      case "port":
        outs[p.name] = { port: null, type: t.outName >= 0 ? t.outName : 17 };
        break;
      case "array": {
        if (!p.sameCount) count = 1 + (next() % Math.min(t.max, 5));
        outs[p.name] = t.elem === 1 ? Uint8Array.from({ length: count }, () => next() & 0xff) : Array.from({ length: count }, () => (t.elem === 4 ? next() : BigInt(next())));
        break;
      }
      case "portarray":
        outs[p.name] = Array.from({ length: count }, () => null);
        break;
      case "cstring":
        outs[p.name] = `machipc ${r.name}`;
        break;
      case "ool":
        outs[p.name] = Uint8Array.from({ length: t.elem * (1 + (next() % 3)) }, () => next() & 0xff);
        break;
      case "oolports":
        outs[p.name] = [null, null];
        break;
      default:
        break;
    }
  }
  return encodeOuts(r, outs, w);
}

/** A success reply with these out values, as the kernel's reply encoder lays it out, ports and OOL data placed. */
function encodeOuts(r: Routine<unknown>, outs: Record<string, unknown>, w: World): Replay {
  const { data, descs, complex } = r.encodeReply({}, outs);
  const v = new DataView(data.buffer, data.byteOffset);
  v.setUint32(0, (0x12 | (complex ? 0x80000000 : 0)) >>> 0, true);
  v.setUint32(4, data.byteLength, true);
  v.setInt32(20, r.id + 100, true);
  const regions: Uint8Array[] = [];
  let name = 0x2003;
  for (const d of descs ?? []) {
    if (d.kind === 0) v.setUint32(d.off, (name += 0x100), true);
    else if (d.kind === 1) {
      regions.push(d.data.slice());
      v.setBigUint64(d.off, w.a.task.vm.allocate(d.data), true);
    } else if (d.kind === 2) {
      const names = new Uint8Array(d.ports.length * 4);
      d.ports.forEach((_, i) => new DataView(names.buffer).setUint32(4 * i, (name += 0x100), true));
      regions.push(names);
      v.setBigUint64(d.off, w.a.task.vm.allocate(names), true);
    }
  }
  const withTrailer = new Uint8Array(data.byteLength + 8);
  withTrailer.set(data);
  new DataView(withTrailer.buffer).setUint32(data.byteLength + 4, 8, true);
  return { bytes: withTrailer, regions };
}

function errorReply(r: Routine<unknown>, kr: number): Replay {
  const b = new Uint8Array(44);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x12, true);
  v.setUint32(4, 36, true);
  v.setInt32(20, r.id + 100, true);
  b.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  v.setInt32(32, kr, true);
  v.setUint32(40, 8, true);
  return { bytes: b, regions: [] };
}

interface Case {
  r: Routine<unknown>;
  kind: string;
  args: UserArgs;
  target: number;
  replay: Replay;
  /** The TypeScript client's reading of the same reply. */
  expect: Record<string, unknown>;
}

async function casesFor(r: Routine<unknown>): Promise<{ cases: Case[]; tsRequest: Uint8Array }> {
  const w = await world();
  const target = targetName(w, r.target!);
  const args = argsFor(r, w);
  const tsRequest = encodeRequest(r, target, HARNESS_REPLY_PORT, args, null);
  const cases: Case[] = [];
  // The kernel's own answer to this request (the exception routines are served by handlers, not the kernel;
  // a simpleroutine has no answer to wait for).
  if ((r.id < 2400 || r.id >= 2500) && !r.simple) {
    const req = encodeRequest(r, target, w.a.reply, args, w.a.task.vm);
    const buf = new Uint8Array(16384);
    buf.set(req);
    const mr = await w.a.thread.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, req.byteLength, buf.byteLength, w.a.reply, 0, 0);
    // task_terminate on the caller's own task leaves no one to receive the reply.
    if (mr === 0) {
      const size = u32(buf, 4) + u32(buf, u32(buf, 4) + 4);
      const bytes = buf.slice(0, size);
      const regions = regionsOf(bytes, (a, n) => w.a.task.vm.read(a, n));
      const expect = tsView(r, decodeReply(r, bytes, w.a.task.vm));
      cases.push({ r, kind: "kernel reply", args, target, replay: { bytes, regions }, expect });
    }
  }
  const err = errorReply(r, KERN_INVALID_ARGUMENT);
  // A simpleroutine's stub only sends: its request is the whole case (the replay is never read).
  if (r.simple) return { cases: [{ r, kind: "sent", args, target, replay: err, expect: { kr: 0 } }], tsRequest };
  const ok = encodedSuccess(r, w);
  if (ok) cases.push({ r, kind: "encoded success", args, target, replay: ok, expect: tsView(r, decodeReply(r, ok.bytes, w.a.task.vm)) });
  cases.push({ r, kind: "mig_reply_error_t", args, target, replay: err, expect: tsView(r, decodeReply(r, err.bytes, null)) });
  return { cases, tsRequest };
}

function runHarness(cases: Case[]): CResult[] {
  const input = cases.flatMap((c) => [cArgs(c.r, c.target, c.args), replayBytes(c.replay)]);
  const all = new Uint8Array(input.reduce((n, b) => n + b.byteLength, 0));
  let off = 0;
  for (const b of input) {
    all.set(b, off);
    off += b.byteLength;
  }
  const out = new In(new Uint8Array(execFileSync(harness, { input: all, maxBuffer: 64 << 20 })));
  return cases.map((c) => parseResult(c.r, out));
}

test("every routine: the C stub's request bytes are the TypeScript client's, and both read every reply alike", async () => {
  const all: Case[] = [];
  const requests = new Map<Routine<unknown>, Uint8Array>();
  for (const r of routines) {
    const { cases, tsRequest } = await casesFor(r);
    all.push(...cases);
    requests.set(r, tsRequest);
  }
  const results = runHarness(all);
  let checked = 0;
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!;
    const res = results[i]!;
    const where = `${c.r.name} (${c.r.id}), ${c.kind}`;
    assert.equal(res.id, routines.indexOf(c.r), where);
    assert.deepEqual(res.request, requests.get(c.r), `${where}: request bytes`);
    if (c.kind === "sent") {
      assert.equal(res.kr, KERN_SUCCESS, `${where}: the send's mach_msg_return_t`);
      checked++;
      continue;
    }
    const got = asUserResult(c.r, res);
    if (c.kind === "mig_reply_error_t") {
      assert.equal(res.kr, KERN_INVALID_ARGUMENT, where);
      const inouts = new Set(c.r.params.filter((p) => p.dir === "inout").map((p) => p.name));
      for (const [name, b] of res.outs) {
        if (inouts.has(name) || inouts.has(name.replace(/Cnt$/, ""))) continue;
        if (name.endsWith("Cnt") && !c.r.params.some((p) => p.name === name.slice(0, -3) && (p.type.kind === "ool" || p.type.kind === "oolports")))
          assert.equal(u32(b), Number(c.args[name] ?? (c.r.params.find((p) => p.name === name.slice(0, -3))!.type as { max: number }).max), `${where}: ${name} as given`);
        else assert.ok(b.every((x) => x === SENTINEL), `${where}: ${name} untouched`);
      }
      for (const [name, has] of res.present) assert.ok(!has || c.r.params.find((p) => p.name === name)?.dir === "inout", `${where}: ${name} untouched`);
      checked++;
      continue;
    }
    if (c.expect["kr"] !== 0) assert.equal(res.kr, c.expect["kr"], `${where}: kr`);
    else {
      assert.deepEqual(got, c.expect, where);
      // MIG's UserAuditToken: the stub hands back the audit token of the trailer it asked for.
      const audit = c.r.userAuditToken;
      if (audit) assert.deepEqual(res.outs.get(audit.name), HARNESS_AUDIT, `${where}: ${audit.name}`);
    }
    checked++;
  }
  assert.ok(checked >= 2 * routines.length, `${checked} cases`);
});

test("MIG's reply checks in the C stubs and the TypeScript client: id, server death, complex bit, size, disposition, counts, MIG_ARRAY_TOO_LARGE", async () => {
  const w = await world();
  const byName = (n: string) => routines.find((r) => r.name === n)!;
  const patch = (x: Replay, f: (v: DataView) => void): Replay => {
    const bytes = x.bytes.slice();
    f(new DataView(bytes.buffer));
    return { bytes, regions: x.regions };
  };
  const allocate = byName("mach_port_allocate");
  const allocOk = encodeOuts(allocate, { name: 0x1503 }, w);
  const special = byName("host_get_special_port");
  const specialOk = encodeOuts(special, { port: { port: null, type: 17 } }, w);
  const info = byName("host_info");
  const getExc = byName("host_get_exception_ports");
  const getExcOk = encodeOuts(getExc, { masks: [2, 4], old_handlers: [null, null], old_behaviors: [1, 1], old_flavors: [0, 0] }, w);
  const cases: [Case, number][] = [
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: allocOk, expect: {} }, 0],
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: patch(allocOk, (v) => v.setInt32(20, 3305, true)), expect: {} }, -301],
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: patch(allocOk, (v) => v.setInt32(20, 71, true)), expect: {} }, -308],
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: patch(allocOk, (v) => v.setUint32(0, 0x80000012, true)), expect: {} }, -300],
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: patch(allocOk, (v) => v.setUint32(4, 44, true)), expect: {} }, -300],
    // A 36-byte reply whose RetCode says success is no reply MIG knows.
    [{ r: allocate, kind: "", args: { right: 1 }, target: w.a.self, replay: patch(errorReply(allocate, 0), () => undefined), expect: {} }, -300],
    [{ r: special, kind: "", args: { node: -1, which: 1 }, target: w.priv, replay: specialOk, expect: {} }, 0],
    [{ r: special, kind: "", args: { node: -1, which: 1 }, target: w.priv, replay: patch(specialOk, (v) => v.setUint8(38, 18)), expect: {} }, -300],
    [{ r: special, kind: "", args: { node: -1, which: 1 }, target: w.priv, replay: patch(specialOk, (v) => v.setUint32(24, 2, true)), expect: {} }, -300],
    [{ r: special, kind: "", args: { node: -1, which: 1 }, target: w.priv, replay: patch(errorReply(special, 0), () => undefined), expect: {} }, -300],
    [{ r: getExc, kind: "", args: { exception_mask: 6 }, target: w.priv, replay: getExcOk, expect: {} }, 0],
    [{ r: getExc, kind: "", args: { exception_mask: 6 }, target: w.priv, replay: patch(getExcOk, (v) => v.setUint32(28 + 32 * 12 + 8, 33, true)), expect: {} }, -300],
    [{ r: getExc, kind: "", args: { exception_mask: 6 }, target: w.priv, replay: patch(getExcOk, (v) => v.setUint32(4, v.getUint32(4, true) + 4, true)), expect: {} }, -300],
    // More than the caller has room for (CountInOut): the room is filled, the count tells the rest.
    [{ r: info, kind: "", args: { flavor: 1, host_info_outCnt: 2 }, target: w.priv, replay: encodeOuts(info, { host_info_out: [7, 8, 9, 10, 11] }, w), expect: {} }, -307],
    [{ r: info, kind: "", args: { flavor: 1, host_info_outCnt: 68 }, target: w.priv, replay: patch(encodeOuts(info, { host_info_out: [7] }, w), (v) => v.setUint32(36, 69, true)), expect: {} }, -300],
  ];
  const results = runHarness(cases.map(([c]) => c));
  cases.forEach(([c, kr], i) => {
    assert.equal(results[i]!.kr, kr, `case ${i}: ${c.r.name}`);
    // The TypeScript client applies the same checks; it has no caller's buffer to be too small for.
    if (kr !== -307) assert.equal(decodeReply(c.r, c.replay.bytes, w.a.task.vm).kr, kr, `case ${i}: ${c.r.name} in TypeScript`);
  });
  // The refused replies touched nothing; the one too large filled exactly the caller's two words.
  for (const i of [1, 2, 3, 4, 5]) assert.ok(results[i]!.outs.get("name")!.every((b) => b === SENTINEL));
  const tooLarge = results[13]!;
  assert.equal(u32(tooLarge.outs.get("host_info_outCnt")!), 5);
  const words = tooLarge.outs.get("host_info_out")!;
  assert.deepEqual([u32(words, 0), u32(words, 4)], [7, 8]);
  assert.ok(words.subarray(8).every((b) => b === SENTINEL));
  assert.equal(u32(results[0]!.outs.get("name")!), 0x1503);
});
