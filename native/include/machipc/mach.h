/*
 * libmachipc: the Mach calls a C program makes, served by a machipc server.
 * The <mach/...> headers are laid out as the OS X 10.11 SDK's, with its
 * types, layouts and values (the values from src/abi, in constants.h); this
 * header includes them all.
 */
#ifndef MACHIPC_MACH_H
#define MACHIPC_MACH_H

#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_time.h>
#include <mach/mach_vm.h>
#include <mach/notify.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
/* The hand-written MIG user stubs of native/src/mig_stubs.c, until the generated ones replace them. */
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta);
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly);
kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t host_info_out, mach_msg_type_number_t *host_info_outCnt);
kern_return_t host_kernel_version(host_t host, kernel_version_t kernel_version);
kern_return_t host_get_special_port(host_priv_t host_priv, int node, int which, mach_port_t *port);
kern_return_t host_set_special_port(host_priv_t host_priv, int which, mach_port_t port);
kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, mach_port_t new_port,
                                       exception_behavior_t behavior, thread_state_flavor_t new_flavor);
kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, exception_mask_array_t masks,
                                       mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers,
                                       exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors);
kern_return_t host_processors(host_priv_t host_priv, processor_array_t *out_processor_list, mach_msg_type_number_t *out_processor_listCnt);
kern_return_t processor_info(processor_t processor, processor_flavor_t flavor, host_t *host, processor_info_t processor_info_out,
                             mach_msg_type_number_t *processor_info_outCnt);
MACHIPC_END_DECLS
#endif
