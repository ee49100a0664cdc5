/**
 * What vm_region, vm_region_recurse and their 64-bit forms return (osfmk/mach/vm_region.h):
 * the flavors, each structure's layout (the SDK packs them to 4, so 64-bit offsets sit at
 * 4-byte boundaries), and the share modes, inheritance and behavior values their fields hold.
 * The kernel writes through these layouts and clients read with the same ones.
 */
import { defineLayout } from "./layout.js";

const i32 = (at: number) => ({ at, type: "i32" }) as const;
const u32 = (at: number) => ({ at, type: "u32" }) as const;
const u16 = (at: number) => ({ at, type: "u16" }) as const;
const u8 = (at: number) => ({ at, type: "u8" }) as const;
const u64 = (at: number) => ({ at, type: "u64" }) as const;

export const VM_REGION_BASIC_INFO_64 = 9;
export const VM_REGION_BASIC_INFO = 10;
export const VM_REGION_EXTENDED_INFO__legacy = 11;
export const VM_REGION_TOP_INFO = 12;
export const VM_REGION_EXTENDED_INFO = 13;
/** vm_region_info_t's bound (mach_types.defs: array[*:10] of int). */
export const VM_REGION_INFO_WORDS = 10;
/** vm_region_recurse_info_t's bound (array[*:19] of int). */
export const VM_REGION_RECURSE_INFO_WORDS = 19;

// Share modes.
export const SM_COW = 1;
export const SM_PRIVATE = 2;
export const SM_EMPTY = 3;
export const SM_SHARED = 4;
export const SM_TRUESHARED = 5;
export const SM_PRIVATE_ALIASED = 6;
export const SM_SHARED_ALIASED = 7;
export const SM_LARGE_PAGE = 8;

// vm_inherit.h and vm_behavior.h.
export const VM_INHERIT_SHARE = 0;
export const VM_INHERIT_COPY = 1;
export const VM_INHERIT_NONE = 2;
export const VM_INHERIT_DEFAULT = VM_INHERIT_COPY;
export const VM_BEHAVIOR_DEFAULT = 0;

// vm_statistics.h's VM_MEMORY_* tags (a region's user_tag) that a Linux mapping's name gives.
export const VM_MEMORY_MALLOC = 1;
export const VM_MEMORY_STACK = 30;

/** vm_region_basic_info_64 (VM_REGION_BASIC_INFO_64, 9 words). */
export const VM_REGION_BASIC_INFO_64_LAYOUT = defineLayout("vm_region_basic_info_64", 36, {
  protection: i32(0),
  maxProtection: i32(4),
  inheritance: u32(8),
  shared: u32(12),
  reserved: u32(16),
  offset: u64(20),
  behavior: i32(28),
  userWiredCount: u16(32),
});

/** vm_region_basic_info (VM_REGION_BASIC_INFO, 8 words: the offset cut to 32 bits). */
export const VM_REGION_BASIC_INFO_LAYOUT = defineLayout("vm_region_basic_info", 32, {
  protection: i32(0),
  maxProtection: i32(4),
  inheritance: u32(8),
  shared: u32(12),
  reserved: u32(16),
  offset: u32(20),
  behavior: i32(24),
  userWiredCount: u16(28),
});

/** vm_region_extended_info (VM_REGION_EXTENDED_INFO, 9 words; the legacy flavor stops before pages_reusable). */
export const VM_REGION_EXTENDED_INFO_LAYOUT = defineLayout("vm_region_extended_info", 36, {
  protection: i32(0),
  userTag: u32(4),
  pagesResident: u32(8),
  pagesSharedNowPrivate: u32(12),
  pagesSwappedOut: u32(16),
  pagesDirtied: u32(20),
  refCount: u32(24),
  shadowDepth: u16(28),
  externalPager: u8(30),
  shareMode: u8(31),
  pagesReusable: u32(32),
});

/** vm_region_top_info (VM_REGION_TOP_INFO, 5 words). */
export const VM_REGION_TOP_INFO_LAYOUT = defineLayout("vm_region_top_info", 20, {
  objId: u32(0),
  refCount: u32(4),
  privatePagesResident: u32(8),
  sharedPagesResident: u32(12),
  shareMode: u8(16),
});

/** vm_region_submap_info_64 (17 words, VM_REGION_SUBMAP_INFO_V1_COUNT_64; V0 is the first 16). */
export const VM_REGION_SUBMAP_INFO_64_LAYOUT = defineLayout("vm_region_submap_info_64", 68, {
  protection: i32(0),
  maxProtection: i32(4),
  inheritance: u32(8),
  offset: u64(12),
  userTag: u32(20),
  pagesResident: u32(24),
  pagesSharedNowPrivate: u32(28),
  pagesSwappedOut: u32(32),
  pagesDirtied: u32(36),
  refCount: u32(40),
  shadowDepth: u16(44),
  externalPager: u8(46),
  shareMode: u8(47),
  isSubmap: u32(48),
  behavior: i32(52),
  objectId: u32(56),
  userWiredCount: u16(60),
  pagesReusable: u32(64),
});

/** vm_region_submap_short_info_64 (12 words: asked for with fewer words than V0). */
export const VM_REGION_SUBMAP_SHORT_INFO_64_LAYOUT = defineLayout("vm_region_submap_short_info_64", 48, {
  protection: i32(0),
  maxProtection: i32(4),
  inheritance: u32(8),
  offset: u64(12),
  userTag: u32(20),
  refCount: u32(24),
  shadowDepth: u16(28),
  externalPager: u8(30),
  shareMode: u8(31),
  isSubmap: u32(32),
  behavior: i32(36),
  objectId: u32(40),
  userWiredCount: u16(44),
});

/** vm_region_submap_info (vm_region_recurse's 32-bit form, 15 words). */
export const VM_REGION_SUBMAP_INFO_LAYOUT = defineLayout("vm_region_submap_info", 60, {
  protection: i32(0),
  maxProtection: i32(4),
  inheritance: u32(8),
  offset: u32(12),
  userTag: u32(16),
  pagesResident: u32(20),
  pagesSharedNowPrivate: u32(24),
  pagesSwappedOut: u32(28),
  pagesDirtied: u32(32),
  refCount: u32(36),
  shadowDepth: u16(40),
  externalPager: u8(42),
  shareMode: u8(43),
  isSubmap: u32(44),
  behavior: i32(48),
  objectId: u32(52),
  userWiredCount: u16(56),
});

export const VM_REGION_BASIC_INFO_COUNT_64 = VM_REGION_BASIC_INFO_64_LAYOUT.size / 4;
export const VM_REGION_BASIC_INFO_COUNT = VM_REGION_BASIC_INFO_LAYOUT.size / 4;
export const VM_REGION_EXTENDED_INFO_COUNT = VM_REGION_EXTENDED_INFO_LAYOUT.size / 4;
export const VM_REGION_EXTENDED_INFO_COUNT__legacy = VM_REGION_EXTENDED_INFO_COUNT - 1;
export const VM_REGION_TOP_INFO_COUNT = VM_REGION_TOP_INFO_LAYOUT.size / 4;
export const VM_REGION_SUBMAP_INFO_V1_COUNT_64 = VM_REGION_SUBMAP_INFO_64_LAYOUT.size / 4;
export const VM_REGION_SUBMAP_INFO_V0_COUNT_64 = VM_REGION_SUBMAP_INFO_V1_COUNT_64 - 1;
export const VM_REGION_SUBMAP_SHORT_INFO_COUNT_64 = VM_REGION_SUBMAP_SHORT_INFO_64_LAYOUT.size / 4;
export const VM_REGION_SUBMAP_INFO_COUNT = VM_REGION_SUBMAP_INFO_LAYOUT.size / 4;
