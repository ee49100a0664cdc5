/*
 * setuid and its kin: on macOS a credential change runs set_security_token, so the task's
 * security and audit tokens (what a message's trailer carries) and its host port follow the new
 * effective uid: a root process that drops to another user gets the plain host port from
 * mach_host_self() from then on, and a message it sends says who it is now. Linux knows nothing
 * of the task, so each call is interposed: the real one (dlsym(RTLD_NEXT)) runs, and when it
 * succeeds in a process that is a task, the server is told (ADMIN_CREDENTIALS). The server reads
 * the new credential from /proc, not from this message, so a process can only be what it is.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* ADMIN's command (src/server/protocol.ts's ADMIN_CREDENTIALS). */
enum { ADMIN_CREDENTIALS = 8 };

/* After a successful change: the task takes the process's credential. Errors are the server's to log. */
static void credential_changed(void) {
  if (!machipc_have_task() || machipc_connect_quietly() < 0) return;
  unsigned char a[8];
  put32(a, ADMIN_CREDENTIALS);
  put32(a + 4, 0);
  struct part p[1] = {{a, sizeof a}};
  if (machipc_send_frame(machipc_thread_fd(), OP_ADMIN, machipc_next_seq(), p, 1) < 0) return;
  uint32_t len = 0;
  free(machipc_recv_result(machipc_thread_fd(), &len));
}

/* The real call, found once; errno is kept across the notice so callers see the call's own. */
#define INTERPOSE(name, params, args)                               \
  int name params {                                                 \
    static int(*real) params;                                       \
    if (!real) real = (int(*) params)dlsym(RTLD_NEXT, #name);       \
    if (!real) return errno = ENOSYS, -1;                           \
    int r = real args;                                              \
    if (r == 0) {                                                   \
      int saved = errno;                                            \
      credential_changed();                                         \
      errno = saved;                                                \
    }                                                               \
    return r;                                                       \
  }

INTERPOSE(setuid, (uid_t uid), (uid))
INTERPOSE(seteuid, (uid_t uid), (uid))
INTERPOSE(setreuid, (uid_t ruid, uid_t euid), (ruid, euid))
INTERPOSE(setresuid, (uid_t ruid, uid_t euid, uid_t suid), (ruid, euid, suid))
INTERPOSE(setgid, (gid_t gid), (gid))
INTERPOSE(setegid, (gid_t gid), (gid))
INTERPOSE(setregid, (gid_t rgid, gid_t egid), (rgid, egid))
INTERPOSE(setresgid, (gid_t rgid, gid_t egid, gid_t sgid), (rgid, egid, sgid))
