/* machipc_native's module: the table of helpers, and what they share. */
#include "addon.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  napi_callback fn;
} helpers[] = {
    {"peerCredentials", machipc_peer_credentials},
    {"watchCalendar", machipc_watch_calendar},
    {"processVmRead", machipc_process_vm_read}, {"processVmWrite", machipc_process_vm_write},
    {"oolRecvFds", machipc_ool_recv_fds}, {"oolSendFds", machipc_ool_send_fds}, {"oolCheckFd", machipc_ool_check_fd}, {"oolReadFd", machipc_ool_read_fd}, {"closeFd", machipc_close_fd}, {"dupFd", machipc_dup_fd},
    {"sendFrame", machipc_send_frame},
};

napi_value addon_throw_errno(napi_env env, const char *what, int err) {
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_value msg, error, code, num;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, "ERRNO", NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, msg, &error) != napi_ok) return NULL;
  if (napi_create_int32(env, err, &num) == napi_ok) napi_set_named_property(env, error, "errno", num);
  napi_throw(env, error);
  return NULL;
}

int addon_arg_fd(napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, what);
    return -1;
  }
  return fd;
}

int addon_set_u32(napi_env env, napi_value obj, const char *name, uint32_t value) {
  napi_value v;
  if (napi_create_uint32(env, value, &v) != napi_ok) return -1;
  return napi_set_named_property(env, obj, name, v) == napi_ok ? 0 : -1;
}

NAPI_MODULE_INIT() {
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, helpers[i].name, NAPI_AUTO_LENGTH, helpers[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, helpers[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
