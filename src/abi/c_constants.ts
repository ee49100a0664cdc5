/**
 * The constants of src/abi rendered as a C header, so that libmachipc's C
 * programs and the TypeScript core share one declaration of every number.
 * native/include/machipc/constants.h is this text (`npm run gen:constants`;
 * a test keeps the committed file in step).
 */
import * as bootstrap from "./bootstrap.js";
import * as exception from "./exception.js";
import * as host from "./host.js";
import * as ikot from "./ikot.js";
import * as kernReturn from "./kern_return.js";
import * as message from "./message.js";
import * as port from "./port.js";
import * as threadStatus from "./thread_status.js";
import * as sync from "./sync.js";
import * as vm from "./vm.js";

const MODULES: [string, Record<string, unknown>][] = [
  ["kern_return_t codes (mach/kern_return.h, mach/mig_errors.h)", kernReturn],
  ["messages: bits, dispositions, descriptors, options, return codes (mach/message.h)", message],
  ["ports, rights, notifications, attributes (mach/port.h, mach/notify.h)", port],
  ["kernel object types (kern/ipc_kobject.h)", ikot],
  ["exceptions (mach/exception_types.h)", exception],
  ["host, processor and scheduler constants (mach/host_info.h, mach/processor_info.h, mach/host_special_ports.h)", host],
  ["thread state flavors and counts (mach/i386/thread_status.h, mach/arm/thread_status.h)", threadStatus],
  ["memory protections and vm_allocate flags (mach/vm_prot.h, mach/vm_statistics.h)", vm],
  ["semaphore wait policies (mach/sync_policy.h)", sync],
  ["the bootstrap namespace (servers/bootstrap.h, launchd's bootstrap_priv.h)", bootstrap],
];

/** Written by hand in mach.h, as casts, or declared by the SDK's own headers under their names (mach/port.h's guard type). */
const HAND_WRITTEN = new Set(["MACH_PORT_NULL", "MACH_PORT_DEAD", "GUARD_TYPE_MACH_PORT"]);
/**
 * The .defs array bounds (`host_info_t` is `array[*:68]`...). The SDK's C headers use the same
 * spellings for the size of the `*_data_t` buffers (HOST_INFO_MAX is 1024 there), so C gets those
 * from mach/host_info.h and mach/processor_info.h, never these.
 */
const MIG_BOUNDS = new Set(["HOST_INFO_MAX", "HOST_INFO64_MAX", "PROCESSOR_INFO_MAX", "PROCESSOR_SET_INFO_MAX", "MACH_PORT_INFO_MAX"]);
/** Kernel-internal sizes with no meaning to a client. */
const INTERNAL = /^(IPC_|LEGACY_)/;

/**
 * Constants the SDK spells as typed expressions (a count is a `mach_msg_type_number_t`, a CPU type
 * a `cpu_type_t`): rendered as a cast of the value, so C and C++ code comparing them with
 * variables of those types sees the same signedness as on macOS.
 */
const C_TYPES: [RegExp, string][] = [
  [/^(MACH_MSG_TIMEOUT_NONE)$/, "mach_msg_timeout_t"],
  [/^(MACH_MSG_SIZE_MAX|MAX_TRAILER_SIZE|MACH_MSG_TRAILER_MINIMUM_SIZE)$/, "mach_msg_size_t"],
  [/^MACH_MSG_TYPE_POLYMORPHIC$/, "mach_msg_type_name_t"],
  [/^CPU_TYPE_/, "cpu_type_t"],
  [/^VM_PROT_/, "vm_prot_t"],
  [/^CPU_SUBTYPE_/, "cpu_subtype_t"],
  [/^CPU_THREADTYPE_/, "cpu_threadtype_t"],
  [/^(?!EXC_TYPES_COUNT$|BOOTSTRAP_).*_COUNT$/, "mach_msg_type_number_t"],
];

function spelling(name: string, v: number): string {
  const typed = C_TYPES.find(([re]) => re.test(name));
  return typed ? `((${typed[1]})${literal(v)})` : literal(v);
}

function literal(v: number): string {
  if (v < 0) return `(${v})`;
  if (v > 0x7fffffff) return `0x${v.toString(16)}U`;
  return v >= 0x100 ? `0x${v.toString(16)}` : String(v);
}

export function renderConstantsHeader(): string {
  const out = [
    "/* Generated from machipc's src/abi by `npm run gen:constants`; do not edit. */",
    "#ifndef MACHIPC_CONSTANTS_H",
    "#define MACHIPC_CONSTANTS_H",
  ];
  const seen = new Set<string>();
  for (const [title, mod] of MODULES) {
    out.push("", `/* ${title} */`);
    for (const name of Object.keys(mod).sort()) {
      const v = mod[name];
      if (typeof v !== "number" || !/^(x86_|[A-Z])[A-Za-z0-9_]*$/.test(name)) continue;
      if (HAND_WRITTEN.has(name) || MIG_BOUNDS.has(name) || INTERNAL.test(name) || seen.has(name)) continue;
      seen.add(name);
      out.push(`#define ${name} ${spelling(name, v)}`);
    }
  }
  out.push("", "#endif", "");
  return out.join("\n");
}
