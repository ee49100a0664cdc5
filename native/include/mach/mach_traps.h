/*
 * The Mach traps libsystem calls: the port and VM kernel-RPC traps (which
 * answer MACH_SEND_INVALID_DEST for a task other than the caller's, so the
 * caller falls back to the MIG message), the semaphore traps and the self
 * port traps. libmachipc carries each over the TRAP_ARGS wire operation;
 * thread_switch, swtch and swtch_pri only yield or wait, in the library.
 */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_
#include <stdint.h>
#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include <mach/vm_types.h>
#include <mach/clock_types.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
extern mach_port_name_t mach_reply_port(void);
extern mach_port_name_t thread_self_trap(void);
extern mach_port_name_t host_self_trap(void);
extern mach_port_name_t task_self_trap(void);
extern mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
                                       mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                       mach_port_name_t notify);
extern mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
                                                 mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                                 mach_port_name_t notify, mach_msg_header_t *rcv_msg, mach_msg_size_t rcv_limit);

extern kern_return_t semaphore_signal_trap(mach_port_name_t signal_name);
extern kern_return_t semaphore_signal_all_trap(mach_port_name_t signal_name);
extern kern_return_t semaphore_signal_thread_trap(mach_port_name_t signal_name, mach_port_name_t thread_name);
extern kern_return_t semaphore_wait_trap(mach_port_name_t wait_name);
extern kern_return_t semaphore_wait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name);
extern kern_return_t semaphore_timedwait_trap(mach_port_name_t wait_name, unsigned int sec, clock_res_t nsec);
extern kern_return_t semaphore_timedwait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name, unsigned int sec,
                                                     clock_res_t nsec);

extern kern_return_t _kernelrpc_mach_vm_allocate_trap(mach_port_name_t target, mach_vm_offset_t *addr, mach_vm_size_t size, int flags);
extern kern_return_t _kernelrpc_mach_vm_deallocate_trap(mach_port_name_t target, mach_vm_address_t address, mach_vm_size_t size);
extern kern_return_t _kernelrpc_mach_vm_map_trap(mach_port_name_t target, mach_vm_offset_t *address, mach_vm_size_t size, mach_vm_offset_t mask,
                                                 int flags, vm_prot_t cur_protection);
extern kern_return_t _kernelrpc_mach_vm_protect_trap(mach_port_name_t target, mach_vm_address_t address, mach_vm_size_t size,
                                                     boolean_t set_maximum, vm_prot_t new_protection);
extern kern_return_t _kernelrpc_mach_port_allocate_trap(mach_port_name_t target, mach_port_right_t right, mach_port_name_t *name);
extern kern_return_t _kernelrpc_mach_port_destroy_trap(mach_port_name_t target, mach_port_name_t name);
extern kern_return_t _kernelrpc_mach_port_deallocate_trap(mach_port_name_t target, mach_port_name_t name);
extern kern_return_t _kernelrpc_mach_port_mod_refs_trap(mach_port_name_t target, mach_port_name_t name, mach_port_right_t right,
                                                        mach_port_delta_t delta);
extern kern_return_t _kernelrpc_mach_port_move_member_trap(mach_port_name_t target, mach_port_name_t member, mach_port_name_t after);
extern kern_return_t _kernelrpc_mach_port_insert_right_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t poly,
                                                            mach_msg_type_name_t polyPoly);
extern kern_return_t _kernelrpc_mach_port_insert_member_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t pset);
extern kern_return_t _kernelrpc_mach_port_extract_member_trap(mach_port_name_t target, mach_port_name_t name, mach_port_name_t pset);
extern kern_return_t _kernelrpc_mach_port_construct_trap(mach_port_name_t target, mach_port_options_t *options, uint64_t context,
                                                         mach_port_name_t *name);
extern kern_return_t _kernelrpc_mach_port_destruct_trap(mach_port_name_t target, mach_port_name_t name, mach_port_delta_t srdelta,
                                                        uint64_t guard);
extern kern_return_t _kernelrpc_mach_port_guard_trap(mach_port_name_t target, mach_port_name_t name, uint64_t guard, boolean_t strict);
extern kern_return_t _kernelrpc_mach_port_unguard_trap(mach_port_name_t target, mach_port_name_t name, uint64_t guard);

extern kern_return_t clock_sleep_trap(mach_port_name_t clock_name, sleep_type_t sleep_type, int sleep_sec, int sleep_nsec,
                                     mach_timespec_t *wakeup_time);

extern boolean_t swtch_pri(int pri);
extern boolean_t swtch(void);
extern kern_return_t thread_switch(mach_port_name_t thread_name, int option, mach_msg_timeout_t option_time);

/* BSD's traps (bsd/vm/vm_unix.c): another process's task, its name port, a task's pid. */
extern kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t);
extern kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *tn);
extern kern_return_t pid_for_task(mach_port_name_t t, int *x);
MACHIPC_END_DECLS
#endif
