/*
 * <mach/mach.h>: everything a Mach program uses, as macOS's libsystem header
 * gathers it, and libsystem's message-server helpers.
 */
#ifndef _MACH_H_
#define _MACH_H_
#define __MACH30__
#define MACH_IPC_FLAVOR UNTYPED

#include <mach/std_types.h>
#include <mach/mach_types.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/mach_init.h>
#include <mach/mach_host.h>
#include <mach/thread_switch.h>
#include <mach/rpc.h>
#include <mach/mig.h>
#include <mach/mig_errors.h>
#include <mach/mach_error.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
extern void slot_name(cpu_type_t, cpu_subtype_t, char **, char **);
extern void mig_reply_setup(mach_msg_header_t *, mach_msg_header_t *);
extern void mach_msg_destroy(mach_msg_header_t *);
extern mach_msg_return_t mach_msg_receive(mach_msg_header_t *);
extern mach_msg_return_t mach_msg_send(mach_msg_header_t *);
extern mach_msg_return_t mach_msg_server_once(boolean_t (*)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t, mach_port_t,
                                              mach_msg_options_t);
extern mach_msg_return_t mach_msg_server(boolean_t (*)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t, mach_port_t,
                                         mach_msg_options_t);
extern mach_msg_return_t mach_msg_server_importance(boolean_t (*)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t,
                                                    mach_port_t, mach_msg_options_t);
extern kern_return_t clock_sleep(mach_port_t, int, mach_timespec_t, mach_timespec_t *);
MACHIPC_END_DECLS
#endif
