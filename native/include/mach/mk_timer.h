/* <mach/mk_timer.h>: Mach timers (traps 91-94) and the message an armed timer sends when it expires. */
#ifndef _MACH_MK_TIMER_H_
#define _MACH_MK_TIMER_H_

#include <mach/mach_time.h>
#include <mach/message.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS

/* A receive right for a new timer, or MACH_PORT_NULL. */
mach_port_name_t mk_timer_create(void);
kern_return_t mk_timer_destroy(mach_port_name_t name);
/* Arm for the mach_absolute_time() deadline `expire_time` (a past one expires at once). */
kern_return_t mk_timer_arm(mach_port_name_t name, uint64_t expire_time);
/* Disarm; `result_time` (may be NULL) gets the deadline it was armed for, or 0. */
kern_return_t mk_timer_cancel(mach_port_name_t name, uint64_t *result_time);

MACHIPC_END_DECLS

#pragma pack(4)
struct mk_timer_expire_msg {
  mach_msg_header_t header;
  uint64_t unused[3];
};
#pragma pack()

typedef struct mk_timer_expire_msg mk_timer_expire_msg_t;

#endif /* _MACH_MK_TIMER_H_ */
