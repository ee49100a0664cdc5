/*
 * What machipc's headers need from Darwin's <sys/cdefs.h> and <Availability.h>
 * that glibc does not give: C linkage brackets and the availability marks the
 * SDK's prototypes carry (empty here: every declared call is available).
 */
#ifndef MACHIPC_CDEFS_H
#define MACHIPC_CDEFS_H

#ifdef __cplusplus
#define MACHIPC_BEGIN_DECLS extern "C" {
#define MACHIPC_END_DECLS }
#else
#define MACHIPC_BEGIN_DECLS
#define MACHIPC_END_DECLS
#endif

#ifndef __WATCHOS_PROHIBITED
#define __WATCHOS_PROHIBITED
#endif
#ifndef __TVOS_PROHIBITED
#define __TVOS_PROHIBITED
#endif
#ifndef __OSX_AVAILABLE_STARTING
#define __OSX_AVAILABLE_STARTING(mac, ios)
#endif
#ifndef __OSX_AVAILABLE_BUT_DEPRECATED
#define __OSX_AVAILABLE_BUT_DEPRECATED(a, b, c, d)
#endif
#ifndef __DEPRECATED_MSG
#define __DEPRECATED_MSG(m)
#endif

#if defined(__x86_64__) || defined(__i386__)
#define MACHIPC_ARCH_X86 1
#elif defined(__aarch64__) || defined(__arm64__) || defined(__arm__)
#define MACHIPC_ARCH_ARM 1
#else
#error "machipc: the Mach headers describe x86_64 and arm64 only"
#endif

#endif
