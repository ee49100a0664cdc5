/**
 * MIG's __MIG_check__Reply for a user stub, on reply bytes: the id (a
 * send-once notification is MIG_SERVER_DIED), the complex bit, the descriptor
 * count, the size, each descriptor's type and disposition, and every array
 * count against its bound and the size. The TypeScript client applies it as
 * the generated C stubs do (src/mig/c_user.ts emits the same checks).
 */
import { KERN_SUCCESS, MIG_REPLY_MISMATCH, MIG_SERVER_DIED, MIG_TYPE_ERROR } from "../abi/kern_return.js";
import { MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_PORTS_DESCRIPTOR, MACH_MSG_PORT_DESCRIPTOR, MACH_MSGH_BITS_COMPLEX } from "../abi/message.js";
import { MACH_NOTIFY_SEND_ONCE } from "../abi/port.js";
import { viewOf } from "../abi/layout.js";
import type { Routine } from "./routine.js";
import { isPoly } from "./c_proto.js";
import { align4, descCount, descSize, inlineFixed, replyInline, replyShape, sendsOut } from "./shape.js";
import { hasOolCount } from "./types.js";

/** What the checks decided: stop with `kr`, or go on to read the out-parameters. */
export interface ReplyVerdict {
  kr: number;
  /** The reply is a well-formed success: its out-parameters may be read. */
  readOuts: boolean;
}

export function migReplyCheck(routine: Routine<unknown>, buf: Uint8Array): ReplyVerdict {
  const v = viewOf(buf);
  const stop = (kr: number): ReplyVerdict => ({ kr, readOuts: false });
  const id = v.getInt32(20, true);
  if (id !== routine.id + 100) return stop(id === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH);
  const size = v.getUint32(4, true);
  const complex = (v.getUint32(0, true) & MACH_MSGH_BITS_COMPLEX) !== 0;
  const retCode = buf.byteLength >= 36 ? v.getInt32(32, true) : KERN_SUCCESS;
  const outs = routine.params.filter(sendsOut);
  if (outs.length === 0) return stop(complex || size !== 36 ? MIG_TYPE_ERROR : retCode);
  const shape = replyShape(routine);
  const variable = outs.filter((p) => replyInline(p) && (p.type.kind === "array" || p.type.kind === "cstring"));
  const sizeFails = variable.length === 0 ? size !== shape.max : size < shape.min || size > shape.max;
  if (shape.complex) {
    const simple = !complex;
    if ((simple || v.getUint32(24, true) !== shape.ndesc || sizeFails) && (!simple || size !== 36 || retCode === KERN_SUCCESS)) return stop(MIG_TYPE_ERROR);
    if (simple) return stop(retCode);
    let off = 28;
    for (const p of shape.descs) {
      const t = p.type;
      const type = buf[off + 11];
      const disposition = buf[off + 10];
      if (t.kind === "port" && (type !== MACH_MSG_PORT_DESCRIPTOR || (t.outName >= 0 && !isPoly(p) && disposition !== t.outName))) return stop(MIG_TYPE_ERROR);
      if (t.kind === "portarray")
        for (let i = 0; i < t.max; i++) if (buf[off + 12 * i + 11] !== MACH_MSG_PORT_DESCRIPTOR) return stop(MIG_TYPE_ERROR);
      if (t.kind === "ool" && type !== MACH_MSG_OOL_DESCRIPTOR) return stop(MIG_TYPE_ERROR);
      if (t.kind === "oolports" && (type !== MACH_MSG_OOL_PORTS_DESCRIPTOR || disposition !== t.carried)) return stop(MIG_TYPE_ERROR);
      off += descSize(p) * descCount(p);
    }
  } else {
    if (complex || (sizeFails && (size !== 36 || retCode === KERN_SUCCESS))) return stop(MIG_TYPE_ERROR);
    if (retCode !== KERN_SUCCESS) return stop(retCode);
  }
  // Each variable array's count: within its bound, and within what the size leaves.
  const descBytes = shape.descs.reduce((n, p) => n + descSize(p) * descCount(p), 0);
  let off = 24 + (shape.complex ? 4 + descBytes : 0) + (shape.ndr ? 8 : 0) + (shape.complex ? 0 : 4);
  let rest = size;
  let count = 0;
  for (const p of outs) {
    const t = p.type;
    if (!replyInline(p)) continue;
    if (t.kind !== "array" && t.kind !== "cstring") {
      off += t.kind === "scalar" || t.kind === "bytes" ? inlineFixed(p, true) : hasOolCount(p) ? 4 : 0;
      continue;
    }
    if (t.kind === "cstring") {
      count = v.getUint32(off + 4, true);
      off += 8;
    } else if (!p.sameCount) {
      count = v.getUint32(off, true);
      off += 4;
    }
    const elem = t.kind === "array" ? t.elem : 1;
    const bytes = elem === 1 ? align4(count) : count * elem;
    const last = variable[variable.length - 1] === p;
    if (count > t.max) return stop(MIG_TYPE_ERROR);
    if (Math.floor((rest - shape.min) / elem) < count || (last ? rest !== shape.min + bytes : rest < shape.min + bytes)) return stop(MIG_TYPE_ERROR);
    rest -= bytes;
    off += bytes;
  }
  return { kr: KERN_SUCCESS, readOuts: true };
}
