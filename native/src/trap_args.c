/*
 * Traps over the wire: TRAP_ARGS carries a trap number and its argument slots;
 * the RESULT's value is the kern_return_t and its extra bytes the values the
 * trap copies out. The self-port and mach_msg traps of <mach/mach_traps.h> are
 * here too, under their trap names.
 */
#include "internal.h"

#include <stdlib.h>

kern_return_t machipc_trap_args(uint32_t which, const uint64_t *args, uint32_t argc, uint64_t *outs, uint32_t nouts) {
  if (machipc_connect_thread() < 0) return MACH_SEND_INVALID_DEST;
  unsigned char head[8 + 8 * 8];
  if (argc > 8) return MACH_SEND_INVALID_DATA;
  put32(head, which);
  put32(head + 4, argc);
  for (uint32_t i = 0; i < argc; i++) put64(head + 8 + 8 * i, args[i]);
  struct part p[1] = {{head, 8 + 8 * (size_t)argc}};
  int fd = machipc_thread_fd();
  if (machipc_send_frame(fd, OP_TRAP_ARGS, machipc_next_seq(), p, 1) < 0) return MACH_SEND_INVALID_DEST;
  uint32_t len;
  unsigned char *r = machipc_recv_result(fd, &len);
  if (!r) return MACH_SEND_INVALID_DEST;
  kern_return_t kr = (kern_return_t)get32(r);
  uint32_t msglen = get32(r + 4), extra = get32(r + 12);
  const unsigned char *e = r + 16 + ((msglen + 3) & ~3u);
  for (uint32_t i = 0; i < nouts; i++) outs[i] = (i + 1) * 8 <= extra && (size_t)(e - r) + (i + 1) * 8 <= len ? get64(e + 8 * i) : 0;
  free(r);
  return kr;
}

mach_port_name_t thread_self_trap(void) { return mach_thread_self(); }
mach_port_name_t host_self_trap(void) { return mach_host_self(); }
mach_port_name_t task_self_trap(void) { return machipc_trap(TRAP_TASK_SELF); }

mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify) {
  return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify, NULL, 0);
}

mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                          mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify, mach_msg_header_t *rcv_msg,
                                          mach_msg_size_t rcv_limit) {
  return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify, rcv_msg, rcv_limit);
}
