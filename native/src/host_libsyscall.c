/*
 * The mach_host routines only libsystem has (mach_host.defs declares them for LIBSYSCALL_INTERFACE
 * and the kernel skips their ids), answered as libsyscall/mach/host.c answers them on OS X 10.11:
 * the ATM diagnostic flag is a word of the commpage that host_set_atm_diagnostic_flag writes,
 * read here from the served kernel (ADMIN_COMMPAGE) since Linux has no commpage of its; the
 * multiuser calls are KERN_NOT_SUPPORTED, as on a Mac.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <mach/mach_host.h>
#include <stdlib.h>

/* ADMIN's command (src/server/protocol.ts's ADMIN_COMMPAGE): {"atmDiagnosticConfig": n}. */
enum { ADMIN_COMMPAGE = 9 };

kern_return_t host_get_atm_diagnostic_flag(host_t host, uint32_t *diagnostic_flag) {
  (void)host; /* libsyscall ignores it too: the commpage is every task's */
  if (machipc_connect_quietly() < 0) return KERN_FAILURE;
  unsigned char a[8];
  put32(a, ADMIN_COMMPAGE);
  put32(a + 4, 0);
  struct part p[1] = {{a, sizeof a}};
  if (machipc_send_frame(machipc_thread_fd(), OP_ADMIN, machipc_next_seq(), p, 1) < 0) return KERN_FAILURE;
  uint32_t len = 0;
  unsigned char *r = machipc_recv_result(machipc_thread_fd(), &len);
  if (!r) return KERN_FAILURE;
  uint64_t at = 16 + (((uint64_t)get32(r + 4) + 3) & ~(uint64_t)3);
  uint32_t n = len >= 16 ? get32(r + 12) : 0;
  kern_return_t kr = KERN_FAILURE;
  static const char key[] = "\"atmDiagnosticConfig\":";
  if (at + n <= len) {
    const char *t = (const char *)r + at;
    const char *k = memmem(t, n, key, sizeof key - 1);
    if (k) {
      char digits[16] = {0};
      const char *d = k + sizeof key - 1;
      for (size_t i = 0; i + 1 < sizeof digits && d + i < t + n && d[i] >= '0' && d[i] <= '9'; i++) digits[i] = d[i];
      if (digits[0]) {
        *diagnostic_flag = (uint32_t)strtoul(digits, NULL, 10);
        kr = KERN_SUCCESS;
      }
    }
  }
  free(r);
  return kr;
}

kern_return_t host_get_multiuser_config_flags(host_t host, uint32_t *multiuser_flags) {
  (void)host;
  (void)multiuser_flags;
  return KERN_NOT_SUPPORTED;
}

kern_return_t host_check_multiuser_mode(host_t host, uint32_t *multiuser_mode) {
  (void)host;
  (void)multiuser_mode;
  return KERN_NOT_SUPPORTED;
}
