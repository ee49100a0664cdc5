/*
 * MIG's per-thread reply port, as libsystem keeps it: made on first use, and
 * replaced after a call whose reply port can no longer be trusted.
 */
#include "internal.h"

static __thread mach_port_t t_mig_reply;

mach_port_t mig_get_reply_port(void) {
  if (t_mig_reply == MACH_PORT_NULL) t_mig_reply = mach_reply_port();
  return t_mig_reply;
}

void mig_dealloc_reply_port(mach_port_t reply_port) {
  (void)reply_port;
  mach_port_t p = t_mig_reply;
  t_mig_reply = MACH_PORT_NULL;
  if (p != MACH_PORT_NULL) mach_port_destroy(mach_task_self(), p);
}

void mig_put_reply_port(mach_port_t reply_port) { (void)reply_port; }


/* A fork's child: the parent's reply port name means nothing in the child's new space. */
void machipc_mig_reply_forked(void) { t_mig_reply = MACH_PORT_NULL; }
