/*
 * The rest of libsystem's MIG support: mig_strncpy for string arguments, the
 * kernel's security and audit tokens as a receiver compares trailers with
 * them, and mach_voucher_deallocate.
 */
#include "internal.h"

security_token_t KERNEL_SECURITY_TOKEN = KERNEL_SECURITY_TOKEN_VALUE;
audit_token_t KERNEL_AUDIT_TOKEN = KERNEL_AUDIT_TOKEN_VALUE;

/*
 * Copy at most len - 1 characters and always terminate; returns the length copied
 * including the terminator, as MIG's string marshalling counts it (0 when len is 0).
 */
int mig_strncpy(char *dest, const char *src, int len) {
  if (len <= 0) return 0;
  int i = 0;
  for (; i < len - 1 && src[i]; i++) dest[i] = src[i];
  dest[i] = '\0';
  return i + 1;
}

kern_return_t mach_voucher_deallocate(mach_port_name_t voucher) { return mach_port_deallocate(mach_task_self(), voucher); }
