/*
 * Out-of-line regions passed as file descriptors (src/server/ool_fd.ts): a
 * side channel's SCM_RIGHTS messages, read and written here because Node's
 * sockets drop ancillary data, and the checks a received memfd must pass
 * before anything trusts it. Nothing here maps a descriptor: the bytes are
 * read with pread, which a hostile file cannot turn into a fault.
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* SCM_MAX_FD is 253; a frame names far fewer (OOL_FDS_MAX in src/server/protocol.ts). */
enum { FDS_MAX = 64 };

static int arg_u32s(napi_env env, napi_callback_info info, size_t want, uint32_t *out, napi_value *argv, const char *what) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) goto bad;
  for (size_t i = 0; i < want; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[i], &t) != napi_ok) goto bad;
    if (t != napi_number) {
      out[i] = 0;
      continue;
    }
    if (napi_get_value_uint32(env, argv[i], &out[i]) != napi_ok) goto bad;
  }
  return 0;
bad:
  napi_throw_type_error(env, NULL, what);
  return -1;
}

/*
 * oolRecvFds(sock, out) -> -1 (nothing queued, or the peer is gone), or how many descriptors one
 * message of the side channel brought, taken without blocking: out (an Int32Array of 2 + 64) gets
 * its tag, whether it was cut off (1: the caller refuses it) and the descriptors, which are the
 * server's (close-on-exec) from now on; the caller closes every one it does not keep. Filled in
 * place, not answered as an object: an object with its named properties per frame cost more than
 * the recvmsg.
 */
napi_value machipc_ool_recv_fds(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  napi_typedarray_type type;
  size_t room = 0;
  void *data = NULL;
  bool typed = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_is_typedarray(env, argv[1], &typed) != napi_ok || !typed || napi_get_typedarray_info(env, argv[1], &type, &room, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || room < 2 + FDS_MAX) {
    napi_throw_type_error(env, NULL, "oolRecvFds(sock, out): a descriptor and an Int32Array of at least 66");
    return NULL;
  }
  int32_t *out = data;
  unsigned char tag[4] = {0};
  struct iovec iov = {tag, sizeof tag};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
  } ctl;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t k;
  do k = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (k < 0 && errno == EINTR);
  int32_t n = -1;
  if (k > 0) {
    n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t m = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      /* The control buffer holds FDS_MAX at most, so they all fit in out. */
      for (size_t i = 0; i < m && n < FDS_MAX; i++) memcpy(&out[2 + n++], CMSG_DATA(c) + sizeof(int) * i, sizeof(int));
    }
    memcpy(&out[0], tag, 4);
    /* A short tag or cut-off descriptors make the message unusable. */
    out[1] = k != (ssize_t)sizeof tag || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0;
  }
  napi_value r;
  if (napi_create_int32(env, n, &r) != napi_ok) return NULL;
  return r;
}

/* oolSendFds(sock, tag, fds) -> 0, or the errno that stopped it (EAGAIN: the peer's queue is full). Never blocks. */
napi_value machipc_ool_send_fds(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t a[2];
  if (arg_u32s(env, info, 2, a, argv, "oolSendFds(sock, tag, fds)") < 0) return NULL;
  size_t argc = 3;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return NULL;
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[2], &n) != napi_ok || n > FDS_MAX) {
    napi_throw_type_error(env, NULL, "oolSendFds: fds must be an array of at most 64 descriptors");
    return NULL;
  }
  int fds[FDS_MAX];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t x;
    if (napi_get_element(env, argv[2], i, &v) != napi_ok || napi_get_value_int32(env, v, &x) != napi_ok) return NULL;
    fds[i] = x;
  }
  unsigned char tag[4];
  memcpy(tag, &a[1], 4);
  struct iovec iov = {tag, sizeof tag};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n > 0) {
    mh.msg_control = ctl.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  ssize_t k;
  do k = sendmsg((int)a[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (k < 0 && errno == EINTR);
  napi_value out;
  napi_create_int32(env, k == (ssize_t)sizeof tag ? 0 : k < 0 ? errno : EIO, &out);
  return out;
}

/*
 * oolCheckFd(fd, size) -> 0 when fd is a memfd sealed against shrinking, growing and
 * writing, holding at least `size` bytes; else 1 (not a memfd), 2 (not sealed), 3 (smaller).
 */
napi_value machipc_ool_check_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t a[2];
  if (arg_u32s(env, info, 2, a, argv, "oolCheckFd(fd, size)") < 0) return NULL;
  int fd = (int)a[0];
  int why = 0;
  struct stat st;
  /* F_GET_SEALS answers only for shared-memory files (memfd): anything else is refused. */
  int seals = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fcntl(fd, F_GET_SEALS) : -1;
  int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals < 0) why = 1;
  else if ((seals & need) != need) why = 2;
  else if ((uint64_t)st.st_size < a[1]) why = 3;
  napi_value out;
  napi_create_int32(env, why, &out);
  return out;
}

/* oolReadFd(fd, size) -> an ArrayBuffer of the first `size` bytes (pread; a checked fd cannot be short of them). */
napi_value machipc_ool_read_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t a[2];
  if (arg_u32s(env, info, 2, a, argv, "oolReadFd(fd, size)") < 0) return NULL;
  void *data;
  napi_value ab;
  if (napi_create_arraybuffer(env, a[1], &data, &ab) != napi_ok) return NULL;
  size_t off = 0;
  while (off < a[1]) {
    ssize_t r = pread((int)a[0], (char *)data + off, a[1] - off, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return addon_throw_errno(env, "pread", errno);
    if (r == 0) return addon_throw_errno(env, "pread", EIO);
    off += (size_t)r;
  }
  return ab;
}

/* closeFd(fd): the server lets go of a descriptor it holds. */
napi_value machipc_close_fd(napi_env env, napi_callback_info info) {
  int fd = addon_arg_fd(env, info, "closeFd(fd): fd must be a non-negative integer");
  if (fd < 0) return NULL;
  close(fd);
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/* dupFd(fd) -> a close-on-exec duplicate: a side channel outlives the net.Socket it came in on, which must stop reading it. */
napi_value machipc_dup_fd(napi_env env, napi_callback_info info) {
  int fd = addon_arg_fd(env, info, "dupFd(fd): fd must be a non-negative integer");
  if (fd < 0) return NULL;
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) return addon_throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
  napi_value out;
  napi_create_int32(env, d, &out);
  return out;
}
