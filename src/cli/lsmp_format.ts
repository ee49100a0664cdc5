/**
 * `machipc lsmp`: a task's name space in the layout of lsmp from
 * system_cmds-671.10.3 (OS X 10.11), column for column: its printf formats,
 * with the data the server's admin listing gives (src/server/admin.ts).
 */
import * as E from "../abi/exception.js";
import {
  MACH_PORT_STATUS_FLAG_GUARDED,
  MACH_PORT_STATUS_FLAG_IMP_DONATION,
  MACH_PORT_STATUS_FLAG_REVIVE,
  MACH_PORT_STATUS_FLAG_STRICT_GUARD,
  MACH_PORT_STATUS_FLAG_TASKPTR,
  MACH_PORT_STATUS_FLAG_TEMPOWNER,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_PORT_SET,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from "../abi/port.js";
import { IKOT_VOUCHER } from "../abi/ikot.js";
import type { ExceptionPortView, LsmpEntry, LsmpReport, PortStatusView } from "../server/admin.js";
import { sprintf } from "./printf.js";

/** lsmp's names for kernel object types (its kobject_name), by IKOT value. */
const KOBJECT_NAMES = [
  "message-queue", "THREAD", "TASK", "HOST", "HOST-PRIV", "PROCESSOR", "PROCESSOR-SET", "PROCESSOR-SET-NAME", "TIMER",
  "PAGER-REQUEST", "MIG", "MEMORY-OBJECT", "XMM-PAGER", "XMM-KERNEL", "XMM-REPLY", "UND-REPLY", "message-queue",
  "HOST-SECURITY", "LEDGER", "MASTER-DEVICE", "TASK-NAME", "SUBSYSTEM", "IO-QUEUE-DONE", "SEMAPHORE", "LOCK-SET",
  "CLOCK", "CLOCK-CONTROL", "IOKIT-SPARE", "NAMED-MEMORY", "IOKIT-CONNECT", "IOKIT-OBJECT", "UPL", "XMM-CONTROL",
  "SESSIONPORT", "FILEPORT", "MACF-LABEL", "TASK_RESUME", "VOUCHER", "VOUCHER_ATTR_CONTROL",
];
export const kobjectName = (kotype: number): string => KOBJECT_NAMES[kotype] ?? "UNKNOWN";

export const LSMP_HEADER =
  "  name      ipc-object    rights     flags   boost  reqs  recv  send sonce oref  qlimit  msgcount  context            identifier  type";
export const LSMP_RULE =
  "---------   ----------  ----------  -------- -----  ---- ----- ----- ----- ----  ------  --------  ------------------ ----------- ------------";

const STATUS_FLAGS: [number, string][] = [
  [MACH_PORT_STATUS_FLAG_TEMPOWNER, "T"],
  [MACH_PORT_STATUS_FLAG_GUARDED, "G"],
  [MACH_PORT_STATUS_FLAG_STRICT_GUARD, "S"],
  [MACH_PORT_STATUS_FLAG_IMP_DONATION, "I"],
  [MACH_PORT_STATUS_FLAG_REVIVE, "R"],
  [MACH_PORT_STATUS_FLAG_TASKPTR, "P"],
];
const statusFlags = (flags: number): string[] => STATUS_FLAGS.map(([bit, c]) => (flags & bit ? c : "-"));
const dn = (type: number): string => (type & MACH_PORT_TYPE_DNREQUEST ? "D" : "-");
const ctx = (s: PortStatusView): bigint => BigInt(s.context);

/** The columns a receive right shares with a port-set member row, from flags to context. */
function receiveColumns(type: number, sendRefs: number, s: PortStatusView): string {
  return sprintf(
    "%s  --%s%s%s%s%s%s %5d  %s%s%s  %5d %5.0d %5.0d   %s   %6d  %8d  0x%016llx",
    type & MACH_PORT_TYPE_SEND ? "recv,send " : "recv      ",
    ...statusFlags(s.flags),
    s.boost,
    dn(type),
    s.nsrequest ? "N" : "-",
    s.pdrequest ? "P" : "-",
    1,
    sendRefs,
    s.sorights,
    s.srights ? "Y" : "N",
    s.qlimit,
    s.msgcount,
    ctx(s),
  );
}

interface Counts {
  send: number;
  receive: number;
  sendOnce: number;
  portSet: number;
  dead: number;
  dnrequest: number;
  vouchers: number;
}

function entryLines(r: LsmpReport, e: LsmpEntry, n: Counts): string[] {
  if (e.type === MACH_PORT_TYPE_PORT_SET) {
    n.portSet++;
    const members = e.members ?? [];
    return [
      sprintf("0x%08x  0x%08x  port-set    --------        ---      1                                                        %d  members", e.name, e.object, members.length),
      ...members.map((m) => sprintf(" -          0x%08x  %s 0x%08x  (%d) %s", m.object, receiveColumns(m.type, m.urefs, m.status), m.name, r.pid, r.process)),
    ];
  }
  const send = (e.type & MACH_PORT_TYPE_SEND) !== 0;
  if (send) n.send++;
  if (e.type & MACH_PORT_TYPE_DNREQUEST) n.dnrequest++;
  if (e.type & MACH_PORT_TYPE_RECEIVE && e.status) {
    n.receive++;
    return [
      sprintf("0x%08x  0x%08x  %s ", e.name, e.object, receiveColumns(e.type, send ? e.urefs : 0, e.status)),
      ...(e.holders ?? []).map((h) =>
        sprintf(
          "                  +     %s  --------        %s%s%s        %5d         <-                                       0x%08x  (%d) %s",
          h.type & MACH_PORT_TYPE_SEND_ONCE ? "send-once " : "send      ",
          dn(h.type),
          "-",
          "-",
          h.urefs,
          h.name,
          h.task.pid,
          h.task.process,
        ),
      ),
    ];
  }
  if (e.type & MACH_PORT_TYPE_DEAD_NAME) {
    n.dead++;
    return [sprintf("0x%08x  0x%08x  dead-name   --------        ---        %5d      ", e.name, e.object, e.urefs)];
  }
  if (e.type & MACH_PORT_TYPE_SEND_ONCE) n.sendOnce++;
  const head = sprintf("0x%08x  0x%08x  %s  --------        %s%s%s        %5.0d     ", e.name, e.object, send ? "send      " : "send-once ", dn(e.type), "-", "-", send ? e.urefs : 0);
  if (e.kobject) {
    const k = e.kobject;
    if (k.kotype === IKOT_VOUCHER) n.vouchers++;
    const owner = k.task ? (k.task.self ? sprintf(" SELF (%d) %s", k.task.pid, k.task.process) : sprintf(" (%d) %s", k.task.pid, k.task.process)) : "";
    return [head + sprintf("                                             0x%08x  %s", k.identifier, kobjectName(k.kotype)) + owner];
  }
  if (e.receiver) {
    const s = e.receiver.status;
    return [head + sprintf("   ->   %6d  %8d  0x%016llx 0x%08x  (%d) %s", s.qlimit, s.msgcount, ctx(s), e.receiver.name, e.receiver.task.pid, e.receiver.task.process)];
  }
  return [head + "                                             0x00000000  (-) Unknown Process"];
}

/** show_task_mach_ports: the table and its summary block. */
export function formatPortTable(r: LsmpReport): string {
  const n: Counts = { send: 0, receive: 0, sendOnce: 0, portSet: 0, dead: 0, dnrequest: 0, vouchers: 0 };
  const lines = [LSMP_HEADER, LSMP_RULE];
  for (const e of r.entries) lines.push(...entryLines(r, e, n));
  lines.push(
    sprintf("total     = %d", r.entries.length),
    sprintf("SEND      = %d", n.send),
    sprintf("RECEIVE   = %d", n.receive),
    sprintf("SEND_ONCE = %d", n.sendOnce),
    sprintf("PORT_SET  = %d", n.portSet),
    sprintf("DEAD_NAME = %d", n.dead),
    sprintf("DNREQUEST = %d", n.dnrequest),
    sprintf("VOUCHERS  = %d", n.vouchers),
  );
  return lines.join("\n") + "\n";
}

function behaviorString(b: number): string {
  const base = (b & ~E.MACH_EXCEPTION_CODES) >>> 0;
  const name = base === E.EXCEPTION_DEFAULT ? " DEFAULT" : base === E.EXCEPTION_STATE ? " STATE" : base === E.EXCEPTION_STATE_IDENTITY ? " IDENTITY" : " UNKNOWN";
  return (b & E.MACH_EXCEPTION_CODES ? "MACH +" : "") + name;
}

const MASK_NAMES: [number, string][] = [
  [E.EXC_BAD_ACCESS, "BAD_ACCESS"], [E.EXC_BAD_INSTRUCTION, "BAD_INSTRUCTION"], [E.EXC_ARITHMETIC, "ARITHMETIC"],
  [E.EXC_EMULATION, "EMULATION"], [E.EXC_SOFTWARE, "SOFTWARE"], [E.EXC_BREAKPOINT, "BREAKPOINT"], [E.EXC_SYSCALL, "SYSCALL"],
  [E.EXC_MACH_SYSCALL, "MACH_SYSCALL"], [E.EXC_RPC_ALERT, "RPC_ALERT"], [E.EXC_CRASH, "CRASH"], [E.EXC_RESOURCE, "RESOURCE"],
  [E.EXC_GUARD, "GUARD"],
];
const maskString = (m: number): string => MASK_NAMES.filter(([e]) => m & (1 << e)).map(([, s]) => ` ${s}`).join("");
const excRow = (x: ExceptionPortView): string => sprintf("    0x%08x  0x%03x  <%s>           %s  ", x.port, x.flavor, behaviorString(x.behavior), maskString(x.mask));

/** print_task_exception_info. */
export function formatTaskExceptionPorts(r: LsmpReport): string {
  if (r.exceptionPorts.length === 0) return "";
  return "    exc_port    flavor <behaviors>           mask   \n" + r.exceptionPorts.map((x) => excRow(x) + "\n").join("");
}

/** print_task_threads_special_ports. */
export function formatThreads(r: LsmpReport): string {
  let out = "";
  // lsmp keeps the threads' exception tables only when some thread has exception actions.
  const anyExceptions = r.threads.some((t) => t.exceptionPorts !== null);
  r.threads.forEach((t, i) => {
    if (i === 0) out += "Thread_KObject  Thread-ID     Port Description.";
    out += "\n";
    if (t.kobject !== 0) out += sprintf("0x%08x       ", t.kobject) + sprintf("0x%llx  ", BigInt(t.id));
    if (!anyExceptions || !t.exceptionPorts) return;
    t.exceptionPorts.forEach((x, j) => {
      if (j === 0) out += "\n    exc_port    flavor <behaviors>           mask   -> name    owner\n";
      out += excRow(x);
      if (x.receiver) out += sprintf("   -> 0x%08x  0x%08x  (%d) %s\n", x.receiver.name, x.port, x.receiver.task.pid, x.receiver.task.process);
      out += "\n";
    });
  });
  return out + "\n";
}

/** `lsmp -p PID`: the process line, its ports, its exception ports, its threads. */
export function formatLsmp(r: LsmpReport): string {
  return sprintf("Process (%d) : %s\n", r.pid, r.process) + formatPortTable(r) + formatTaskExceptionPorts(r) + "\n" + formatThreads(r);
}

/** `lsmp -a`: each task's block, followed by two newlines; threads only with -v. */
export function formatLsmpAll(reports: LsmpReport[], verbose = false): string {
  return reports
    .map((r) => sprintf("Process (%d) : %s\n", r.pid, r.process) + formatPortTable(r) + formatTaskExceptionPorts(r) + (verbose ? "\n" + formatThreads(r) : "") + "\n\n")
    .join("");
}
