/*
 * libproc as lsmp uses it, and <TargetConditionals.h>: a pid's name is the served kernel's name
 * for its task (launchd for pid 1), the process's own for this one; its path; the pid lists.
 */
#include <TargetConditionals.h>
#include <libproc.h>
#include <mach/mach.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static int has(const int *pids, int n, int pid) {
  for (int i = 0; i < n; i++)
    if (pids[i] == pid) return 1;
  return 0;
}

int main(void) {
  check("TargetConditionals: a Mac, not an iPhone", TARGET_OS_MAC == 1 && TARGET_OS_OSX == 1 && TARGET_OS_IPHONE == 0 && TARGET_OS_EMBEDDED == 0 && TARGET_RT_64_BIT == 1, 0);
  char name[128] = {0};
  int n = proc_name(1, name, sizeof name);
  check("proc_name(1): the served kernel's launchd", n == 7 && strcmp(name, "launchd") == 0, n);
  n = proc_name(getpid(), name, sizeof name);
  check("proc_name(getpid()): this process's name", n == (int)strlen("libproc") && strcmp(name, "libproc") == 0, n);
  char small[4];
  n = proc_name(1, small, sizeof small);
  check("a small buffer: the name cut to fit, its length returned", n == 3 && strcmp(small, "lau") == 0, n);
  check("no such process: 0", proc_name(0x3fffffff, name, sizeof name) == 0, 0);
  char path[PROC_PIDPATHINFO_MAXSIZE], self[PATH_MAX];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  self[sl > 0 ? sl : 0] = 0;
  n = proc_pidpath(getpid(), path, sizeof path);
  check("proc_pidpath: the executable", n > 0 && strcmp(path, self) == 0, n);
  check("proc_pidpath with a buffer under PROC_PIDPATHINFO_SIZE: 0", proc_pidpath(getpid(), path, 16) == 0, 0);
  int need = proc_listallpids(NULL, 0);
  int *pids = calloc((size_t)need, sizeof(int));
  int got = proc_listallpids(pids, need * (int)sizeof(int));
  check("proc_listallpids: kernel_task, launchd's pid and this process among them", got > 2 && got <= need && has(pids, got, 0) && has(pids, got, 1) && has(pids, got, getpid()), got);
  int bytes = proc_listpids(PROC_UID_ONLY, getuid(), pids, need * (int)sizeof(int));
  check("proc_listpids(PROC_UID_ONLY): bytes of pids, this one among them", bytes > 0 && bytes % (int)sizeof(int) == 0 && has(pids, bytes / (int)sizeof(int), getpid()), bytes);
  bytes = proc_listpids(PROC_PPID_ONLY, (uint32_t)getppid(), pids, need * (int)sizeof(int));
  check("proc_listpids(PROC_PPID_ONLY): this process is its parent's", has(pids, bytes / (int)sizeof(int), getpid()), bytes);
  check("an unknown type: -1", proc_listpids(99, 0, pids, need * (int)sizeof(int)) == -1, 0);
  free(pids);
  return failures ? 1 : 0;
}
