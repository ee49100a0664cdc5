/**
 * The text libsystem's mach_error_string / mach_error_type give for a
 * mach_error_t (xnu-3248 libsyscall/mach/error_codes.c and err_*.sub), as
 * data: the TypeScript side reads it through machErrorString and
 * machErrorType, and native/src/mach_error_text.inc is this table rendered for
 * libmachipc's mach_error.c (`npm run gen:constants`; a test keeps it in step).
 *
 * A code is system (6 bits) | subsystem (12 bits) | code (14 bits). Each code's
 * text is its subsystem's name, a space and the suffix given here; `null` is
 * libsystem's "unknown error code" entry. Systems libsystem has no table for
 * answer NULL from mach_error_string, as there; the libkern and IOKit tables
 * (systems 0x37 and 0x38) are not carried, so their codes answer NULL too.
 */

export interface ErrorSubsystem {
  /** null for err_us's one unnamed subsystem. */
  readonly name: string | null;
  readonly codes: readonly (string | null)[];
}

export interface ErrorSystem {
  readonly system: number;
  /** What mach_error_string answers for a subsystem past the table. */
  readonly badSub: string;
  readonly subsystems: readonly ErrorSubsystem[];
}

export const NO_SUCH_ERROR = "unknown error code";

const KERN_CODES = [
  "successful", "invalid address", "protection failure", "no space available", "invalid argument", "failure",
  "resource shortage", "not receiver", "no access", "memory failure", "memory error", "already in set", "not in set",
  "name exists", "aborted", "invalid name", "invalid task", "invalid right", "invalid value", "urefs overflow",
  "invalid capability", "right exists", "invalid host", "memory present", "memory data moved", "memory restart copy",
  "invalid processor set", "policy limit", "invalid policy", "invalid object", "already waiting", "default set",
  "exception protected", "invalid ledger", "invalid memory control", "invalid security", "not depressed",
  "object terminated", "lock set destroyed", "lock unstable", "lock owned by another", "lock owned by self",
  "semaphore destroyed", "RPC terminated", "terminate orphan", "let orphan continue", "service not supported",
  "remote node down", "thread not waiting", "operation timed out", "code signing error", "policy is static",
  "insufficient input buffer size",
];

const UNIX_CODES = [
  null, "no rights to object", "file or directory does not exist", "no such process", "interrupted system call",
  "i/o error", "device does not exist", "argument list is too long", "invalid executable object format",
  "bad file descriptor number", "no child processes are present", "no more processes are available",
  "insufficient memory", "access denied", "memory access fault", "block device required for operation",
  "mount device busy", "file already exists", "cross device link", "device does not exist", "object is not a directory",
  "object is a directory", "invalid argument", "internal file table overflow", "maximum number of open files reached",
  "object is not a tty-like device", "executable object is in use", "file is too large", "no space is left on device",
  "illegal seek attempt", "read-only file system", "too many links", "broken pipe", "argument is too large",
  "result is out of range", "operation on device would block", "operation is now in progress",
  "operation is already in progress", "socket operation attempted on non-socket object",
  "destination address is required", "message is too long", "protocol type is incorrect for socket",
  "protocol type is not availaible", "protocol type is not supported", "socket type is not supported",
  "operation is not supported on sockets", "protocol family is not supported",
  "address family is not supported by protocol family", "address is already in use", "can't assign requested address",
  "network is down", "network is unreachable", "network dropped connection on reset", "software aborted connection",
  "connection reset by peer", "no buffer space is available", "socket is already connected", "socket is not connected",
  "can't send after socket shutdown", "too many references; can't splice", "connection timed out",
  "connection was refused", "too many levels of symbolic links", "file name exceeds system maximum limit",
  "host is down", "there is no route to host", "directory is not empty", "quota on number of processes exceeded",
  "quota on number of users exceeded", "quota on available disk space exceeded",
];

const MACH_SEND_CODES = [
  "no error", "send in progress", "invalid data", "invalid destination port", "timed out", "invalid voucher",
  "unused error", "interrupted", "msg too small", "invalid reply port", "invalid port right", "invalid notify port",
  "invalid memory", "no msg buffer", "msg too large", "invalid msg-type", "invalid msg-header", "invalid msg-trailer",
  "unused error", "unused error", "unused error", "out-of-line buffer too large",
];

const MACH_RCV_CODES = [
  "no error", "receive in progress", "invalid name", "timed out", "msg too large", "interrupted", "port changed",
  "invalid notify port", "invalid data", "port died", "port in set", "header error", "body error",
  "invalid scatter list entry", "overwrite region too small", "invalid msg-trailer", "DIPC transport error",
];

const MACH_MIG_CODES = [
  "client type check failure", "wrong reply message ID", "server detected error", "bad request message ID",
  "server type check failure", "no reply should be sent", "server raised exception", "array not large enough",
  "server died", "unknown trailer format",
];

const IPC_SEND_CODES = [
  "unknown error", "invalid memory", "invalid port", "timed out", "unused error", "will notify", "notify in progress",
  "kernel refused message", "send interrupted", "send message too large", "send message too small",
  "message size changed while being copied",
];

const IPC_RCV_CODES = [
  "unknown error", "invalid memory", "invalid port", "receive timed out", "message too large",
  "no space for message data", "only sender remaining", "receive interrupted",
  "port receiver changed or port became enabled",
];

const IPC_MIG_CODES = [
  "type check failure in message interface", "wrong return message ID", "server detected error", "bad message ID",
  "server found wrong arguments", "no reply should be sent", "server raised exception",
  "user specified array not large enough for return info",
];

/** The systems libsystem has tables for, by system number. */
export const ERROR_SYSTEMS: readonly ErrorSystem[] = [
  {
    system: 0,
    badSub: "(operating system/?) unknown subsystem error",
    subsystems: [
      { name: "(os/kern)", codes: KERN_CODES },
      { name: "(os/?)", codes: [] },
      { name: "(os/?)", codes: [] },
      { name: "(os/unix)", codes: UNIX_CODES },
    ],
  },
  { system: 1, badSub: "(user space/?) unknown subsystem error", subsystems: [{ name: null, codes: [] }] },
  {
    system: 2,
    badSub: "(server/?) unknown subsystem error",
    subsystems: [
      { name: "(server/netname)", codes: ["name is not yours", "name not checked in", "no such host", "host not found"] },
      {
        name: "(server/env_mgr)",
        codes: [null, "variable not found", "wrong type of variable", "unknown port", "read only environment",
          "no more connections available", "port table full", "attempting to enter a null port "],
      },
      { name: "(server/execd)", codes: [null, "could not find file to run", "userid or password incorrect", "fork failed"] },
    ],
  },
  {
    system: 3,
    badSub: "(ipc/?) unknown subsystem error",
    subsystems: [
      { name: "(ipc/send)", codes: IPC_SEND_CODES },
      { name: "(ipc/rcv)", codes: IPC_RCV_CODES },
      { name: "(ipc/mig)", codes: IPC_MIG_CODES },
    ],
  },
  {
    system: 4,
    badSub: "(ipc/?) unknown subsystem error",
    subsystems: [
      { name: "(ipc/send)", codes: MACH_SEND_CODES },
      { name: "(ipc/rcv)", codes: MACH_RCV_CODES },
      { name: "(ipc/mig)", codes: MACH_MIG_CODES },
    ],
  },
];

const ERR_MAX_SYSTEM = 0x3f;
const sys = (s: number) => (s & 0x3f) << 26;
const sub = (s: number) => (s & 0xfff) << 14;

/** libsystem's do_compat: the old negative IPC / MIG codes and the old server ranges, moved to their systems. */
function compat(err: number): number {
  if (-200 < err && err <= -100) return (-(err + 100) | sys(3) | sub(0)) | 0;
  if (-300 < err && err <= -200) return (-(err + 200) | sys(3) | sub(1)) | 0;
  if (-400 < err && err <= -300) return (-(err + 300) | sys(4) | sub(2)) | 0;
  if (1000 <= err && err < 1100) return (err - 1000) | sys(2) | sub(0);
  if (1600 <= err && err < 1700) return (err - 1600) | sys(2) | sub(1);
  if (27600 <= err && err < 27700) return (err - 27600) | sys(2) | sub(2);
  return err;
}

function parts(err: number): { system: number; sub: number; code: number } {
  const e = compat(err | 0);
  return { system: (e >>> 26) & 0x3f, sub: (e >>> 14) & 0xfff, code: e & 0x3fff };
}

/** libsystem's lookup: the text, and whether mach_error prints the type and code with it (every miss). */
function lookup(err: number): { text: string | null; diag: boolean } {
  const { system, sub: s, code } = parts(err);
  if (system > ERR_MAX_SYSTEM) return { text: "(?/?) unknown error system", diag: true };
  const table = ERROR_SYSTEMS.find((t) => t.system === system);
  if (!table) return { text: null, diag: true };
  if (s >= table.subsystems.length) return { text: table.badSub, diag: true };
  const subsystem = table.subsystems[s];
  if (code >= subsystem.codes.length) return { text: NO_SUCH_ERROR, diag: true };
  const text = subsystem.codes[code];
  return { text: text === null ? NO_SUCH_ERROR : `${subsystem.name} ${text}`, diag: false };
}

/** mach_error_string: the text, or null where libsystem returns NULL (a system with no table). */
export function machErrorString(err: number): string | null {
  return lookup(err).text;
}

/** mach_error_type: the subsystem's name ("(os/kern)"), "(?/?)" past the tables, null for err_us's unnamed one. */
export function machErrorType(err: number): string | null {
  const { system, sub: s } = parts(err);
  const table = ERROR_SYSTEMS.find((t) => t.system === system);
  return !table || s >= table.subsystems.length ? "(?/?)" : table.subsystems[s].name;
}

/** What mach_error(str, err) prints on stderr (glibc prints a NULL string as "(null)"). */
export function machErrorLine(str: string, err: number): string {
  const { text, diag } = lookup(err);
  const t = text ?? "(null)";
  return diag ? `${str} ${machErrorType(err) ?? "(null)"} ${t} (${(err >>> 0).toString(16)})\n` : `${str} ${t}\n`;
}

/** The table as C for native/src/mach_error.c: one array of codes per subsystem, one of subsystems per system. */
export function renderMachErrorTable(): string {
  const q = (v: string | null) => (v === null ? "NULL" : JSON.stringify(v));
  const out = ["/* Generated from src/abi/mach_error_text.ts by `npm run gen:constants`; do not edit. */"];
  for (const t of ERROR_SYSTEMS) {
    t.subsystems.forEach((sb, i) => {
      const codes = sb.codes.map((c) => (c === null ? q(NO_SUCH_ERROR) : q(`${sb.name} ${c}`)));
      out.push(`static const char *const codes_${t.system}_${i}[] = {${codes.length ? codes.join(", ") : "NULL"}};`);
    });
    const subs = t.subsystems.map((sb, i) => `{${q(sb.name)}, ${sb.codes.length}, codes_${t.system}_${i}}`);
    out.push(`static const struct error_subsystem subs_${t.system}[] = {${subs.join(", ")}};`);
  }
  out.push("static const struct error_system systems[] = {");
  for (const t of ERROR_SYSTEMS) out.push(`  {${t.system}, ${t.subsystems.length}, ${q(t.badSub)}, subs_${t.system}},`);
  out.push("};", "");
  return out.join("\n");
}
