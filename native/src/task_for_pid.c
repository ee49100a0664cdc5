/*
 * task_for_pid, task_name_for_pid and pid_for_task: BSD's Mach traps 45, 44
 * and 46 (osfmk/kern/syscall_sw.c), carried by the TRAP_ARGS operation. The
 * out word is written whatever the answer, as the traps copy it out.
 */
#include "internal.h"

#include <stdlib.h>

/* One TRAP_ARGS round trip: the kern_return_t, and the out word in *out. */
static kern_return_t trap_with_args(uint32_t trap, const uint64_t *args, uint32_t count, uint32_t *out) {
  if (machipc_connect_thread() < 0) return MACH_SEND_INVALID_DEST;
  unsigned char head[8];
  unsigned char words[8 * 4];
  put32(head, trap);
  put32(head + 4, count);
  for (uint32_t i = 0; i < count; i++) put64(words + 8 * i, args[i]);
  struct part p[2] = {{head, 8}, {words, 8 * (size_t)count}};
  int fd = machipc_thread_fd();
  if (machipc_send_frame(fd, OP_TRAP_ARGS, machipc_next_seq(), p, 2) < 0) return MACH_SEND_INVALID_DEST;
  uint32_t len;
  unsigned char *r = machipc_recv_result(fd, &len);
  if (!r) return MACH_RCV_PORT_DIED;
  kern_return_t kr = (kern_return_t)get32(r);
  uint64_t at = 16 + ((get32(r + 4) + 3) & ~(uint64_t)3);
  *out = get32(r + 12) >= 4 && at + 4 <= len ? get32(r + at) : 0;
  free(r);
  return kr;
}

kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t) {
  uint64_t a[2] = {target_tport, (uint64_t)(int64_t)pid};
  uint32_t out = MACH_PORT_NULL;
  kern_return_t kr = trap_with_args(45, a, 2, &out);
  *t = out;
  return kr;
}

kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *tn) {
  uint64_t a[2] = {target_tport, (uint64_t)(int64_t)pid};
  uint32_t out = MACH_PORT_NULL;
  kern_return_t kr = trap_with_args(44, a, 2, &out);
  *tn = out;
  return kr;
}

kern_return_t pid_for_task(mach_port_name_t t, int *x) {
  uint64_t a[1] = {t};
  uint32_t out = (uint32_t)-1;
  kern_return_t kr = trap_with_args(46, a, 1, &out);
  *x = (int)out;
  return kr;
}
