/*
 * libsystem's message helpers: mach_msg_send / mach_msg_receive with the
 * header's own size, mach_msg_server_once / mach_msg_server (receive a
 * request, let a MIG demultiplexer build the reply, send it, destroy what
 * was not kept), and mach_msg_destroy for a received message's rights and
 * out-of-line memory.
 */
#include "internal.h"

#include <stdlib.h>

mach_msg_return_t mach_msg_send(mach_msg_header_t *msg) {
  return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg) {
  return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size, msg->msgh_local_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

/* Release a right a message carries with `type` (a received message carries PORT_* types). */
static void destroy_right(mach_port_t port, mach_msg_type_name_t type) {
  if (!MACH_PORT_VALID(port)) return;
  switch (type) {
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      mach_port_deallocate(mach_task_self(), port);
      return;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
      return;
    case MACH_MSG_TYPE_MAKE_SEND:
      mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
      mach_port_deallocate(mach_task_self(), port);
      return;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: {
      /* A send-once right made to be destroyed: its send-once notification goes to the receiver. */
      mach_port_t so = MACH_PORT_NULL;
      mach_msg_type_name_t type_out;
      if (mach_port_extract_right(mach_task_self(), port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &type_out) == KERN_SUCCESS)
        mach_port_deallocate(mach_task_self(), so);
      return;
    }
  }
}

void mach_msg_destroy(mach_msg_header_t *msg) {
  mach_msg_bits_t bits = msg->msgh_bits;
  /* msgh_local_port holds no right (the receive consumed the destination); the remote and voucher rights go. */
  destroy_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
  destroy_right(msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return;
  mach_msg_body_t *body = (mach_msg_body_t *)(msg + 1);
  unsigned char *p = (unsigned char *)(body + 1);
  unsigned char *end = (unsigned char *)msg + msg->msgh_size;
  for (mach_msg_size_t i = 0; i < body->msgh_descriptor_count && p + sizeof(mach_msg_type_descriptor_t) <= end; i++) {
    mach_msg_descriptor_t *d = (mach_msg_descriptor_t *)p;
    switch (d->type.type) {
      case MACH_MSG_PORT_DESCRIPTOR:
        destroy_right(d->port.name, d->port.disposition);
        p += sizeof(mach_msg_port_descriptor_t);
        break;
      case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
      case MACH_MSG_OOL_DESCRIPTOR:
        if (d->out_of_line.size > 0) vm_deallocate(mach_task_self(), (vm_address_t)d->out_of_line.address, d->out_of_line.size);
        p += sizeof(mach_msg_ool_descriptor_t);
        break;
      case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
        mach_port_t *ports = d->ool_ports.address;
        for (mach_msg_size_t k = 0; ports && k < d->ool_ports.count; k++) destroy_right(ports[k], d->ool_ports.disposition);
        if (d->ool_ports.count > 0) vm_deallocate(mach_task_self(), (vm_address_t)ports, d->ool_ports.count * sizeof(mach_port_t));
        p += sizeof(mach_msg_ool_ports_descriptor_t);
        break;
      }
      default:
        return;
    }
  }
}

/* One request: received into `req`, answered from `rep` by `demux`. */
static mach_msg_return_t serve_one(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *), mig_reply_error_t *req, mig_reply_error_t *rep,
                                   mach_msg_size_t max_size, mach_port_t rcv_name, mach_msg_options_t options, int receive) {
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  if (receive) {
    mr = mach_msg(&req->Head, MACH_RCV_MSG | (options & ~MACH_SEND_MSG), 0, max_size, rcv_name, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) return mr;
  }
  (void)demux(&req->Head, &rep->Head);
  if (!(rep->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
    if (rep->RetCode == MIG_NO_REPLY)
      rep->Head.msgh_remote_port = MACH_PORT_NULL;
    else if (rep->RetCode != KERN_SUCCESS && (req->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
      /* A refused request's rights and memory are released, but not the reply port the answer uses. */
      req->Head.msgh_remote_port = MACH_PORT_NULL;
      mach_msg_destroy(&req->Head);
    }
  }
  if (rep->Head.msgh_remote_port == MACH_PORT_NULL) return MACH_MSG_SUCCESS;
  /* A send-once reply cannot block; any other reply is sent with a zero timeout, so a full queue does not stall the server. */
  mach_msg_option_t send_opts = MACH_MSGH_BITS_REMOTE(rep->Head.msgh_bits) == MACH_MSG_TYPE_MOVE_SEND_ONCE ? MACH_SEND_MSG | options
                                                                                                            : MACH_SEND_MSG | MACH_SEND_TIMEOUT | options;
  mr = mach_msg(&rep->Head, send_opts & ~MACH_RCV_MSG, rep->Head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT) {
    mach_msg_destroy(&rep->Head);
    return MACH_MSG_SUCCESS;
  }
  return mr;
}

static mach_msg_return_t server_loop(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t max_size, mach_port_t rcv_name,
                                     mach_msg_options_t options, int once) {
  mach_msg_size_t size = max_size + MAX_TRAILER_SIZE;
  mig_reply_error_t *req = calloc(1, size), *rep = calloc(1, size);
  if (!req || !rep) {
    free(req);
    free(rep);
    return KERN_RESOURCE_SHORTAGE;
  }
  mach_msg_return_t mr;
  do {
    mr = serve_one(demux, req, rep, size, rcv_name, options, 1);
  } while (!once && (mr == MACH_MSG_SUCCESS || mr == MACH_RCV_TOO_LARGE));
  free(req);
  free(rep);
  return mr;
}

mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t max_size, mach_port_t rcv_name,
                                       mach_msg_options_t options) {
  return server_loop(demux, max_size, rcv_name, options, 1);
}

mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t max_size, mach_port_t rcv_name,
                                  mach_msg_options_t options) {
  return server_loop(demux, max_size, rcv_name, options, 0);
}

mach_msg_return_t mach_msg_server_importance(boolean_t (*demux)(mach_msg_header_t *, mach_msg_header_t *), mach_msg_size_t max_size,
                                             mach_port_t rcv_name, mach_msg_options_t options) {
  return server_loop(demux, max_size, rcv_name, options, 0);
}

/* mig_reply_setup: the reply header a MIG server routine answers `request` with. */
void mig_reply_setup(mach_msg_header_t *request, mach_msg_header_t *reply) {
  mig_reply_error_t *r = (mig_reply_error_t *)reply;
  r->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request->msgh_bits), 0);
  r->Head.msgh_remote_port = request->msgh_remote_port;
  r->Head.msgh_size = sizeof(mig_reply_error_t);
  r->Head.msgh_local_port = MACH_PORT_NULL;
  r->Head.msgh_voucher_port = MACH_PORT_NULL;
  r->Head.msgh_id = request->msgh_id + 100;
  r->NDR = NDR_record;
  r->RetCode = MIG_BAD_ID;
}
