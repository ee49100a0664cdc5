/* Kernel zone statistics (mach_zone_info; not served, types only). */
#ifndef _MACH_DEBUG_ZONE_INFO_H_
#define _MACH_DEBUG_ZONE_INFO_H_
#include <mach/boolean.h>
#include <mach/machine/vm_types.h>

#define ZONE_NAME_MAX_LEN 80
typedef struct zone_name {
  char zn_name[ZONE_NAME_MAX_LEN];
} zone_name_t;
typedef zone_name_t *zone_name_array_t;

typedef struct zone_info {
  integer_t zi_count;
  vm_size_t zi_cur_size;
  vm_size_t zi_max_size;
  vm_size_t zi_elem_size;
  vm_size_t zi_alloc_size;
  integer_t zi_pageable;
  integer_t zi_sleepable;
  integer_t zi_exhaustible;
  integer_t zi_collectable;
} zone_info_t;
typedef zone_info_t *zone_info_array_t;

#define MACH_ZONE_NAME_MAX_LEN 80
typedef struct mach_zone_name {
  char mzn_name[ZONE_NAME_MAX_LEN];
} mach_zone_name_t;
typedef mach_zone_name_t *mach_zone_name_array_t;

typedef struct mach_zone_info_data {
  uint64_t mzi_count;
  uint64_t mzi_cur_size;
  uint64_t mzi_max_size;
  uint64_t mzi_elem_size;
  uint64_t mzi_alloc_size;
  uint64_t mzi_sum_size;
  uint64_t mzi_exhaustible;
  uint64_t mzi_collectable;
} mach_zone_info_t;
typedef mach_zone_info_t *mach_zone_info_array_t;

typedef struct task_zone_info_data {
  uint64_t tzi_count;
  uint64_t tzi_cur_size;
  uint64_t tzi_max_size;
  uint64_t tzi_elem_size;
  uint64_t tzi_alloc_size;
  uint64_t tzi_sum_size;
  uint64_t tzi_exhaustible;
  uint64_t tzi_collectable;
  uint64_t tzi_caller_acct;
  uint64_t tzi_task_alloc;
  uint64_t tzi_task_free;
} task_zone_info_t;
typedef task_zone_info_t *task_zone_info_array_t;

typedef struct mach_memory_info {
  uint64_t flags;
  uint64_t site;
  uint64_t size;
  uint64_t free;
  uint64_t largest;
  uint64_t _resv[3];
} mach_memory_info_t;
typedef mach_memory_info_t *mach_memory_info_array_t;
#endif
