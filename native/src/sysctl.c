/*
 * sysctl, sysctlbyname and sysctlnametomib for the hw.* and kern.* names Mach programs read, with
 * the answers and errors of xnu-3248's bsd/kern/kern_newsysctl.c: the processor counts, memory size
 * and CPU type are host_info(HOST_BASIC_INFO) of the served kernel, as sysctl_hw_generic reads
 * them (EINVAL when that call fails); page, cache and boot-time facts are this machine's.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysctl.h>
#include <time.h>
#include <unistd.h>

/* How a name's value goes out, after the handler that serves it in XNU. */
enum kind {
  K_NODE,   /* a node: EISDIR (sysctl_root) */
  K_INT,    /* SYSCTL_INT, or SYSCTL_RETURN of an int: four bytes */
  K_QUAD,   /* SYSCTL_QUAD, or sysctl_hw_generic's CTLHW_RETQUAD: eight bytes */
  K_IONUM,  /* sysctl_io_number of a long long: four bytes when the caller offers exactly four */
  K_STRING, /* SYSCTL_STRING: the text and its NUL */
  K_OPAQUE, /* SYSCTL_OPAQUE / CTLTYPE_STRUCT: the bytes */
};

enum key {
  V_NONE, V_OSTYPE, V_OSRELEASE, V_OSREV, V_VERSION, V_HOSTNAME, V_BOOTTIME, V_SECURE,
  V_MACHINE, V_MODEL, V_NCPU, V_AVAILCPU, V_PHYS, V_PHYSMAX, V_LOG, V_LOGMAX, V_BYTEORDER,
  V_CPUTYPE, V_CPUSUBTYPE, V_CPU64, V_MEMSIZE, V_PAGESIZE, V_CACHELINE, V_L1I, V_L1D, V_L2, V_L3,
  V_CACHECONFIG, V_CACHESIZE, V_TBFREQ, V_PACKAGES,
};

/* OID_AUTO names are numbered from 100 as XNU numbers them, in this table's order. */
enum { AUTO = -1, OID_AUTO_START = 100 };

struct oid {
  const char *name;
  int ctl, num;
  enum kind kind;
  enum key key;
};

static const struct oid oids[] = {
  {"kern", 0, CTL_KERN, K_NODE, V_NONE},
  {"hw", 0, CTL_HW, K_NODE, V_NONE},
  {"kern.ostype", CTL_KERN, KERN_OSTYPE, K_STRING, V_OSTYPE},
  {"kern.osrelease", CTL_KERN, KERN_OSRELEASE, K_STRING, V_OSRELEASE},
  {"kern.osrevision", CTL_KERN, KERN_OSREV, K_INT, V_OSREV},
  {"kern.version", CTL_KERN, KERN_VERSION, K_STRING, V_VERSION},
  {"kern.hostname", CTL_KERN, KERN_HOSTNAME, K_STRING, V_HOSTNAME},
  {"kern.boottime", CTL_KERN, KERN_BOOTTIME, K_OPAQUE, V_BOOTTIME},
  {"kern.secure_kernel", CTL_KERN, AUTO, K_INT, V_SECURE},
  {"hw.machine", CTL_HW, HW_MACHINE, K_STRING, V_MACHINE},
  {"hw.model", CTL_HW, HW_MODEL, K_STRING, V_MODEL},
  {"hw.ncpu", CTL_HW, HW_NCPU, K_INT, V_NCPU},
  {"hw.byteorder", CTL_HW, HW_BYTEORDER, K_INT, V_BYTEORDER},
  {"hw.pagesize_compat", CTL_HW, HW_PAGESIZE, K_INT, V_PAGESIZE},
  {"hw.cachelinesize_compat", CTL_HW, HW_CACHELINE, K_INT, V_CACHELINE},
  {"hw.l1icachesize_compat", CTL_HW, HW_L1ICACHESIZE, K_INT, V_L1I},
  {"hw.l1dcachesize_compat", CTL_HW, HW_L1DCACHESIZE, K_INT, V_L1D},
  {"hw.l2cachesize_compat", CTL_HW, HW_L2CACHESIZE, K_INT, V_L2},
  {"hw.l3cachesize_compat", CTL_HW, HW_L3CACHESIZE, K_INT, V_L3},
  {"hw.memsize", CTL_HW, HW_MEMSIZE, K_QUAD, V_MEMSIZE},
  {"hw.activecpu", CTL_HW, HW_AVAILCPU, K_INT, V_AVAILCPU},
  {"hw.physicalcpu", CTL_HW, AUTO, K_INT, V_PHYS},
  {"hw.physicalcpu_max", CTL_HW, AUTO, K_INT, V_PHYSMAX},
  {"hw.logicalcpu", CTL_HW, AUTO, K_INT, V_LOG},
  {"hw.logicalcpu_max", CTL_HW, AUTO, K_INT, V_LOGMAX},
  {"hw.cputype", CTL_HW, AUTO, K_INT, V_CPUTYPE},
  {"hw.cpusubtype", CTL_HW, AUTO, K_INT, V_CPUSUBTYPE},
  {"hw.cpu64bit_capable", CTL_HW, AUTO, K_INT, V_CPU64},
  {"hw.cacheconfig", CTL_HW, AUTO, K_OPAQUE, V_CACHECONFIG},
  {"hw.cachesize", CTL_HW, AUTO, K_OPAQUE, V_CACHESIZE},
  {"hw.pagesize", CTL_HW, AUTO, K_IONUM, V_PAGESIZE},
  {"hw.cachelinesize", CTL_HW, AUTO, K_QUAD, V_CACHELINE},
  {"hw.l1icachesize", CTL_HW, AUTO, K_QUAD, V_L1I},
  {"hw.l1dcachesize", CTL_HW, AUTO, K_QUAD, V_L1D},
  {"hw.l2cachesize", CTL_HW, AUTO, K_QUAD, V_L2},
  {"hw.l3cachesize", CTL_HW, AUTO, K_QUAD, V_L3},
  {"hw.tbfrequency", CTL_HW, AUTO, K_IONUM, V_TBFREQ},
  {"hw.packages", CTL_HW, AUTO, K_INT, V_PACKAGES},
};
enum { NOIDS = sizeof oids / sizeof oids[0] };

static int oid_num(size_t i) {
  if (oids[i].num != AUTO) return oids[i].num;
  int n = OID_AUTO_START;
  for (size_t j = 0; j < i; j++)
    if (oids[j].num == AUTO && oids[j].ctl == oids[i].ctl) n++;
  return n;
}

/* A value to copy out: a number, or bytes. */
struct val {
  long long n;
  const void *bytes;
  size_t len;
  char text[512];
  uint64_t words[10];
  struct timeval tv;
};

static int host_basic(host_basic_info_data_t *info) {
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  mach_port_t host = mach_host_self();
  kern_return_t kr = host_info(host, HOST_BASIC_INFO, (host_info_t)info, &count);
  mach_port_deallocate(mach_task_self(), host);
  return kr == KERN_SUCCESS ? 0 : EINVAL;
}

/* How many processors share a cache level (1-3) of processor 0, from sysfs; 1 when it does not say. */
static uint64_t cache_sharing(int level, uint64_t cpus) {
  for (int index = 0; index < 8; index++) {
    char path[96], buf[256];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    FILE *f = fopen(path, "r");
    if (!f) break;
    int l = 0;
    if (fscanf(f, "%d", &l) != 1) l = 0;
    fclose(f);
    if (l != level) continue;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
    f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f) || buf[0] == 'I') { /* the instruction cache is not the one counted */
      if (f) fclose(f);
      continue;
    }
    fclose(f);
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", index);
    f = fopen(path, "r");
    if (!f) return 1;
    uint64_t n = 0;
    if (fgets(buf, sizeof buf, f))
      for (char *p = buf; *p && *p != '\n';) {
        long a = strtol(p, &p, 10), b = a;
        if (*p == '-') b = strtol(p + 1, &p, 10);
        n += (uint64_t)(b - a + 1);
        if (*p == ',') p++;
        else break;
      }
    fclose(f);
    return n == 0 ? 1 : n > cpus ? cpus : n;
  }
  return 1;
}

static long cache_size(int name) {
  long v = sysconf(name);
  return v > 0 ? v : 0;
}

/* The kernel's boot time, fixed once: now less the time since boot. */
static struct timeval bt;
static void set_boottime(void) {
  struct timespec now, up;
  clock_gettime(CLOCK_REALTIME, &now);
#ifdef CLOCK_BOOTTIME
  clock_gettime(CLOCK_BOOTTIME, &up);
#else
  clock_gettime(CLOCK_MONOTONIC, &up);
#endif
  long long us = ((long long)now.tv_sec - up.tv_sec) * 1000000 + (now.tv_nsec - up.tv_nsec) / 1000;
  bt.tv_sec = (time_t)(us / 1000000);
  bt.tv_usec = (suseconds_t)(us % 1000000);
}
static struct timeval boottime(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, set_boottime);
  return bt;
}

static int value(enum key key, struct val *v) {
  host_basic_info_data_t hi;
  switch (key) {
    case V_OSTYPE: v->bytes = "Darwin"; v->len = 7; return 0;
    case V_OSREV: v->n = 199506; return 0;
    case V_VERSION:
    case V_OSRELEASE: {
      kernel_version_t kv;
      mach_port_t host = mach_host_self();
      kern_return_t kr = host_kernel_version(host, kv);
      mach_port_deallocate(mach_task_self(), host);
      if (kr != KERN_SUCCESS) return EINVAL;
      if (key == V_VERSION) {
        snprintf(v->text, sizeof v->text, "%s", kv);
      } else { /* "Darwin Kernel Version 15.4.0: ..." gives "15.4.0" */
        const char *p = strstr(kv, "Version ");
        p = p ? p + 8 : kv;
        size_t n = strcspn(p, ": ");
        snprintf(v->text, sizeof v->text, "%.*s", (int)n, p);
      }
      v->bytes = v->text;
      v->len = strlen(v->text) + 1;
      return 0;
    }
    case V_HOSTNAME:
      if (gethostname(v->text, sizeof v->text - 1) != 0) v->text[0] = 0;
      v->text[sizeof v->text - 1] = 0;
      v->bytes = v->text;
      v->len = strlen(v->text) + 1;
      return 0;
    case V_BOOTTIME: v->tv = boottime(); v->bytes = &v->tv; v->len = sizeof v->tv; return 0;
    case V_SECURE: v->n = 0; return 0;
#if defined(__x86_64__)
    case V_MACHINE: v->bytes = "x86_64"; v->len = 7; return 0;
#else
    case V_MACHINE: v->bytes = "arm64"; v->len = 6; return 0;
#endif
    case V_MODEL: v->bytes = "machipc"; v->len = 8; return 0;
    case V_BYTEORDER: v->n = 1234; return 0;
    case V_CPU64: v->n = 1; return 0;
    case V_PACKAGES: v->n = 1; return 0;
    case V_PAGESIZE: v->n = (long long)sysconf(_SC_PAGESIZE); return 0;
    case V_TBFREQ: v->n = 1000000000; return 0; /* the timebase is 1/1: ticks are nanoseconds */
    case V_CACHELINE: v->n = cache_size(_SC_LEVEL1_DCACHE_LINESIZE); if (!v->n) v->n = 64; return 0;
    case V_L1I: v->n = cache_size(_SC_LEVEL1_ICACHE_SIZE); return 0;
    case V_L1D: v->n = cache_size(_SC_LEVEL1_DCACHE_SIZE); return 0;
    case V_L2: v->n = cache_size(_SC_LEVEL2_CACHE_SIZE); return v->n ? 0 : EINVAL;
    case V_L3: v->n = cache_size(_SC_LEVEL3_CACHE_SIZE); return v->n ? 0 : EINVAL;
    default: break;
  }
  int e = host_basic(&hi);
  if (e) return e;
  switch (key) {
    case V_NCPU: v->n = hi.max_cpus; return 0;
    case V_AVAILCPU: v->n = hi.avail_cpus; return 0;
    case V_PHYS: v->n = hi.physical_cpu; return 0;
    case V_PHYSMAX: v->n = hi.physical_cpu_max; return 0;
    case V_LOG: v->n = hi.logical_cpu; return 0;
    case V_LOGMAX: v->n = hi.logical_cpu_max; return 0;
    case V_CPUTYPE: v->n = hi.cpu_type; return 0;
    case V_CPUSUBTYPE: v->n = hi.cpu_subtype; return 0;
    case V_MEMSIZE: v->n = (long long)hi.max_mem; return 0;
    case V_CACHECONFIG:
    case V_CACHESIZE: {
      memset(v->words, 0, sizeof v->words);
      uint64_t cpus = (uint64_t)hi.max_cpus;
      long l3 = cache_size(_SC_LEVEL3_CACHE_SIZE);
      if (key == V_CACHECONFIG) {
        v->words[0] = cpus;
        for (int l = 1; l <= (l3 ? 3 : 2); l++) v->words[l] = cache_sharing(l, cpus);
      } else {
        v->words[0] = hi.max_mem;
        v->words[1] = (uint64_t)cache_size(_SC_LEVEL1_DCACHE_SIZE);
        v->words[2] = (uint64_t)cache_size(_SC_LEVEL2_CACHE_SIZE);
        v->words[3] = (uint64_t)l3;
      }
      v->bytes = v->words;
      v->len = sizeof v->words;
      return 0;
    }
    default: return ENOENT;
  }
}

/*
 * sysctl_root's checks, the handler's SYSCTL_OUT, then what the sysctl and sysctlbyname syscalls
 * do with its answer: ENOMEM (a buffer too small for the value, nothing copied) is dropped when
 * the length is written back, so the call succeeds with a length of 0, as xnu-3248 answers
 * (docs/xnu-bugs.md).
 */
static int serve(size_t i, void *oldp, size_t *oldlenp, void *newp) {
  const struct oid *o = &oids[i];
  if (o->kind == K_NODE) return EISDIR;
  if (newp) return EPERM; /* every name here is CTLFLAG_RD */
  size_t oldlen = oldlenp ? *oldlenp : 0;
  struct val v = {0};
  int e = value(o->key, &v);
  if (e) return e;
  int small;
  switch (o->kind) {
    case K_INT: small = (int)v.n; v.bytes = &small; v.len = sizeof small; break;
    case K_QUAD: v.bytes = &v.n; v.len = sizeof v.n; break;
    case K_IONUM:
      if (oldp && oldlen == sizeof(int)) {
        small = (int)v.n;
        if ((long long)small != v.n) return ERANGE;
        v.bytes = &small;
        v.len = sizeof small;
      } else {
        v.bytes = &v.n;
        v.len = sizeof v.n;
      }
      break;
    default: break;
  }
  size_t idx = 0;
  if (!oldp) idx = v.len;
  else if (oldlen >= v.len) {
    memcpy(oldp, v.bytes, v.len);
    idx = v.len;
  }
  if (oldlenp) *oldlenp = idx;
  return 0;
}

static int fail(int e) {
  if (!e) return 0;
  errno = e;
  return -1;
}

int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen) {
  (void)newlen;
  if (strlen(name) >= 1024) return fail(ENAMETOOLONG); /* MAXPATHLEN */
  for (size_t i = 0; i < NOIDS; i++)
    if (!strcmp(oids[i].name, name)) return fail(serve(i, oldp, oldlenp, newp));
  return fail(ENOENT);
}

int sysctl(int *name, unsigned int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen) {
  (void)newlen;
  if (namelen > CTL_MAXNAME || namelen < 2) return fail(EINVAL);
  for (size_t i = 0; i < NOIDS; i++)
    if (oids[i].ctl == name[0] && oid_num(i) == name[1]) return fail(namelen > 2 ? ENOTDIR : serve(i, oldp, oldlenp, newp));
  return fail(ENOENT);
}

int sysctlnametomib(const char *name, int *mibp, size_t *sizep) {
  for (size_t i = 0; i < NOIDS; i++) {
    if (strcmp(oids[i].name, name)) continue;
    size_t n = oids[i].ctl ? 2 : 1;
    if (*sizep < n) return fail(ENOMEM);
    if (oids[i].ctl) mibp[0] = oids[i].ctl;
    mibp[n - 1] = oid_num(i);
    *sizep = n;
    return 0;
  }
  return fail(ENOENT);
}
