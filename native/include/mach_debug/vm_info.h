/* VM region and object debugging records (not served; types only), packed to 4 as in the SDK. */
#ifndef _MACH_DEBUG_VM_INFO_H_
#define _MACH_DEBUG_VM_INFO_H_
#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/memory_object_types.h>

#pragma pack(push, 4)
typedef struct mach_vm_info_region {
  mach_vm_offset_t vir_start;
  mach_vm_offset_t vir_end;
  mach_vm_offset_t vir_object;
  memory_object_offset_t vir_offset;
  boolean_t vir_needs_copy;
  vm_prot_t vir_protection;
  vm_prot_t vir_max_protection;
  vm_inherit_t vir_inheritance;
  natural_t vir_wired_count;
  natural_t vir_user_wired_count;
} mach_vm_info_region_t;

typedef struct vm_info_region_64 {
  natural_t vir_start;
  natural_t vir_end;
  natural_t vir_object;
  memory_object_offset_t vir_offset;
  boolean_t vir_needs_copy;
  vm_prot_t vir_protection;
  vm_prot_t vir_max_protection;
  vm_inherit_t vir_inheritance;
  natural_t vir_wired_count;
  natural_t vir_user_wired_count;
} vm_info_region_64_t;

typedef struct vm_info_region {
  natural_t vir_start;
  natural_t vir_end;
  natural_t vir_object;
  natural_t vir_offset;
  boolean_t vir_needs_copy;
  vm_prot_t vir_protection;
  vm_prot_t vir_max_protection;
  vm_inherit_t vir_inheritance;
  natural_t vir_wired_count;
  natural_t vir_user_wired_count;
} vm_info_region_t;

typedef struct vm_info_object {
  natural_t vio_object;
  natural_t vio_size;
  unsigned int vio_ref_count;
  unsigned int vio_resident_page_count;
  unsigned int vio_absent_count;
  natural_t vio_copy;
  natural_t vio_shadow;
  natural_t vio_shadow_offset;
  natural_t vio_paging_offset;
  memory_object_copy_strategy_t vio_copy_strategy;
  vm_offset_t vio_last_alloc;
  unsigned int vio_paging_in_progress;
  boolean_t vio_pager_created;
  boolean_t vio_pager_initialized;
  boolean_t vio_pager_ready;
  boolean_t vio_can_persist;
  boolean_t vio_internal;
  boolean_t vio_temporary;
  boolean_t vio_alive;
  boolean_t vio_purgable;
  boolean_t vio_purgable_volatile;
} vm_info_object_t;
typedef vm_info_object_t *vm_info_object_array_t;
#pragma pack(pop)
#endif
