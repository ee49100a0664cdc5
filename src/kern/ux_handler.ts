/**
 * bsd/uxkern/ux_exception.c: the kernel's own exception handler. bsdinit
 * installs its port as the host's handler for every exception but
 * RPC_ALERT (mask 0x19FE, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES), so on a
 * booted xnu-3248 an exception nobody else takes becomes a Unix signal.
 *
 * As in XNU it is a thread of kernel_task receiving on a port set, serving
 * the mach_exc subsystem: mach_exception_raise turns the exception into a
 * signal on the thread and answers KERN_SUCCESS; the two state variants answer
 * KERN_INVALID_ARGUMENT; any other id gets no reply at all.
 */
import { KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_SUCCESS, MIG_BAD_ARGUMENTS } from "../abi/kern_return.js";
import { MACH_MSGH_BITS_COMPLEX, MACH_MSG_TYPE_MOVE_SEND, MACH_RCV_MSG, MACH_RCV_TOO_LARGE, MACH_MSG_SUCCESS, MACH_SEND_MSG } from "../abi/message.js";
import { EXC_ARITHMETIC, EXC_BAD_ACCESS, EXC_BAD_INSTRUCTION, EXC_BREAKPOINT, EXC_EMULATION, EXC_SOFTWARE, MACH_EXCEPTION_CODES } from "../abi/exception.js";
import { EXC_MASK_ALL, EXC_MASK_RPC_ALERT, EXCEPTION_DEFAULT } from "../abi/exception.js";
import { rdI32, rdI64, rdU32 } from "../abi/bytes.js";
import { MACH_MSG_HEADER } from "../abi/msg_layout.js";
import { viewOf } from "../abi/layout.js";
import { MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE } from "../abi/port.js";
import { machPortAllocate, machPortDeallocate, machPortExtractRight, machPortMoveMember, translateReceive } from "../ipc/mach_port.js";
import { ipValid, type IpcPort } from "../ipc/port.js";
import { portCopySend, portMakeSend, portReleaseSend } from "../ipc/right.js";
import { convertPortToThread } from "./ipc_tt.js";
import { installExceptionPorts } from "./exc_ports.js";
import { errorReplyData } from "./ipc_kobject.js";
import type { Host } from "./host.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

/** Signal numbers as macOS numbers them (sys/signal.h). */
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGEMT = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGBUS = 10;
export const SIGSEGV = 11;
export const SIGSYS = 12;
export const SIGPIPE = 13;

/** EXC_SOFTWARE codes BSD raises (sys/ux_exception.h), and the i386 codes machine_exception maps. */
export const EXC_UNIX_BAD_SYSCALL = 0x10000;
export const EXC_UNIX_BAD_PIPE = 0x10001;
export const EXC_UNIX_ABORT = 0x10002;
export const EXC_SOFT_SIGNAL = 0x10003;
const EXC_I386_GPFLT = 13;
const EXC_I386_BOUND = 3;

/** The mask bsdinit gives the ux handler: every exception but RPC_ALERT. */
export const UX_EXCEPTION_MASK = EXC_MASK_ALL & ~EXC_MASK_RPC_ALERT;

/** A signal the ux handler posted on a thread (threadsignal). */
export interface UxSignal {
  signal: number;
  exception: number;
  code: bigint;
  subcode: bigint;
}

/** ux_exception (with x86's machine_exception first): the signal for an exception, 0 for none. */
export function uxSignalFor(exception: number, code: bigint, arch: string): number {
  if (arch === "x86_64") {
    if (exception === EXC_BAD_ACCESS && code === BigInt(EXC_I386_GPFLT)) return SIGSEGV;
    if (exception === EXC_SOFTWARE && code === BigInt(EXC_I386_BOUND)) return SIGTRAP;
  }
  switch (exception) {
    case EXC_BAD_ACCESS:
      return code === BigInt(KERN_INVALID_ADDRESS) ? SIGSEGV : SIGBUS;
    case EXC_BAD_INSTRUCTION:
      return SIGILL;
    case EXC_ARITHMETIC:
      return SIGFPE;
    case EXC_EMULATION:
      return SIGEMT;
    case EXC_SOFTWARE:
      if (code === BigInt(EXC_UNIX_BAD_SYSCALL)) return SIGSYS;
      if (code === BigInt(EXC_UNIX_BAD_PIPE)) return SIGPIPE;
      if (code === BigInt(EXC_UNIX_ABORT)) return SIGABRT;
      if (code === BigInt(EXC_SOFT_SIGNAL)) return SIGKILL;
      return 0;
    case EXC_BREAKPOINT:
      return SIGTRAP;
    default:
      return 0;
  }
}

const MACH_EXCEPTION_RAISE = 2405;
/** exc_msg in ux_handler: the request plus room for codes (oversized messages are dropped). */
const RCV_SIZE = 24 + 4 + 24 + 8 + 4 + 4 + 8 + 512;

export interface UxHandler {
  /** The kernel's send right to the handler's port (ux_exception_port). */
  port: IpcPort;
  thread: Thread;
}

/** ux_handler_init and bsdinit's host_set_exception_ports. */
export function startUxHandler(kernelTask: Task, host: Host, arch: string): UxHandler {
  const space = kernelTask.space;
  const set = machPortAllocate(space, MACH_PORT_RIGHT_PORT_SET);
  const recv = machPortAllocate(space, MACH_PORT_RIGHT_RECEIVE);
  if (set.kr !== KERN_SUCCESS || recv.kr !== KERN_SUCCESS) throw new Error("ux_handler: port allocation failed");
  machPortMoveMember(space, recv.name!, set.name!);
  const port = portMakeSend(translateReceive(space, recv.name!).port!);
  const thread = kernelTask.createThread();
  installExceptionPorts(host.excActions, UX_EXCEPTION_MASK, portCopySend(port), EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0, false);
  void serve(thread, set.name!, arch);
  return { port, thread };
}

async function serve(thread: Thread, setName: number, arch: string): Promise<void> {
  const buf = new Uint8Array(RCV_SIZE + 68);
  for (;;) {
    const mr = await thread.machMsgInKernel(buf, MACH_RCV_MSG, 0, RCV_SIZE, setName, 0);
    if (!thread.active) return;
    if (mr === MACH_RCV_TOO_LARGE) continue;
    if (mr !== MACH_MSG_SUCCESS) return;
    const id = rdI32(buf, 20);
    if (id < MACH_EXCEPTION_RAISE || id > MACH_EXCEPTION_RAISE + 2) continue; // mach_exc_server: not ours, no reply
    const replyName = rdU32(buf, 8);
    const replyBits = rdU32(buf, 0) & 0x1f;
    const retCode = id === MACH_EXCEPTION_RAISE ? raise(thread, buf, arch) : KERN_INVALID_ARGUMENT;
    // mig_reply_error_t, addressed to the reply right the request carried.
    const rep = errorReplyData(id + 100, retCode);
    MACH_MSG_HEADER.write(viewOf(rep), 0, { bits: replyBits, remotePort: replyName });
    const sent = await thread.machMsgInKernel(rep, MACH_SEND_MSG, 36, 0, 0, 0);
    if (replyName !== 0 && sent !== MACH_MSG_SUCCESS) machPortDeallocate(thread.task.space, replyName);
  }
}

/** catch_mach_exception_raise: a signal on the thread; the task's right is dropped, the thread's consumed. */
function raise(handler: Thread, msg: Uint8Array, arch: string): number {
  const size = rdU32(msg, 4);
  const codeCnt = rdU32(msg, 64);
  if (!(rdU32(msg, 0) & MACH_MSGH_BITS_COMPLEX) || rdU32(msg, 24) !== 2 || codeCnt > 2 || size !== 68 + 8 * codeCnt) return MIG_BAD_ARGUMENTS;
  const space = handler.task.space;
  const threadName = rdU32(msg, 28);
  const taskName = rdU32(msg, 40);
  const exception = rdI32(msg, 60);
  const code = codeCnt > 0 ? rdI64(msg, 68) : 0n;
  const subcode = codeCnt > 1 ? rdI64(msg, 76) : 0n;
  let result = KERN_SUCCESS;
  const moved = threadName !== 0 && threadName !== 0xffffffff ? machPortExtractRight(space, threadName, MACH_MSG_TYPE_MOVE_SEND) : null;
  if (moved && moved.kr === KERN_SUCCESS && moved.port !== undefined && ipValid(moved.port)) {
    const target = convertPortToThread<Thread>(moved.port!);
    portReleaseSend(moved.port!);
    if (target) {
      const signal = uxSignalFor(exception, code, arch);
      if (signal !== 0) target.signals.push({ signal, exception, code, subcode });
    } else result = KERN_INVALID_ARGUMENT;
  } else result = KERN_INVALID_ARGUMENT;
  machPortDeallocate(space, taskName);
  return result;
}
