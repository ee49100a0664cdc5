/**
 * ipc_table.c's entry-table sizes: what a space's table grows through, and
 * where it stops (KERN_NO_SPACE past the last size).
 */

/** sizeof(struct ipc_entry) on LP64: object pointer, bits, index, next/request. */
const IPC_ENTRY_SIZE = 24;
/** PAGE_MAX_SIZE on x86_64. */
const PAGE_MAX_SIZE = 4096;
/** CONFIG_IPC_TABLE_ENTRIES_STEPS of the x86_64 RELEASE kernel ("medium"). */
const IPC_TABLE_ENTRIES_STEPS = 256;

/**
 * ipc_table_fill(ipc_table_entries, steps - 1, 16, sizeof(struct ipc_entry)):
 * powers of two up to a page, then 15 steps of a page, 15 of two pages, ...
 * up to steps of 8 pages. Past `count` sizes it goes on at 8 pages a step
 * (only spaces given more names than XNU allows get there).
 */
function tableSizes(count: number): number[] {
  const out: number[] = [];
  const minSize = 16 * IPC_ENTRY_SIZE;
  let size = 1;
  for (; out.length < count && size < PAGE_MAX_SIZE; size *= 2) if (size >= minSize) out.push(Math.floor(size / IPC_ENTRY_SIZE));
  for (let incr = PAGE_MAX_SIZE; out.length < count; ) {
    for (let period = 0; period < 15 && out.length < count; period++, size += incr) if (size >= minSize) out.push(Math.floor(size / IPC_ENTRY_SIZE));
    if (incr < PAGE_MAX_SIZE * 8) incr *= 2;
  }
  return out;
}

const SIZES = tableSizes(IPC_TABLE_ENTRIES_STEPS - 1);
/** The last step repeats the one before it, so growth stops there. */
export const IPC_TABLE_MAX_ENTRIES = SIZES[SIZES.length - 1]!;
/** A new space's table (ipc_table_entries[0]). */
export const IPC_TABLE_INITIAL_ENTRIES = SIZES[0]!;
const STEP_BEYOND = Math.floor((PAGE_MAX_SIZE * 8) / IPC_ENTRY_SIZE);

/**
 * The table size after `current` that holds at least `target` entries (the
 * next step when `target` is 0), never above `cap`; 0 when `current` is
 * already `cap` or `target` exceeds it.
 */
export function nextTableSize(current: number, target: number, cap: number): number {
  if (target > cap || current >= cap) return 0;
  const want = Math.max(target, current + 1);
  let next = 0;
  for (const s of SIZES) {
    if (s >= want) {
      next = s;
      break;
    }
  }
  if (next === 0) next = IPC_TABLE_MAX_ENTRIES + Math.ceil((want - IPC_TABLE_MAX_ENTRIES) / STEP_BEYOND) * STEP_BEYOND;
  return Math.min(next, cap);
}
