/*
 * What Apple's own Mach tests and benchmarks (xnu's tools/tests and darwintests) lean on besides
 * the MIG routines, as a macOS program uses it: the SDK's <AvailabilityMacros.h> and
 * <libkern/OSAtomic.h>, mach_timebase_info_trap, BSD's sysctl for the hw.* and kern.* names
 * (answered as xnu-3248's sysctl_hw_generic, sysctl_io_number and sysctlbyname do), and fork
 * returning in the parent once the child is a task (fork1). Run against a server whose kernel
 * has `cpus` processors, given as argv[1]. Prints "ok <check>" per check, or "FAIL <check>".
 */
#include <AvailabilityMacros.h>
#include <errno.h>
#include <libkern/OSAtomic.h>
#include <mach/mach.h>
#include <mach/mach_time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern kern_return_t mach_timebase_info_trap(mach_timebase_info_t info);

static int failures;

static void check(const char *what, int ok) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failures++;
}

int main(int argc, char **argv) {
  int cpus = argc > 1 ? atoi(argv[1]) : 0;

  check("AvailabilityMacros: the 10.11 SDK, minimum and maximum", MAC_OS_X_VERSION_MIN_REQUIRED == MAC_OS_X_VERSION_10_11 &&
        MAC_OS_X_VERSION_MAX_ALLOWED == 101100 && MAC_OS_X_VERSION_10_6 == 1060);

  volatile int64_t q = 40;
  volatile int32_t w = 1;
  void *volatile ptr = NULL;
  OSSpinLock lock = OS_SPINLOCK_INIT;
  check("OSAtomicAdd64 returns the new value", OSAtomicAdd64(2, &q) == 42 && q == 42);
  check("OSAtomicIncrement32 / Decrement32Barrier return the new value", OSAtomicIncrement32(&w) == 2 && OSAtomicDecrement32Barrier(&w) == 1);
  check("OSAtomicCompareAndSwap32 stores only on a match", !OSAtomicCompareAndSwap32(5, 9, &w) && w == 1 && OSAtomicCompareAndSwap32Barrier(1, 9, &w) && w == 9);
  check("OSAtomicCompareAndSwapPtr", OSAtomicCompareAndSwapPtr(NULL, &lock, &ptr) && ptr == &lock);
  check("OSAtomicOr32 returns the new bits", OSAtomicOr32(0x10, (volatile uint32_t *)&w) == 0x19);
  check("OSSpinLockTry takes a free lock once", OSSpinLockTry(&lock) && !OSSpinLockTry(&lock));
  OSSpinLockUnlock(&lock);
  OSSpinLockLock(&lock);
  check("OSSpinLockLock after Unlock", lock != 0);

  mach_timebase_info_data_t a, b;
  check("mach_timebase_info_trap answers mach_timebase_info's timebase",
        mach_timebase_info(&a) == KERN_SUCCESS && mach_timebase_info_trap(&b) == KERN_SUCCESS && a.numer == b.numer && a.denom == b.denom);

  /* sysctl_hw_generic: hw.ncpu and friends are host_info(HOST_BASIC_INFO)'s, four bytes each. */
  host_basic_info_data_t hi;
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  check("host_info(HOST_BASIC_INFO)", host_info(mach_host_self(), HOST_BASIC_INFO, (host_info_t)&hi, &count) == KERN_SUCCESS);
  int n = -1;
  size_t len = sizeof n;
  check("hw.ncpu is host_basic_info.max_cpus, the served kernel's", sysctlbyname("hw.ncpu", &n, &len, NULL, 0) == 0 && len == 4 && n == hi.max_cpus && n == cpus);
  len = sizeof n;
  check("hw.activecpu is avail_cpus", sysctlbyname("hw.activecpu", &n, &len, NULL, 0) == 0 && n == hi.avail_cpus);
  len = sizeof n;
  check("hw.logicalcpu_max is logical_cpu_max", sysctlbyname("hw.logicalcpu_max", &n, &len, NULL, 0) == 0 && n == hi.logical_cpu_max);
  len = sizeof n;
  check("hw.cputype is cpu_type", sysctlbyname("hw.cputype", &n, &len, NULL, 0) == 0 && n == hi.cpu_type);
  int mib[2] = {CTL_HW, HW_NCPU};
  n = -1;
  len = sizeof n;
  check("sysctl {CTL_HW, HW_NCPU} is the same", sysctl(mib, 2, &n, &len, NULL, 0) == 0 && n == cpus);
  uint64_t mem = 0;
  len = sizeof mem;
  check("hw.memsize is max_mem, eight bytes", sysctlbyname("hw.memsize", &mem, &len, NULL, 0) == 0 && len == 8 && mem == hi.max_mem);
  len = 0;
  check("a NULL buffer gets the length", sysctlbyname("hw.memsize", NULL, &len, NULL, 0) == 0 && len == 8);
  n = 77;
  len = sizeof n;
  check("a buffer too small: success with length 0 and nothing copied (sysctlbyname drops ENOMEM)",
        sysctlbyname("hw.memsize", &n, &len, NULL, 0) == 0 && len == 0 && n == 77);
  /* sysctl_io_number: hw.pagesize is 64-bit, but a 4-byte buffer gets an int. */
  n = 0;
  len = sizeof n;
  check("hw.pagesize into four bytes is an int", sysctlbyname("hw.pagesize", &n, &len, NULL, 0) == 0 && len == 4 && n == (int)vm_page_size);
  int64_t pq = 0;
  len = sizeof pq;
  check("hw.pagesize into eight bytes", sysctlbyname("hw.pagesize", &pq, &len, NULL, 0) == 0 && len == 8 && pq == (int64_t)vm_page_size);
  uint64_t cc[10];
  len = sizeof cc;
  check("hw.cacheconfig: ten words, the first the processors sharing memory", sysctlbyname("hw.cacheconfig", cc, &len, NULL, 0) == 0 && len == sizeof cc && cc[0] == (uint64_t)cpus);
  len = sizeof n;
  errno = 0;
  check("a name not served is ENOENT", sysctlbyname("kern.n_ltable_entries", &n, &len, NULL, 0) == -1 && errno == ENOENT);
  n = 1;
  errno = 0;
  check("writing a read-only name is EPERM", sysctlbyname("hw.ncpu", NULL, NULL, &n, sizeof n) == -1 && errno == EPERM);
  errno = 0;
  check("a node is EISDIR", sysctlbyname("hw", &n, &len, NULL, 0) == -1 && errno == EISDIR);
  errno = 0;
  check("a one-part MIB is EINVAL", sysctl(mib, 1, &n, &len, NULL, 0) == -1 && errno == EINVAL);
  char text[256];
  len = sizeof text;
  check("kern.ostype is Darwin", sysctlbyname("kern.ostype", text, &len, NULL, 0) == 0 && !strcmp(text, "Darwin") && len == 7);
  kernel_version_t kv;
  host_kernel_version(mach_host_self(), kv);
  len = sizeof text;
  check("kern.osrelease is host_kernel_version's release", sysctlbyname("kern.osrelease", text, &len, NULL, 0) == 0 && strstr(kv, text) && strchr(text, '.'));
  int pmib[CTL_MAXNAME];
  size_t pn = CTL_MAXNAME;
  check("sysctlnametomib(hw.ncpu) is {CTL_HW, HW_NCPU}", sysctlnametomib("hw.ncpu", pmib, &pn) == 0 && pn == 2 && pmib[0] == CTL_HW && pmib[1] == HW_NCPU);
  pn = CTL_MAXNAME;
  n = 0;
  len = sizeof n;
  check("an OID_AUTO name's MIB reads it back", sysctlnametomib("hw.physicalcpu", pmib, &pn) == 0 && pmib[1] >= 100 &&
        sysctl(pmib, 2, &n, &len, NULL, 0) == 0 && n == hi.physical_cpu);

  /* fork1 makes the child's task before fork returns: task_for_pid finds it at once. */
  int found = 0;
  for (int i = 0; i < 20; i++) {
    int fd[2];
    if (pipe(fd) != 0) break;
    pid_t pid = fork();
    if (pid == 0) {
      char c;
      close(fd[1]);
      (void)read(fd[0], &c, 1);
      _exit(0);
    }
    mach_port_t child = MACH_PORT_NULL;
    if (task_for_pid(mach_task_self(), pid, &child) == KERN_SUCCESS) {
      found++;
      mach_port_deallocate(mach_task_self(), child);
    }
    close(fd[1]);
    close(fd[0]);
    waitpid(pid, NULL, 0);
  }
  check("task_for_pid of a child right after fork", found == 20);
  return failures ? 1 : 0;
}
