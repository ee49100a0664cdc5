/*
 * The credentials of the process at the other end of a Unix socket, as the
 * kernel recorded them at connect(): who a client is, whatever it says.
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

napi_value machipc_peer_credentials(napi_env env, napi_callback_info info) {
  int fd = addon_arg_fd(env, info, "peerCredentials(fd): fd must be a non-negative integer");
  if (fd < 0) return NULL;
#ifdef SO_PEERCRED
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return addon_throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
  /* A socket that was never connected (or not AF_UNIX) reports no process. */
  if (len != sizeof cred || cred.pid <= 0) return addon_throw_errno(env, "getsockopt(SO_PEERCRED)", ENOTCONN);
  napi_value out;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  if (addon_set_u32(env, out, "pid", (uint32_t)cred.pid) || addon_set_u32(env, out, "uid", (uint32_t)cred.uid) || addon_set_u32(env, out, "gid", (uint32_t)cred.gid)) return NULL;
  return out;
#else
  (void)fd;
  return addon_throw_errno(env, "peer credentials (SO_PEERCRED) on this system", ENOSYS);
#endif
}
