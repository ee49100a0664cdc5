/*
 * Darwin's <pthread.h>: the system's, and the non-portable calls macOS programs use with Mach
 * (libmachipc's native/src/pthread_np.c): a pthread's kernel port and back, its kernel thread id,
 * whether it is the main thread, and its stack. (Darwin's one-argument pthread_setname_np is not
 * declared: the system's two-argument one stands.)
 */
#ifndef MACHIPC_PTHREAD_H
#define MACHIPC_PTHREAD_H
#include_next <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/port.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
mach_port_t pthread_mach_thread_np(pthread_t);
pthread_t pthread_from_mach_thread_np(mach_port_t);
int pthread_threadid_np(pthread_t, uint64_t *);
int pthread_main_np(void);
void *pthread_get_stackaddr_np(pthread_t);
size_t pthread_get_stacksize_np(pthread_t);
MACHIPC_END_DECLS

#endif
