/* Machine-independent VM types; the scalars are in mach/machine/vm_types.h. */
#ifndef _MACH_VM_TYPES_H_
#define _MACH_VM_TYPES_H_
#include <stdint.h>
#include <mach/port.h>
#include <mach/machine/vm_types.h>

typedef vm_offset_t pointer_t;
typedef vm_offset_t vm_address_t;
typedef uint64_t addr64_t;
typedef uint32_t reg64_t;
typedef uint32_t ppnum_t;
#define PPNUM_MAX UINT32_MAX

typedef mach_port_t vm_map_t;
#define VM_MAP_NULL ((vm_map_t)0)

typedef uint64_t vm_object_offset_t;
typedef uint64_t vm_object_size_t;

typedef mach_port_t upl_t;
typedef mach_port_t vm_named_entry_t;
#define UPL_NULL ((upl_t)0)
#define VM_NAMED_ENTRY_NULL ((vm_named_entry_t)0)
#endif
