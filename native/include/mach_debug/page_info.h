/* Page address lists (vm_mapped_pages_info). */
#ifndef MACH_DEBUG_PAGE_INFO_H
#define MACH_DEBUG_PAGE_INFO_H
#include <mach/machine/vm_types.h>
typedef vm_offset_t *page_address_array_t;
#endif
