/*
 * The server's socket fast path: a direct non-blocking send of a whole frame,
 * which the server tries before queueing through the socket's stream
 * (src/server/wire.ts).
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <sys/socket.h>

/*
 * sendFrame(fd, bytes[, length]) -> how many bytes went (0 when the socket would
 * block), or -errno. Never blocks and never raises SIGPIPE. `length` sends only
 * the first that many bytes (at most all of them), so a caller need not make a
 * view of a prefix for each frame.
 */
napi_value machipc_send_frame(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  bool typed = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_is_typedarray(env, argv[1], &typed) != napi_ok || !typed) {
    napi_throw_type_error(env, NULL, "sendFrame(fd, bytes[, length]): a descriptor and a Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "sendFrame(fd, bytes[, length]): bytes must be a Uint8Array");
    return NULL;
  }
  napi_valuetype lt = napi_undefined;
  if (argc >= 3 && napi_typeof(env, argv[2], &lt) == napi_ok && lt != napi_undefined) {
    // Read as a double: napi_get_value_int64 makes NaN and the infinities 0 and truncates a fraction, so a
    // length that is no count at all would go out as some other length instead of being refused.
    double want = -1;
    if (lt != napi_number || napi_get_value_double(env, argv[2], &want) != napi_ok || !(want >= 0 && want <= (double)length) || want != (double)(size_t)want) {
      napi_throw_range_error(env, NULL, "sendFrame(fd, bytes, length): length must be a count within bytes");
      return NULL;
    }
    length = (size_t)want;
  }
  ssize_t k;
  do k = send(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (k < 0 && errno == EINTR);
  double result = k >= 0 ? (double)k : (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -(double)errno;
  napi_value out;
  if (napi_create_double(env, result, &out) != napi_ok) return NULL;
  return out;
}
