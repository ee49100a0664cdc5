/**
 * The values the VM routines beside allocate / protect / region take and give
 * (osfmk/mach/vm_behavior.h, vm_sync.h, vm_attributes.h, vm_purgable.h,
 * vm_statistics.h's page-query bits, vm_region.h's page info), as xnu-3248 has them.
 */
import { defineLayout } from "./layout.js";

export const VM_BEHAVIOR_DEFAULT = 0;
export const VM_BEHAVIOR_RANDOM = 1;
export const VM_BEHAVIOR_SEQUENTIAL = 2;
export const VM_BEHAVIOR_RSEQNTL = 3;
export const VM_BEHAVIOR_WILLNEED = 4;
export const VM_BEHAVIOR_DONTNEED = 5;
export const VM_BEHAVIOR_FREE = 6;
export const VM_BEHAVIOR_ZERO_WIRED_PAGES = 7;
export const VM_BEHAVIOR_REUSABLE = 8;
export const VM_BEHAVIOR_REUSE = 9;
export const VM_BEHAVIOR_CAN_REUSE = 10;
/** Served only by a MACH_ASSERT (development) kernel: a release kernel's vm_map_behavior_set refuses it. */
export const VM_BEHAVIOR_PAGEOUT = 11;

export const VM_SYNC_ASYNCHRONOUS = 0x01;
export const VM_SYNC_SYNCHRONOUS = 0x02;
export const VM_SYNC_INVALIDATE = 0x04;
export const VM_SYNC_KILLPAGES = 0x08;
export const VM_SYNC_DEACTIVATE = 0x10;
export const VM_SYNC_CONTIGUOUS = 0x20;
export const VM_SYNC_REUSABLEPAGES = 0x40;

export const MATTR_CACHE = 1;
export const MATTR_MIGRATE = 2;
export const MATTR_REPLICATE = 4;
export const MATTR_VAL_OFF = 0;
export const MATTR_VAL_ON = 1;
export const MATTR_VAL_GET = 2;
export const MATTR_VAL_CACHE_FLUSH = 6;

export const VM_PURGABLE_SET_STATE = 0;
export const VM_PURGABLE_GET_STATE = 1;
export const VM_PURGABLE_PURGE_ALL = 2;
export const VM_PURGABLE_NONVOLATILE = 0;
export const VM_PURGABLE_VOLATILE = 1;
export const VM_PURGABLE_EMPTY = 2;
export const VM_PURGABLE_DENY = 3;
export const VM_PURGABLE_STATE_MASK = 3;
export const VM_PURGABLE_DEBUG_EMPTY = 1 << 12;
/** Every bit a SET_STATE may carry: the state, volatile order, ordering, behavior, group, debug and no-aging bits. */
export const VM_PURGABLE_ALL_MASKS = 0x3 | (1 << 4) | (1 << 5) | (1 << 6) | (7 << 8) | (0x3 << 12) | (1 << 16);

export const VM_PAGE_QUERY_PAGE_PRESENT = 0x1;
export const VM_PAGE_QUERY_PAGE_FICTITIOUS = 0x2;
export const VM_PAGE_QUERY_PAGE_REF = 0x4;
export const VM_PAGE_QUERY_PAGE_DIRTY = 0x8;
export const VM_PAGE_QUERY_PAGE_PAGED_OUT = 0x10;
export const VM_PAGE_QUERY_PAGE_COPIED = 0x20;
export const VM_PAGE_QUERY_PAGE_EXTERNAL = 0x80;

export const VM_PAGE_INFO_BASIC = 1;
/** vm_page_info_basic_data_t: disposition, ref_count, object_id, offset, depth and its padding word. */
export const VM_PAGE_INFO_BASIC_LAYOUT = defineLayout("vm_page_info_basic", 32, {
  disposition: { at: 0, type: "i32" },
  refCount: { at: 4, type: "i32" },
  objectId: { at: 8, type: "u64" },
  offset: { at: 16, type: "u64" },
  depth: { at: 24, type: "i32" },
});
export const VM_PAGE_INFO_BASIC_COUNT = VM_PAGE_INFO_BASIC_LAYOUT.size / 4;

/** mach_vm_read_list's and vm_read_list's bound on entries (vm_region.h's VM_MAP_ENTRY_MAX): the list is 256 {address, size} pairs. */
export const VM_MAP_ENTRY_MAX = 256;
