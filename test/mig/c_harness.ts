/**
 * A C program that calls libmachipc's generated user stubs against a
 * capturing and replaying mach_msg: it reads cases (a routine, its C
 * arguments, the reply to hand back), records the request bytes each stub
 * sends and prints what the stub made of the reply (its return code and every
 * out-parameter). The program is generated from the same routine descriptions
 * as the stubs, so every routine is covered; the tests compare both sides
 * with the TypeScript client.
 *
 * Case:   u32 key (the routine's index in the subsystems' routines) | arguments (per C parameter, below) | u32 reply size | reply bytes | u32 nregions | (u32 n | n bytes)*
 * Result: u32 key | u32 request size | request bytes (OOL addresses zeroed) | u32 nregions | (u32 n | n bytes)* | i32 kr | outs
 */
import { resolve } from "node:path";
import { cParams, cPrototype, isPoly } from "../../src/mig/c_proto.js";
import { cStubName, userHeaderPath, type UserSubsystem } from "../../src/mig/c_files.js";
import type { Routine } from "../../src/mig/routine.js";
import { hasOolCount, type Param } from "../../src/mig/types.js";

/** Every out byte starts as this, so untouched outs can be told from written ones. */
export const SENTINEL = 0xab;

const elemOf = (p: Param): number => {
  const t = p.type;
  return t.kind === "array" ? t.elem : t.kind === "ool" ? t.elem : t.kind === "oolports" || t.kind === "portarray" ? 4 : 1;
};
const maxOf = (p: Param): number => {
  const t = p.type;
  return t.kind === "array" || t.kind === "portarray" || t.kind === "cstring" ? t.max : 0;
};

/** The audit token the capturing mach_msg puts in a trailer that asks for one: bytes 0xa0, 0xa1, ... */
export const HARNESS_AUDIT = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);

function routineCase(s: UserSubsystem, r: Routine<unknown>, key: number): string {
  const L: string[] = [];
  const args: string[] = [];
  const after: string[] = [];
  const v = (p: Param) => `a_${p.name}`;
  const target = r.target!;
  L.push(`mach_port_t a_${target.name} = rd32();`);
  args.push(`a_${target.name}`);
  if (isPoly(target)) {
    // A polymorphic request port (clock_reply_t): MIG's stub takes its disposition next.
    L.push(`mach_msg_type_name_t a_${target.name}Poly = rd32();`);
    args.push(`a_${target.name}Poly`);
  }
  const audit = r.userAuditToken;
  for (const p of r.params) {
    pushParam(p);
    if (audit?.after === p.name) {
      L.push(`unsigned char a_${audit.name}[32]; memset(a_${audit.name}, ${SENTINEL}, 32);`);
      args.push(`(void *)a_${audit.name}`);
      after.push(`wr(a_${audit.name}, 32);`);
    }
  }
  function pushParam(p: Param): void {
    const t = p.type;
    const n = v(p);
    if (p.dir === "in") {
      switch (t.kind) {
        case "scalar":
          L.push(t.size === 4 ? `uint32_t ${n} = rd32();` : `uint64_t ${n} = rd64();`);
          args.push(`(${argType(r, p)})${n}`);
          break;
        case "bytes":
          L.push(`unsigned char ${n}[${t.size}]; rdn(${n}, ${t.size});`);
          args.push(`*(${argType(r, p)} *)(void *)${n}`);
          break;
        case "port":
          L.push(`mach_port_t ${n} = rd32();`);
          args.push(n);
          if (isPoly(p)) {
            L.push(`mach_msg_type_name_t ${n}Poly = rd32();`);
            args.push(`${n}Poly`);
          }
          break;
        case "array":
        case "ool":
        case "oolports": {
          if (t.kind === "ool" && !hasOolCount(p)) {
            L.push(`void *${n} = rdalloc(${t.fixed});`);
            args.push(`(${argType(r, p)})${n}`);
            break;
          }
          L.push(`mach_msg_type_number_t ${n}Cnt = rd32();`, `void *${n} = rdalloc((size_t)${n}Cnt * ${elemOf(p)});`);
          args.push(t.kind === "ool" ? `(${argType(r, p)})(uintptr_t)${n}` : `(${argType(r, p)})${n}`, `${n}Cnt`);
          break;
        }
        default:
          throw new Error(`harness: in ${t.kind}`);
      }
      return;
    }
    if (p.dir === "inout") {
      switch (t.kind) {
        case "scalar":
          L.push(`union { uint64_t u; unsigned char b[8]; } ${n}; ${n}.u = ${t.size === 4 ? "rd32()" : "rd64()"};`);
          args.push(`(void *)${n}.b`);
          after.push(`wr(${n}.b, ${t.size});`);
          break;
        case "bytes":
          L.push(`unsigned char ${n}[${t.size}]; rdn(${n}, ${t.size});`);
          args.push(`(void *)${n}`);
          after.push(`wr(${n}, ${t.size});`);
          break;
        case "port":
          L.push(`mach_port_t ${n} = rd32();`);
          args.push(`&${n}`);
          after.push(`wr32(${n});`);
          break;
        case "ool":
          L.push(
            `mach_msg_type_number_t ${n}Cnt = rd32();`,
            `vm_offset_t ${n} = (vm_offset_t)(uintptr_t)rdalloc((size_t)${n}Cnt * ${t.elem});`,
          );
          args.push(`(void *)&${n}`, `&${n}Cnt`);
          after.push(`wrregion((const void *)(uintptr_t)${n}, (size_t)${n}Cnt * ${t.elem});`, `wr32(${n}Cnt);`);
          break;
        default:
          throw new Error(`harness: inout ${t.kind}`);
      }
      return;
    }
    // out
    switch (t.kind) {
      case "scalar":
      case "bytes": {
        const size = t.size;
        L.push(`unsigned char ${n}[${size}]; memset(${n}, ${SENTINEL}, ${size});`);
        args.push(`(void *)${n}`);
        after.push(`wr(${n}, ${size});`);
        break;
      }
      case "port":
        L.push(`unsigned char ${n}[4]; memset(${n}, ${SENTINEL}, 4);`);
        args.push(`(void *)${n}`);
        after.push(`wr(${n}, 4);`);
        if (isPoly(p)) {
          L.push(`unsigned char ${n}Poly[4]; memset(${n}Poly, ${SENTINEL}, 4);`);
          args.push(`(void *)${n}Poly`);
          after.push(`wr(${n}Poly, 4);`);
        }
        break;
      case "array":
      case "portarray":
      case "cstring": {
        const bytes = maxOf(p) * elemOf(p);
        L.push(`unsigned char ${n}[${bytes}]; memset(${n}, ${SENTINEL}, ${bytes});`);
        args.push(`(void *)${n}`);
        after.push(`wr(${n}, ${bytes});`);
        if (!p.sameCount && t.kind !== "cstring") {
          L.push(`mach_msg_type_number_t ${n}Cnt = rd32();`);
          args.push(`&${n}Cnt`);
          after.push(`wr32(${n}Cnt);`);
        }
        break;
      }
      case "ool":
      case "oolports": {
        L.push(`uint64_t ${n} = 0xabababababababababULL;`, `mach_msg_type_number_t ${n}Cnt = 0xabababab;`);
        args.push(`(void *)&${n}`);
        if (hasOolCount(p)) args.push(`&${n}Cnt`);
        after.push(
          `if (${n} == 0xabababababababababULL) wr32(0); else { wr32(1); wrregion((const void *)(uintptr_t)${n}, (size_t)${n}Cnt * ${elemOf(p)}); }`,
          `wr32(${n}Cnt);`,
        );
        break;
      }
      default:
        throw new Error(`harness: an out ${p.name}`);
    }
  }
  return [
    `  case ${key}: { /* ${cStubName(s, r)} (${r.id}) */`,
    ...L.map((l) => `    ${l}`),
    "    reply_setup();",
    `    kern_return_t kr = ${cStubName(s, r)}(${args.join(", ")});`,
    "    emit_request();",
    "    wr32((uint32_t)kr);",
    ...after.map((l) => `    ${l}`),
    "    break;",
    "  }",
  ].join("\n");
}

/** The C parameter type a description parameter's value is passed as. */
function argType(r: Routine<unknown>, p: Param): string {
  const decl = cParams(r).find((c) => c.name === p.name)!.decl;
  return decl.slice(0, decl.lastIndexOf(p.name)).replace(/^const /, "").trim();
}

export function renderHarness(subsystems: UserSubsystem[]): string {
  const includes = subsystems.map((s) => (s.privateHeader ? `#include "${resolve(userHeaderPath(s))}"` : `#include <${userHeaderPath(s).replace("native/include/", "")}>`)).join("\n");
  // A case is keyed by its routine's place in the subsystems' routines (ids repeat across subsystems: job 400 and host_priv 400).
  // Routines the user side skips have no stub to capture.
  const keyed = subsystems.flatMap((s) => s.routines.filter((r) => cStubName(s, r) !== null).map((r) => [s, r] as const));
  const cases = keyed.map(([s, r], key) => routineCase(s, r, key)).join("\n");
  // Routines libsystem tries as traps first: here every trap says "another task", so the MIG message is what is captured.
  const traps = subsystems
    .flatMap((s) => s.routines.filter((r) => r.trap))
    .map((r) => `${cPrototype(r, `_kernelrpc_${r.name}_trap`)} { return MACH_SEND_INVALID_DEST; }`)
    .join("\n");
  return `/* A capturing and replaying mach_msg around libmachipc's generated user stubs (test/mig/c_harness.ts). */
#include <mach/mach.h>
${includes}
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *in_buf;
static size_t in_len, in_pos;
static void fail(const char *why) { fprintf(stderr, "harness: %s at %zu\\n", why, in_pos); exit(2); }
static void rdn(void *p, size_t n) { if (in_pos + n > in_len) fail("short input"); memcpy(p, in_buf + in_pos, n); in_pos += n; }
static uint32_t rd32(void) { uint32_t v; rdn(&v, 4); return v; }
static uint64_t rd64(void) { uint64_t v; rdn(&v, 8); return v; }
static void *rdalloc(size_t n) { void *p = malloc(n ? n : 1); rdn(p, n); return p; }
static void wr(const void *p, size_t n) { fwrite(p, 1, n, stdout); }
static void wr32(uint32_t v) { wr(&v, 4); }
static void wrregion(const void *p, size_t n) { wr32((uint32_t)n); wr(p, n); }
${traps}

/* The reply this case hands back, with the out-of-line regions its descriptors point to. */
static unsigned char *reply;
static uint32_t reply_size, nregions;
static unsigned char *regions[8];
static uint32_t region_size[8];
static void reply_setup(void) {
  reply_size = rd32();
  reply = rdalloc(reply_size);
  nregions = rd32();
  for (uint32_t i = 0; i < nregions && i < 8; i++) { region_size[i] = rd32(); regions[i] = rdalloc(region_size[i]); }
}

/* The request the stub sent, with its out-of-line addresses zeroed and their bytes following. */
static unsigned char sent[65536];
static uint32_t sent_size;
static const unsigned char *sent_regions[8];
static uint32_t sent_region_size[8], sent_nregions;
static void emit_request(void) {
  wr32(sent_size);
  wr(sent, sent_size);
  wr32(sent_nregions);
  for (uint32_t i = 0; i < sent_nregions; i++) wrregion(sent_regions[i], sent_region_size[i]);
  sent_size = 0;
  sent_nregions = 0;
}

/* Visit the OOL and OOL-ports descriptors of a complex message. */
static void each_ool(unsigned char *m, uint32_t size, void (*fn)(unsigned char *d, uint32_t i)) {
  uint32_t bits, count, i = 0, o = 28, k = 0;
  memcpy(&bits, m, 4);
  if (size < 28 || !(bits & MACH_MSGH_BITS_COMPLEX)) return;
  memcpy(&count, m + 24, 4);
  for (; k < count && o + 12 <= size; k++) {
    unsigned type = m[o + 11];
    if (type == MACH_MSG_OOL_DESCRIPTOR || type == MACH_MSG_OOL_PORTS_DESCRIPTOR || type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR) { fn(m + o, i++); o += 16; }
    else o += 12;
  }
}
static void capture_region(unsigned char *d, uint32_t i) {
  uint64_t a; uint32_t n;
  memcpy(&a, d, 8);
  memcpy(&n, d + 12, 4);
  if (d[11] == MACH_MSG_OOL_PORTS_DESCRIPTOR) n *= 4;
  if (i < 8) { sent_regions[i] = (const unsigned char *)(uintptr_t)a; sent_region_size[i] = a ? n : 0; sent_nregions = i + 1; }
  memset(d, 0, 8);
}
static void place_region(unsigned char *d, uint32_t i) {
  uint64_t a = 0;
  if (i < nregions && region_size[i]) { void *p = malloc(region_size[i]); memcpy(p, regions[i], region_size[i]); a = (uint64_t)(uintptr_t)p; }
  memcpy(d, &a, 8);
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify) {
  (void)rcv_name; (void)timeout; (void)notify;
  if (option & MACH_SEND_MSG) {
    if (send_size > sizeof sent) fail("request too large");
    memcpy(sent, msg, send_size);
    sent_size = send_size;
    each_ool(sent, send_size, capture_region);
  }
  if (!(option & MACH_RCV_MSG)) return MACH_MSG_SUCCESS;
  if (reply_size > rcv_size) return MACH_RCV_TOO_LARGE;
  memcpy(msg, reply, reply_size);
  each_ool((unsigned char *)msg, reply_size, place_region);
  if (GET_RCV_ELEMENTS(option) != 0 && reply_size >= 8) {
    /* The receive's own trailer, as large as the option asks: format 0, seqno 0, a zero security token, the audit token ${Array.from(HARNESS_AUDIT.subarray(0, 2), (b) => "0x" + b.toString(16)).join(", ")}, ... */
    uint32_t size, at, tsize = REQUESTED_TRAILER_SIZE(option);
    memcpy(&size, reply + 4, 4);
    at = (size + 3) & ~3u;
    if (at + tsize > rcv_size) return MACH_RCV_TOO_LARGE;
    unsigned char *t = (unsigned char *)msg + at;
    memset(t, 0, tsize);
    memcpy(t + 4, &tsize, 4);
    for (uint32_t i = 0; i < 32 && 20 + i < tsize; i++) t[20 + i] = (unsigned char)(0xa0 + i);
  }
  return MACH_MSG_SUCCESS;
}
mach_port_name_t mach_reply_port(void) { return 0x1c03; }
mach_port_t mach_task_self_ = 0x103;

int main(void) {
  size_t cap = 1 << 20;
  in_buf = malloc(cap);
  for (size_t n; (n = fread(in_buf + in_len, 1, cap - in_len, stdin)) > 0;) {
    in_len += n;
    if (in_len == cap) in_buf = realloc(in_buf, cap *= 2);
  }
  while (in_pos < in_len) {
    uint32_t id = rd32();
    wr32(id);
    switch (id) {
${cases}
  default:
    fail("unknown routine");
  }
  }
  return 0;
}
`;
}

/** A little-endian reader over the harness's output. */
export class In {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}
  get done(): boolean {
    return this.off >= this.b.byteLength;
  }
  bytes(n: number): Uint8Array {
    const r = this.b.slice(this.off, this.off + n);
    this.off += n;
    return r;
  }
  u32(): number {
    return new DataView(this.bytes(4).buffer).getUint32(0, true);
  }
}

export interface CResult {
  id: number;
  request: Uint8Array;
  regions: Uint8Array[];
  kr: number;
  outs: Map<string, Uint8Array>;
  present: Map<string, boolean>;
}

/** Parse one case's output, in the harness's order of out-parameters. */
export function parseResult(r: Routine<unknown>, inp: In): CResult {
  const id = inp.u32();
  const request = inp.bytes(inp.u32());
  const regions: Uint8Array[] = [];
  for (let n = inp.u32(); n > 0; n--) regions.push(inp.bytes(inp.u32()));
  const kr = inp.u32() | 0;
  const outs = new Map<string, Uint8Array>();
  const present = new Map<string, boolean>();
  const audit = r.userAuditToken;
  for (const p of r.params) {
    readOut(p);
    if (audit?.after === p.name) outs.set(audit.name, inp.bytes(32));
  }
  return { id, request, regions, kr, outs, present };

  function readOut(p: Param): void {
    const t = p.type;
    const n = p.name;
    if (p.dir === "in") return;
    switch (t.kind) {
      case "scalar":
        outs.set(n, inp.bytes(t.size));
        break;
      case "bytes":
        outs.set(n, inp.bytes(t.size));
        break;
      case "port":
        outs.set(n, inp.bytes(4));
        if (isPoly(p) && p.dir === "out") outs.set(`${n}Poly`, inp.bytes(4));
        break;
      case "array":
      case "portarray":
      case "cstring":
        outs.set(n, inp.bytes(t.max * (t.kind === "array" ? t.elem : t.kind === "portarray" ? 4 : 1)));
        if (!p.sameCount && t.kind !== "cstring") outs.set(`${n}Cnt`, inp.bytes(4));
        break;
      case "ool":
      case "oolports": {
        if (p.dir === "inout") {
          outs.set(n, inp.bytes(inp.u32()));
          outs.set(`${n}Cnt`, inp.bytes(4));
          present.set(n, true);
          break;
        }
        const has = inp.u32() === 1;
        present.set(n, has);
        if (has) outs.set(n, inp.bytes(inp.u32()));
        outs.set(`${n}Cnt`, inp.bytes(4));
        break;
      }
      default:
        break;
    }
  }
}

/** The reply port the harness's mach_reply_port hands out. */
export const HARNESS_REPLY_PORT = 0x1c03;
