/*
 * The machine-dependent VM scalar types, which x86_64 and arm64 share (both
 * LP64): included by mach/i386/vm_types.h and mach/arm/vm_types.h.
 */
#ifndef MACHIPC_LP64_VM_TYPES_H
#define MACHIPC_LP64_VM_TYPES_H
#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t vm_map_offset_t;
typedef uint64_t vm_map_address_t;
typedef uint64_t vm_map_size_t;
typedef mach_vm_address_t mach_port_context_t;

#define MACH_MSG_TYPE_INTEGER_T MACH_MSG_TYPE_INTEGER_32
#endif
