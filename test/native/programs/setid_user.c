/*
 * The unprivileged side of a credential change (setid.c is root's): a task of an ordinary user
 * has the plain host port, and a setuid to the uid it has succeeds and keeps it so, with the
 * audit token naming the user.
 */
#include <mach/mach.h>
#include <sys/types.h>
#include <unistd.h>

#include "check.h"

static kern_return_t host_self_boot_info(void) {
  kernel_boot_info_t info;
  host_t host = mach_host_self();
  kern_return_t kr = host_get_boot_info(host, info);
  mach_port_deallocate(mach_task_self(), host);
  return kr;
}

int main(void) {
  uid_t me = getuid();
  audit_token_t a;
  mach_msg_type_number_t count = TASK_AUDIT_TOKEN_COUNT;
  check("an ordinary user: mach_host_self() is the plain host port", host_self_boot_info() == KERN_INVALID_HOST, 0);
  check("setuid to its own uid succeeds", setuid(me) == 0, 0);
  check("...and the host port stays plain", host_self_boot_info() == KERN_INVALID_HOST, 0);
  kern_return_t kr = task_info(mach_task_self(), TASK_AUDIT_TOKEN, (task_info_t)&a, &count);
  check("...and the audit token names the user", kr == KERN_SUCCESS && a.val[1] == me && a.val[3] == me && a.val[5] == (unsigned)getpid(), kr);
  return failures ? 1 : 0;
}
