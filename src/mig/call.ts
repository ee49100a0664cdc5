/**
 * A whole MIG call from the client side, through mach_msg like a generated
 * stub: send with COPY_SEND / MAKE_SEND_ONCE on the thread's MIG reply port,
 * receive the reply, decode it.
 */
import {
  MACH_MSG_SUCCESS,
  MACH_MSG_TRAILER_FORMAT_0,
  MACH_RCV_MSG,
  MACH_RCV_TRAILER_AUDIT,
  MACH_SEND_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_TIMEOUT,
  MAX_TRAILER_SIZE,
  machRcvTrailerElements,
  machRcvTrailerType,
} from "../abi/message.js";
import { MIG_TRAILER_ERROR } from "../abi/kern_return.js";
import { MAX_TRAILER } from "../abi/msg_layout.js";
import { rdU32 } from "../abi/bytes.js";
import type { UserMemory } from "../ipc/user_memory.js";
import type { Routine } from "./routine.js";
import { decodeReply, encodeRequest, type UserArgs, type UserResult } from "./user.js";
import { validateArgs } from "./validate.js";

/** Anything that can make mach_msg traps for one thread (in process or over a socket). */
export interface MachMsgCaller {
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout?: number, notify?: number): number | Promise<number>;
  /** mig_get_reply_port: the thread's reply port, allocated on first use. */
  migReplyPort(): number | Promise<number>;
  /** mig_dealloc_reply_port: forget a reply port that may hold a stale reply. */
  migDeallocReplyPort?(name: number): void | Promise<void>;
  /** The caller's address space, for OOL arguments and results. */
  readonly memory: UserMemory | null;
}

/** Largest reply any served routine can produce, plus a trailer. */
const REPLY_BUFFER = 8192 + MAX_TRAILER_SIZE;

/** A whole RPC; arguments that do not fit the routine's description throw MigArgumentError before anything is sent. */
export async function migCall(caller: MachMsgCaller, routine: Routine<unknown>, target: number, args: UserArgs = {}, timeoutMs = 0): Promise<UserResult> {
  validateArgs(routine, args);
  const reply = await caller.migReplyPort();
  const req = encodeRequest(routine, target, reply, args, caller.memory);
  const buf = new Uint8Array(Math.max(REPLY_BUFFER, req.byteLength));
  buf.set(req);
  const audit = routine.userAuditToken;
  const option =
    (MACH_SEND_MSG |
      MACH_RCV_MSG |
      (timeoutMs > 0 ? MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT : 0) |
      (audit ? machRcvTrailerType(MACH_MSG_TRAILER_FORMAT_0) | machRcvTrailerElements(MACH_RCV_TRAILER_AUDIT) : 0)) >>>
    0;
  const mr = await caller.machMsg(buf, option, req.byteLength, buf.byteLength, reply, timeoutMs, 0);
  if (mr !== MACH_MSG_SUCCESS) {
    // A failed receive may leave a late reply behind: the stub gives up the reply port.
    if (mr >= 0x10004000 && caller.migDeallocReplyPort) await caller.migDeallocReplyPort(reply);
    return { kr: mr };
  }
  const r = decodeReply(routine, buf, caller.memory);
  if (!audit || r.kr !== 0) return r;
  // MIG's UserAuditToken: the trailer checks the C stub makes, then the replier's audit_token_t as 32 bytes.
  const t = (rdU32(buf, 4) + 3) & ~3;
  if (rdU32(buf, t + MAX_TRAILER.at.type) !== MACH_MSG_TRAILER_FORMAT_0 || rdU32(buf, t + MAX_TRAILER.at.size) < 32) return { kr: MIG_TRAILER_ERROR };
  const at = t + MAX_TRAILER.at.audit0;
  return { ...r, [audit.name]: buf.slice(at, at + 32) } as UserResult;
}

export type { UserArgs, UserResult };
