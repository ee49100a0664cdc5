/*
 * The vm_map interface for a task's memory. libmachipc serves the calls a
 * Mach IPC program makes on its own task: allocate, deallocate and protect
 * (through the kernel-RPC traps, as libsystem does), including the
 * out-of-line memory a receive delivered.
 */
#ifndef _vm_map_user_
#define _vm_map_user_
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
kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size, int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size, boolean_t set_maximum, vm_prot_t new_protection);
kern_return_t vm_map(vm_map_t target_task, vm_address_t *address, vm_size_t size, vm_address_t mask, int flags, mem_entry_name_port_t object,
                     vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection, vm_prot_t max_protection, vm_inherit_t inheritance);
MACHIPC_END_DECLS
#endif
