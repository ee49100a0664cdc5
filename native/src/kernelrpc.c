/*
 * The kernel-RPC traps of <mach/mach_traps.h> for ports: each goes to the
 * server as TRAP_ARGS, which answers for the caller's own task and says
 * MACH_SEND_INVALID_DEST for any other (libsystem then sends the MIG message).
 * A NULL out-pointer fails the copyout after the work is done, as in XNU.
 */
#include "internal.h"

static kern_return_t trap_out32(uint32_t which, const uint64_t *args, uint32_t argc, mach_port_name_t *out) {
  uint64_t o = 0;
  kern_return_t kr = machipc_trap_args(which, args, argc, &o, 1);
  if (kr != KERN_SUCCESS) return kr;
  if (!out) return MACHIPC_EFAULT;
  *out = (mach_port_name_t)o;
  return KERN_SUCCESS;
}

kern_return_t _kernelrpc_mach_port_allocate_trap(mach_port_name_t target, mach_port_right_t right, mach_port_name_t *name) {
  uint64_t a[] = {target, right};
  return trap_out32(TRAP_PORT_ALLOCATE, a, 2, name);
}

kern_return_t _kernelrpc_mach_port_destroy_trap(mach_port_name_t target, mach_port_name_t name) {
  uint64_t a[] = {target, name};
  return machipc_trap_args(TRAP_PORT_DESTROY, a, 2, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_deallocate_trap(mach_port_name_t target, mach_port_name_t name) {
  uint64_t a[] = {target, name};
  return machipc_trap_args(TRAP_PORT_DEALLOCATE, a, 2, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_mod_refs_trap(mach_port_name_t target, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta) {
  uint64_t a[] = {target, name, right, (uint64_t)(int64_t)delta};
  return machipc_trap_args(TRAP_PORT_MOD_REFS, a, 4, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_move_member_trap(mach_port_name_t target, mach_port_name_t member, mach_port_name_t after) {
  uint64_t a[] = {target, member, after};
  return machipc_trap_args(TRAP_PORT_MOVE_MEMBER, a, 3, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_insert_right_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t poly,
                                                     mach_msg_type_name_t polyPoly) {
  uint64_t a[] = {target, name, poly, polyPoly};
  return machipc_trap_args(TRAP_PORT_INSERT_RIGHT, a, 4, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_insert_member_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t pset) {
  uint64_t a[] = {target, name, pset};
  return machipc_trap_args(TRAP_PORT_INSERT_MEMBER, a, 3, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_extract_member_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t pset) {
  uint64_t a[] = {target, name, pset};
  return machipc_trap_args(TRAP_PORT_EXTRACT_MEMBER, a, 3, NULL, 0);
}

/* The options are copied in before the target is looked at: a bad pointer is MACH_SEND_INVALID_DATA whatever the target. */
kern_return_t _kernelrpc_mach_port_construct_trap(mach_port_name_t target, mach_port_options_t *options, uint64_t context, mach_port_name_t *name) {
  if (!options) return MACH_SEND_INVALID_DATA;
  uint64_t a[] = {target, options->flags, options->mpl.mpl_qlimit, context};
  return trap_out32(TRAP_PORT_CONSTRUCT, a, 4, name);
}

kern_return_t _kernelrpc_mach_port_destruct_trap(mach_port_name_t target, mach_port_name_t name, mach_port_delta_t srdelta, uint64_t guard) {
  uint64_t a[] = {target, name, (uint64_t)(int64_t)srdelta, guard};
  return machipc_trap_args(TRAP_PORT_DESTRUCT, a, 4, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_guard_trap(mach_port_name_t target, mach_port_name_t name, uint64_t guard, boolean_t strict) {
  uint64_t a[] = {target, name, guard, strict};
  return machipc_trap_args(TRAP_PORT_GUARD, a, 4, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_unguard_trap(mach_port_name_t target, mach_port_name_t name, uint64_t guard) {
  uint64_t a[] = {target, name, guard};
  return machipc_trap_args(TRAP_PORT_UNGUARD, a, 3, NULL, 0);
}
