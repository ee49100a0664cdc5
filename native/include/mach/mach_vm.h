/* The 64-bit mach_vm interface: the same calls as mach/vm_map.h with mach_vm_* addresses and sizes. */
#ifndef _mach_vm_user_
#define _mach_vm_user_
#include <mach/ndr.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/notify.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/port.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address, mach_vm_size_t size, int flags);
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address, mach_vm_size_t size);
kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address, mach_vm_size_t size, boolean_t set_maximum,
                              vm_prot_t new_protection);
/* Anonymous memory (object MACH_PORT_NULL) through the kernel-RPC trap, as libsystem's; anything else is the MIG message. */
kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address, mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                          mem_entry_name_port_t object, memory_object_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
                          vm_prot_t max_protection, vm_inherit_t inheritance);
MACHIPC_END_DECLS
#endif
