/*
 * Holding a task port is all the authority Mach asks for to read and write that task's memory
 * (task_for_pid already decided who may have one). Linux asks more of the server that serves
 * mach_vm_read and mach_vm_write on this process: ptrace permission, which under Yama's
 * ptrace_scope 1 a process of the same user does not have unless it is an ancestor or named.
 * So at connect the process names the server (its pid from SO_PEERCRED, the kernel's word, not
 * the server's) as the one process allowed to attach: the process that is already its kernel.
 * Without Yama the call fails with EINVAL and nothing is needed.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <sys/prctl.h>
#include <sys/socket.h>

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

void machipc_name_server_ptracer(int fd) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred || cred.pid <= 0) return;
  (void)prctl(PR_SET_PTRACER, (unsigned long)cred.pid, 0, 0, 0);
}
