/* Intel's page geometry and user address range. */
#ifndef _MACH_I386_VM_PARAM_H_
#define _MACH_I386_VM_PARAM_H_

#define BYTE_SIZE 8
#define I386_PGBYTES 4096
#define I386_PGSHIFT 12
#define PAGE_SIZE I386_PGBYTES
#define PAGE_SHIFT I386_PGSHIFT
#define PAGE_MASK (PAGE_SIZE - 1)
#define PAGE_MAX_SHIFT PAGE_SHIFT
#define PAGE_MAX_SIZE PAGE_SIZE
#define PAGE_MAX_MASK PAGE_MASK
#define PAGE_MIN_SHIFT PAGE_SHIFT
#define PAGE_MIN_SIZE PAGE_SIZE
#define PAGE_MIN_MASK PAGE_MASK
#define I386_LPGBYTES 2 * 1024 * 1024
#define I386_LPGSHIFT 21
#define I386_LPGMASK (I386_LPGBYTES - 1)

#define MACH_VM_MIN_ADDRESS ((mach_vm_offset_t)0)
#define MACH_VM_MAX_ADDRESS ((mach_vm_offset_t)0x00007FFFFFE00000ULL)
#define VM_MIN_ADDRESS ((vm_offset_t)0)
#define VM_USRSTACK32 ((vm_offset_t)0xC0000000)
#define VM_MAX_ADDRESS ((vm_offset_t)0xFFE00000)
#endif
