/* Mach timers: a receive right the kernel sends an mk_timer_expire_msg_t to when it is armed and its time comes. */
#ifndef _MACH_MK_TIMER_H_
#define _MACH_MK_TIMER_H_
#include <mach/mach_time.h>
#include <mach/message.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
mach_port_name_t mk_timer_create(void);
kern_return_t mk_timer_destroy(mach_port_name_t name);
kern_return_t mk_timer_arm(mach_port_name_t name, uint64_t expire_time);
kern_return_t mk_timer_cancel(mach_port_name_t name, uint64_t *result_time);
MACHIPC_END_DECLS

#pragma pack(push, 4)
struct mk_timer_expire_msg {
  mach_msg_header_t header;
  uint64_t unused[3];
};
#pragma pack(pop)
typedef struct mk_timer_expire_msg mk_timer_expire_msg_t;

#endif
