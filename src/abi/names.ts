/** Names of return codes, for messages people read. */
import * as kr from "./kern_return.js";
import * as msg from "./message.js";

function table(mod: Record<string, unknown>, prefix: RegExp): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(mod)) if (typeof v === "number" && prefix.test(k) && !m.has(v)) m.set(v, k);
  return m;
}
const KERN = table(kr, /^(KERN_|MIG_)/);
const MSG = table(msg, /^MACH_(SEND|RCV|MSG)_/);

/** "KERN_INVALID_ARGUMENT" for 4, "MIG_BAD_ID" for -303, "MACH_SEND_INVALID_DEST" for 0x10000003. */
export function kernReturnName(code: number): string {
  if (code === 0) return "KERN_SUCCESS";
  const k = KERN.get(code);
  if (k) return k;
  const base = MSG.get(code & ~0x3e00);
  if (base) return code & 0x3e00 ? `${base}|0x${(code & 0x3e00).toString(16)}` : base;
  return `0x${(code >>> 0).toString(16)}`;
}
