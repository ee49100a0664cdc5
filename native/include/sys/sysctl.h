/*
 * BSD's sysctl, for the hw.* and kern.* names Mach programs read (processor counts, memory size,
 * page and cache sizes, the kernel's version and boot time). libmachipc answers them as
 * xnu-3248's kern_mib.c and kern_sysctl.c do: the processor counts, memory size and CPU type come
 * from host_info(HOST_BASIC_INFO) of the served kernel, so they agree with what Mach says. Every
 * name is read-only; any other name is ENOENT. The numbers are the SDK's <sys/sysctl.h>.
 */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_
#include <stddef.h>
#include <sys/types.h>
#include <sys/time.h>
#include <machipc/cdefs.h>

#define CTL_MAXNAME 12

#define CTLTYPE 0xf
#define CTLTYPE_NODE 1
#define CTLTYPE_INT 2
#define CTLTYPE_STRING 3
#define CTLTYPE_QUAD 4
#define CTLTYPE_OPAQUE 5
#define CTLTYPE_STRUCT CTLTYPE_OPAQUE

#define CTL_UNSPEC 0
#define CTL_KERN 1
#define CTL_VM 2
#define CTL_VFS 3
#define CTL_NET 4
#define CTL_DEBUG 5
#define CTL_HW 6
#define CTL_MACHDEP 7
#define CTL_USER 8
#define CTL_MAXID 9

#define KERN_OSTYPE 1
#define KERN_OSRELEASE 2
#define KERN_OSREV 3
#define KERN_VERSION 4
#define KERN_HOSTNAME 10
#define KERN_BOOTTIME 21

#define HW_MACHINE 1
#define HW_MODEL 2
#define HW_NCPU 3
#define HW_BYTEORDER 4
#define HW_PHYSMEM 5
#define HW_USERMEM 6
#define HW_PAGESIZE 7
#define HW_DISKNAMES 8
#define HW_DISKSTATS 9
#define HW_EPOCH 10
#define HW_FLOATINGPT 11
#define HW_MACHINE_ARCH 12
#define HW_VECTORUNIT 13
#define HW_BUS_FREQ 14
#define HW_CPU_FREQ 15
#define HW_CACHELINE 16
#define HW_L1ICACHESIZE 17
#define HW_L1DCACHESIZE 18
#define HW_L2SETTINGS 19
#define HW_L2CACHESIZE 20
#define HW_L3SETTINGS 21
#define HW_L3CACHESIZE 22
#define HW_TB_FREQ 23
#define HW_MEMSIZE 24
#define HW_AVAILCPU 25
#define HW_MAXID 26

MACHIPC_BEGIN_DECLS
int sysctl(int *name, unsigned int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
int sysctlnametomib(const char *name, int *mibp, size_t *sizep);
MACHIPC_END_DECLS

#endif
