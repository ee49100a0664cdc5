/**
 * The SDK's headers as machipc ships them: every one compiles in one translation unit as C and as
 * C++ with -Wall -Werror, and the values and layouts a C program sees are the TypeScript core's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MACH_MSG_HEADER, MACH_MSG_BODY, PORT_DESCRIPTOR, OOL_DESCRIPTOR, OOL_PORTS_DESCRIPTOR, MAX_TRAILER, MIG_REPLY_ERROR } from "../../src/abi/msg_layout.js";
import type { Layout, Fields } from "../../src/abi/layout.js";
import * as info from "../../src/abi/info.js";
import { compile, runProgram, shippedHeaders } from "./cc.js";

const everyHeader = () => shippedHeaders().map((h) => `#include <${h}>`).join("\n");

test("one translation unit including every header machipc ships compiles as C11 and C++17 with -Wall -Wextra -Werror", () => {
  const headers = shippedHeaders();
  for (const h of ["mach/mach.h", "mach/mig.h", "mach/mach_time.h", "mach/vm_page_size.h", "mach/thread_policy.h", "mach/mach_voucher_types.h", "mach_debug/ipc_info.h", "mach_debug/mach_debug_types.h", "mach/semaphore.h", "mach/sync_policy.h", "mach/mach_traps.h", "mach/mk_timer.h", "mach/clock_reply.h", "mach/lock_set.h"]) {
    assert.ok(headers.includes(h), `${h} is shipped`);
  }
  const tu = `${everyHeader()}\nint main(void) { return 0; }\n`;
  compile(tu);
  compile(tu, { cxx: true });
});

test("each header compiles on its own, as a program that includes only it", () => {
  for (const h of shippedHeaders().filter((x) => !x.startsWith("machipc/"))) {
    assert.doesNotThrow(() => compile(`#include <${h}>\nint main(void) { return 0; }\n`), h);
  }
});

test("the names issue 10 found missing are declared, under <mach/mach.h> and the SDK's header names", () => {
  const types = ["host_name_port_t", "processor_set_name_port_t", "processor_set_name_array_t", "vm_offset_t", "vm_prot_t", "vm_map_t",
    "pointer_t", "policy_base_t", "policy_limit_t", "thread_policy_t", "thread_policy_flavor_t", "task_policy_t", "task_name_t",
    "ipc_voucher_t", "mach_voucher_selector_t", "semaphore_t", "lock_set_t", "clock_id_t", "clock_ctrl_t", "ledger_array_t",
    "host_security_t", "kmod_t", "memory_object_t", "mach_port_qos_t", "vm_statistics64_t", "vm_extmod_statistics_data_t",
    "processor_basic_info_t", "ipc_info_space_t", "mig_routine_t", "mig_server_routine_t", "mig_impl_routine_t",
    "struct routine_descriptor", "struct mig_subsystem", "mach_timebase_info_data_t", "sync_policy_t"];
  const values = ["PROCESSOR_SET_BASIC_INFO_COUNT", "PROCESSOR_SET_LOAD_INFO_COUNT", "HOST_NOTIFY_CALENDAR_CHANGE", "HOST_VM_INFO64_REV1_COUNT",
    "TASK_POWER_INFO_V2_COUNT", "NSEC_PER_SEC", "USEC_PER_SEC", "PAGE_SIZE", "SYNC_POLICY_FIFO", "VM_FLAGS_ANYWHERE"];
  compile(`#include <mach/mach.h>
#include <mach/mach_time.h>
#include <mach/semaphore.h>
#include <mach_debug/mach_debug_types.h>
${types.map((t, i) => `${t} *v${i};`).join("\n")}
long long w[] = {${values.join(", ")}};
int main(void) { return (int)(sizeof w / sizeof w[0]) - ${values.length}; }
`);
});

test("<mach/mig.h> turns on MIG's type checks and packed structures, as the SDK does", () => {
  compile(`#include <mach/mig.h>
#if __MigTypeCheck != 1 || __MigPackStructs != 1
#error "MIG output would skip its reply checks or lay 64-bit fields out differently"
#endif
int main(void) { return 0; }
`);
});

/** sizeof and every offsetof of a C struct, printed as "size off off ...". */
function cLayout(ctype: string, cfields: string[]): number[] {
  const src = `#include <mach/mach.h>
#include <stddef.h>
#include <stdio.h>
int main(void) { printf("%zu${cfields.map(() => " %zu").join("")}\\n", sizeof(${ctype})${cfields.map((f) => `, offsetof(${ctype}, ${f})`).join("")}); return 0; }
`;
  return runProgram(compile(src, { link: true })).trim().split(" ").map(Number);
}

/** [TS layout, C type, TS field → C member designator] for every structure both sides declare. */
const SHARED: [Layout<Fields>, string, Record<string, string>][] = [
  [MACH_MSG_HEADER, "mach_msg_header_t", { bits: "msgh_bits", size: "msgh_size", remotePort: "msgh_remote_port", localPort: "msgh_local_port", voucherPort: "msgh_voucher_port", id: "msgh_id" }],
  [MACH_MSG_BODY, "mach_msg_body_t", { descriptorCount: "msgh_descriptor_count" }],
  [PORT_DESCRIPTOR, "mach_msg_port_descriptor_t", { name: "name" }],
  [OOL_DESCRIPTOR, "mach_msg_ool_descriptor_t", { address: "address", size: "size" }],
  [OOL_PORTS_DESCRIPTOR, "mach_msg_ool_ports_descriptor_t", { address: "address", count: "count" }],
  [MAX_TRAILER, "mach_msg_max_trailer_t", { type: "msgh_trailer_type", size: "msgh_trailer_size", seqno: "msgh_seqno", sender0: "msgh_sender.val[0]", sender1: "msgh_sender.val[1]", audit0: "msgh_audit.val[0]", audit7: "msgh_audit.val[7]", context: "msgh_context", ad: "msgh_ad", labelsSender: "msgh_labels.sender" }],
  [MIG_REPLY_ERROR, "mig_reply_error_t", { ndr: "NDR", retCode: "RetCode" }],
];

test("every structure src/abi lays out has the same size and field offsets in the C headers", () => {
  for (const [layout, ctype, map] of SHARED) {
    const tsFields = Object.keys(layout.fields).filter((f) => f in map);
    const [size, ...offsets] = cLayout(ctype, tsFields.map((f) => map[f]));
    assert.equal(size, layout.size, `sizeof(${ctype})`);
    tsFields.forEach((f, i) => assert.equal(offsets[i], layout.offset(f), `offsetof(${ctype}, ${map[f]})`));
  }
});

/** A TS info field (camelCase, arrays flattened) as the C member designator of XNU's structure. */
function cMember(field: string): string {
  const ticks = /^cpuTicks(User|System|Idle|Nice)$/.exec(field);
  if (ticks) return `cpu_ticks[${["User", "System", "Idle", "Nice"].indexOf(ticks[1]!)}]`;
  const time = /^(user|system)Time(Seconds|Microseconds)$/.exec(field);
  if (time) return `${time[1]}_time.${time[2]!.toLowerCase()}`;
  const indexed = /^(avenrun|machFactor)(\d)$/.exec(field);
  // A number after a word is a member of its own (task_timer_wakeups_bin_1).
  const snake = (x: string) => x.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/([a-z])(\d)/g, "$1_$2");
  return indexed ? `${snake(indexed[1]!)}[${indexed[2]}]` : snake(field);
}

test("every info structure src/abi/info.ts lays out has the SDK header's size and member offsets", () => {
  const layouts = (Object.values(info) as unknown[]).filter(
    (v): v is Layout<Fields> => typeof v === "object" && v !== null && "fields" in v && "size" in v && "name" in v,
  );
  assert.ok(layouts.length >= 15, `${layouts.length} info layouts`);
  for (const layout of layouts) {
    const fields = Object.keys(layout.fields);
    const [size, ...offsets] = cLayout(`struct ${layout.name}`, fields.map(cMember));
    assert.equal(size, layout.size, `sizeof(struct ${layout.name})`);
    fields.forEach((f, i) => assert.equal(offsets[i], layout.offset(f), `offsetof(struct ${layout.name}, ${cMember(f)})`));
  }
});

test("every count constants.h carries from src/abi is the size of its C structure in words", () => {
  const checks: [string, string][] = [
    ["HOST_BASIC_INFO_COUNT", "host_basic_info_data_t"], ["HOST_SCHED_INFO_COUNT", "host_sched_info_data_t"],
    ["HOST_RESOURCE_SIZES_COUNT", "kernel_resource_sizes_data_t"], ["HOST_PRIORITY_INFO_COUNT", "host_priority_info_data_t"],
    ["HOST_LOAD_INFO_COUNT", "host_load_info_data_t"], ["HOST_CPU_LOAD_INFO_COUNT", "host_cpu_load_info_data_t"],
    ["HOST_VM_INFO_COUNT", "vm_statistics_data_t"], ["HOST_VM_INFO64_COUNT", "vm_statistics64_data_t"],
    ["HOST_EXTMOD_INFO64_COUNT", "vm_extmod_statistics_data_t"], ["HOST_VM_PURGABLE_COUNT", "host_purgable_info_data_t"],
    ["PROCESSOR_BASIC_INFO_COUNT", "processor_basic_info_data_t"], ["PROCESSOR_CPU_LOAD_INFO_COUNT", "processor_cpu_load_info_data_t"],
    ["TASK_POWER_INFO_COUNT", "task_power_info_data_t"], ["MACH_PORT_LIMITS_INFO_COUNT", "mach_port_limits_t"],
    ["MACH_PORT_RECEIVE_STATUS_COUNT", "mach_port_status_t"], ["MACH_PORT_INFO_EXT_COUNT", "mach_port_info_ext_t"],
    ["x86_THREAD_STATE64_COUNT", "x86_thread_state64_t"], ["x86_FLOAT_STATE64_COUNT", "x86_float_state64_t"],
    ["x86_EXCEPTION_STATE64_COUNT", "x86_exception_state64_t"], ["x86_DEBUG_STATE64_COUNT", "x86_debug_state64_t"],
    ["x86_AVX_STATE64_COUNT", "x86_avx_state64_t"],
  ];
  const asserts = checks.map(([c, t]) => `_Static_assert(${c} == sizeof(${t}) / 4, "${c}");`).join("\n");
  compile(`#include <mach/mach.h>\n${asserts}\n_Static_assert(HOST_VM_INFO64_REV1_COUNT == 38 && HOST_VM_INFO64_REV0_COUNT == 24, "vm64 revisions");\nint main(void) { return 0; }\n`);
});

test("the SDK's typed constants keep their C types (C++ sees no signed/unsigned mismatch)", () => {
  compile(`#include <mach/mach.h>
#include <type_traits>
static_assert(std::is_same<decltype(HOST_BASIC_INFO_COUNT), mach_msg_type_number_t>::value, "counts are mach_msg_type_number_t");
static_assert(std::is_same<decltype(MACH_MSG_TIMEOUT_NONE), mach_msg_timeout_t>::value, "timeouts");
static_assert(std::is_same<decltype(CPU_TYPE_X86_64), cpu_type_t>::value, "cpu types");
static_assert(std::is_same<boolean_t, ${process.arch === "x64" ? "unsigned int" : "int"}>::value, "boolean_t as on the SDK's machine");
int main() { mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT; return n == HOST_BASIC_INFO_COUNT ? 0 : 1; }
`, { cxx: true });
});

test("<servers/bootstrap.h>'s calls take a service name as a short string literal with no warning (-O2 -Wall -Wextra -Werror, C and C++)", () => {
  // Declared `const name_t`, GCC 12 reads 128 bytes of a 12-byte literal (-Wstringop-overread); `const char *` is the same ABI.
  const src = `#include <servers/bootstrap.h>
int main(void) {
  mach_port_t bp = bootstrap_port, p = MACH_PORT_NULL;
  bootstrap_status_t st;
  kern_return_t kr = bootstrap_look_up(bp, "com.example", &p);
  kr |= bootstrap_check_in(bp, "com.example", &p);
  kr |= bootstrap_look_up2(bp, "com.example", &p, 0, 0);
  kr |= bootstrap_check_in2(bp, "com.example", &p, 0);
  kr |= bootstrap_register2(bp, "com.example", p, 0);
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  kr |= bootstrap_register(bp, "com.example", p);
  kr |= bootstrap_create_service(bp, "com.example", &p);
  kr |= bootstrap_status(bp, "com.example", &st);
  return kr != KERN_SUCCESS;
}
`;
  compile(src, { flags: ["-O2"], link: true });
  compile(src, { flags: ["-O2"], cxx: true });
});
