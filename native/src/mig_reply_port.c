/*
 * MIG's per-thread reply port, as libsystem keeps it (libsyscall's
 * mig_reply_port.c): made on first use, and given up after a call whose reply
 * port can no longer be trusted, with the RPC core the generated stubs share.
 */
#include "gen/gen.h"

/* libsystem's NDR record: this machine's byte order, as every MIG message carries it. */
NDR_record_t NDR_record = {0, 0, 0, 0, 1, 0, 0, 0};

static __thread mach_port_t t_mig_reply;
/* Set while mig_dealloc_reply_port's own calls run, so that their failures do not recurse. */
static __thread int t_in_dealloc;

mach_port_t mig_get_reply_port(void) {
  if (t_mig_reply == MACH_PORT_NULL) t_mig_reply = mach_reply_port();
  return t_mig_reply;
}

void mig_dealloc_reply_port(mach_port_t reply_port) {
  mach_port_t port = t_mig_reply;
  if (port == MACH_PORT_NULL || t_in_dealloc) return;
  /* Forget it first: the calls below take a fresh reply port of their own, which the thread keeps. */
  t_mig_reply = MACH_PORT_NULL;
  t_in_dealloc = 1;
  (void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
  if (reply_port != port) (void)mach_port_deallocate(mach_task_self(), reply_port);
  t_in_dealloc = 0;
}

void mig_put_reply_port(mach_port_t reply_port) { (void)reply_port; }

/* The thread is ending: its reply port goes with it, as libpthread destroys it at thread exit. */
void machipc_mig_reply_thread_exit(void) {
  mach_port_t port = t_mig_reply;
  t_mig_reply = MACH_PORT_NULL;
  if (port != MACH_PORT_NULL) (void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/*
 * __MachMsgErrorWithoutTimeout: a message the kernel refused before taking the
 * reply right (invalid data, destination or header) leaves the reply port
 * clean; any other failure may leave a send-once notification or a late
 * reply on it, so it is replaced.
 */
static void after_error(mach_msg_return_t mr, mach_port_t reply) {
  switch (mr) {
    case MACH_SEND_INVALID_DATA:
    case MACH_SEND_INVALID_DEST:
    case MACH_SEND_INVALID_HEADER:
      mig_put_reply_port(reply);
      break;
    default:
      mig_dealloc_reply_port(reply);
  }
}

mach_msg_return_t machipc_mig_rpc(mach_msg_header_t *m, mach_msg_bits_t bits, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                  mach_port_t target, mach_msg_id_t id) {
  return machipc_mig_rpc_trailer(m, bits, send_size, rcv_size, target, id, 0);
}

mach_msg_return_t machipc_mig_rpc_trailer(mach_msg_header_t *m, mach_msg_bits_t bits, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                          mach_port_t target, mach_msg_id_t id, mach_msg_option_t rcv_options) {
  m->msgh_bits = bits;
  m->msgh_size = send_size;
  m->msgh_remote_port = target;
  m->msgh_local_port = mig_get_reply_port();
  m->msgh_voucher_port = MACH_PORT_NULL;
  m->msgh_id = id;
  mach_port_t reply = m->msgh_local_port;
  mach_msg_return_t mr = mach_msg(m, MACH_SEND_MSG | MACH_RCV_MSG | rcv_options, send_size, rcv_size, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) after_error(mr, reply);
  return mr;
}

mach_msg_return_t machipc_mig_send(mach_msg_header_t *m, mach_msg_bits_t bits, mach_msg_size_t send_size, mach_port_t target, mach_msg_id_t id) {
  m->msgh_bits = bits;
  m->msgh_size = send_size;
  m->msgh_remote_port = target;
  m->msgh_local_port = MACH_PORT_NULL;
  m->msgh_voucher_port = MACH_PORT_NULL;
  m->msgh_id = id;
  return mach_msg(m, MACH_SEND_MSG, send_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

/* A fork's child: the parent's reply port name means nothing in the child's new space. */
void machipc_mig_reply_forked(void) { t_mig_reply = MACH_PORT_NULL; }
