/*
 * machipc_native: the server's one native helper module (an N-API addon, built
 * by scripts/build-native.mjs into native/build/machipc_native.node and loaded
 * by src/server/native.ts). Each helper is a napi_callback in its own file,
 * declared here and listed in module.c's table; add new ones the same way.
 */
#ifndef MACHIPC_ADDON_H
#define MACHIPC_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>

/* peerCredentials(fd) -> { pid, uid, gid }: SO_PEERCRED of a connected Unix socket. */
napi_value machipc_peer_credentials(napi_env env, napi_callback_info info);

/* watchCalendar(onSet) -> { stop() }: onSet() on every set of the wall clock (a timerfd with TFD_TIMER_CANCEL_ON_SET). */
napi_value machipc_watch_calendar(napi_env env, napi_callback_info info);

/* processVmRead / processVmWrite(pid, address: bigint, bytes: Uint8Array) -> bytes moved or -errno: process_vm_readv / writev (procmem.c). */
napi_value machipc_process_vm_read(napi_env env, napi_callback_info info);
napi_value machipc_process_vm_write(napi_env env, napi_callback_info info);
/* OOL regions by descriptor (fdpass.c): a side channel's SCM_RIGHTS messages, a memfd's checks and bytes. */
napi_value machipc_ool_recv_fds(napi_env env, napi_callback_info info);
napi_value machipc_ool_send_fds(napi_env env, napi_callback_info info);
napi_value machipc_ool_check_fd(napi_env env, napi_callback_info info);
napi_value machipc_ool_read_fd(napi_env env, napi_callback_info info);
napi_value machipc_close_fd(napi_env env, napi_callback_info info);
napi_value machipc_dup_fd(napi_env env, napi_callback_info info);

/* sendFrame(fd, bytes) -> bytes sent (0 when it would block) or -errno: one non-blocking send, no SIGPIPE. */
napi_value machipc_send_frame(napi_env env, napi_callback_info info);

/* Helpers shared by the functions above (module.c). */

/* Throws an Error "what: strerror(err)" with .code = "ERRNO" and .errno = err; returns NULL. */
napi_value addon_throw_errno(napi_env env, const char *what, int err);
/* The callback's first argument as a non-negative int32 (a file descriptor), or throws a TypeError with message `what` and returns -1. */
int addon_arg_fd(napi_env env, napi_callback_info info, const char *what);
/* Sets obj[name] = (uint32) value; returns 0, or -1 with an exception pending. */
int addon_set_u32(napi_env env, napi_value obj, const char *name, uint32_t value);

#endif
