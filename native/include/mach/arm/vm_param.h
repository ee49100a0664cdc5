/* ARM's page geometry as macOS's arm64 user code sees it: the page size is the runtime vm_page_size. */
#ifndef _MACH_ARM_VM_PARAM_H_
#define _MACH_ARM_VM_PARAM_H_
#include <stdint.h>
#include <machipc/cdefs.h>

#define BYTE_SIZE 8
MACHIPC_BEGIN_DECLS
extern uintptr_t vm_page_size;
extern uintptr_t vm_page_mask;
extern int vm_page_shift;
MACHIPC_END_DECLS
#define PAGE_SIZE vm_page_size
#define PAGE_MASK vm_page_mask
#define PAGE_SHIFT vm_page_shift
#define PAGE_MAX_SHIFT 14
#define PAGE_MAX_SIZE (1 << PAGE_MAX_SHIFT)
#define PAGE_MAX_MASK (PAGE_MAX_SIZE - 1)
#define PAGE_MIN_SHIFT 12
#define PAGE_MIN_SIZE (1 << PAGE_MIN_SHIFT)
#define PAGE_MIN_MASK (PAGE_MIN_SIZE - 1)

#define MACH_VM_MIN_ADDRESS ((mach_vm_offset_t)0x0ULL)
#define MACH_VM_MAX_ADDRESS ((mach_vm_offset_t)0x0000000FC0000000ULL)
#define VM_MIN_ADDRESS ((vm_offset_t)0x0ULL)
#define VM_MAX_ADDRESS ((vm_offset_t)0x0000000080000000ULL)
#endif
