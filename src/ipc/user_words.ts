/**
 * Word access to a user's message buffer. Copyin reads a header's six words and copyout writes
 * a header's six and a trailer's two; byte by byte (rdU32/wrU32) those were a sixth of an in-process
 * null RPC, through a Uint32Array over the same bytes one load or store each.
 *
 * Making the Uint32Array costs more than the byte accesses it saves for one message (and
 * materialises a small array's ArrayBuffer), so one is made only for a buffer seen again in a
 * later trap (a caller looping on one buffer, as a MIG server or client does, or on one to send
 * from and one to receive into), and kept for the last two such buffers only: two references, to
 * buffers of at most MAX_KEPT bytes. A buffer made per call (the server's views of its scratch
 * buffer) never gets one and takes the byte path, as does a buffer not starting on a 4-byte
 * boundary, or on a big-endian host (the ABI is little-endian). The view's length is checked at each use, so a buffer detached or resized
 * since falls back to the bytes as well.
 */

/** Whether a Uint32Array sees a little-endian word as the ABI has it. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** The most a kept buffer's ArrayBuffer may hold (what the one reference can keep alive). */
const MAX_KEPT = 64 * 1024;
/** A buffer's sightings before it gets words: its copyin and copyout, then the next trap's. */
const SIGHTINGS = 3;

const NO_WORDS = new Uint32Array(0);
// The two buffers kept (the latest first), and the two latest buffers seen that are not kept with
// their sightings: a caller sending from one buffer and receiving into another alternates them.
let kept0: Uint8Array | null = null;
let words0: Uint32Array = NO_WORDS;
let kept1: Uint8Array | null = null;
let words1: Uint32Array = NO_WORDS;
let cand0: Uint8Array | null = null;
let seen0 = 0;
let cand1: Uint8Array | null = null;
let seen1 = 0;

/**
 * The words of `b` when at least `n` bytes of it (a multiple of 4) can be reached through them,
 * else null (use the bytes).
 */
export function userWords(b: Uint8Array, n: number): Uint32Array | null {
  if (b === kept0) return words0.length >= n >>> 2 ? words0 : null;
  if (b === kept1) return words1.length >= n >>> 2 ? words1 : null;
  let seen: number;
  if (b === cand0) seen = ++seen0;
  else if (b === cand1) {
    seen = seen1 + 1;
    cand1 = cand0;
    seen1 = seen0;
    cand0 = b;
    seen0 = seen;
  } else {
    cand1 = cand0;
    seen1 = seen0;
    cand0 = b;
    seen0 = 1;
    return null;
  }
  if (seen < SIGHTINGS) return null;
  cand0 = cand1;
  seen0 = seen1;
  cand1 = null;
  seen1 = 0;
  if (!LITTLE_ENDIAN || (b.byteOffset & 3) !== 0 || b.length > MAX_KEPT) return null;
  const ab = b.buffer;
  if (ab.byteLength > MAX_KEPT) return null;
  kept1 = kept0;
  words1 = words0;
  kept0 = b;
  words0 = new Uint32Array(ab, b.byteOffset, b.length >>> 2);
  return words0.length >= n >>> 2 ? words0 : null;
}

/** Drop the kept buffers (tests use it to start from a known state). */
export function forgetUserWords(): void {
  kept0 = kept1 = cand0 = cand1 = null;
  words0 = words1 = NO_WORDS;
  seen0 = seen1 = 0;
}
