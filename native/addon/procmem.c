/*
 * Another process's memory, for the kernel's mach_vm_read / mach_vm_write on a task that is a
 * libmachipc process: process_vm_readv and process_vm_writev, which Linux allows a process that
 * may ptrace the target (libmachipc names the server its ptracer at connect, native/src/ptracer.c).
 * Each moves all the bytes or fails: a transfer that stops short is retried from where it
 * stopped, and the error that stopped it is the answer.
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef ssize_t (*transfer_fn)(pid_t, const struct iovec *, unsigned long, const struct iovec *, unsigned long, unsigned long);

static ssize_t vm_read(pid_t pid, const struct iovec *local, unsigned long nl, const struct iovec *remote, unsigned long nr, unsigned long f) {
  return process_vm_readv(pid, local, nl, remote, nr, f);
}
static ssize_t vm_write(pid_t pid, const struct iovec *local, unsigned long nl, const struct iovec *remote, unsigned long nr, unsigned long f) {
  return process_vm_writev(pid, local, nl, remote, nr, f);
}

/* (pid, address: bigint, bytes: Uint8Array) -> bytes moved, or -errno. */
static napi_value transfer(napi_env env, napi_callback_info info, transfer_fn fn, const char *usage) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t pid = 0;
  uint64_t address = 0;
  bool lossless = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0 ||
      napi_get_value_bigint_uint64(env, argv[1], &address, &lossless) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  size_t done = 0;
  int64_t result = 0;
  while (done < length) {
    struct iovec local = {(char *)data + done, length - done};
    struct iovec remote = {(void *)(uintptr_t)(address + done), length - done};
    ssize_t n = fn((pid_t)pid, &local, 1, &remote, 1, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = -(int64_t)errno;
      break;
    }
    if (n == 0) {
      result = -(int64_t)EFAULT;
      break;
    }
    done += (size_t)n;
  }
  if (result == 0) result = (int64_t)done;
  napi_value out;
  if (napi_create_int64(env, result, &out) != napi_ok) return NULL;
  return out;
}

napi_value machipc_process_vm_read(napi_env env, napi_callback_info info) {
  return transfer(env, info, vm_read, "processVmRead(pid, address: bigint, into: Uint8Array)");
}

napi_value machipc_process_vm_write(napi_env env, napi_callback_info info) {
  return transfer(env, info, vm_write, "processVmWrite(pid, address: bigint, data: Uint8Array)");
}
