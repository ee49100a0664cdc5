/*
 * libkern's atomic operations, as the OS X 10.11 SDK declares them, made from the compiler's
 * __atomic builtins so they need nothing from libmachipc. The arithmetic ones return the new
 * value; the CompareAndSwap ones return true when they stored; the ones without "Barrier" are
 * relaxed, the Barrier ones sequentially consistent, as OSAtomic documents.
 */
#ifndef _OSATOMIC_H_
#define _OSATOMIC_H_
#include <stdbool.h>
#include <stdint.h>

#define MACHIPC_OSATOMIC_ARITH(name, type, op, order)                                          \
  static __inline__ type name(type v, type volatile *p) { return __atomic_##op##_fetch(p, v, order); }
#define MACHIPC_OSATOMIC_STEP(name, type, op, order)                                           \
  static __inline__ type name(type volatile *p) { return __atomic_##op##_fetch(p, 1, order); }
#define MACHIPC_OSATOMIC_BITS(name, type, op, order)                                           \
  static __inline__ type name(uint32_t v, volatile uint32_t *p) { return (type)__atomic_##op##_fetch(p, v, order); }
#define MACHIPC_OSATOMIC_CAS(name, type)                                                       \
  static __inline__ bool name(type o, type n, type volatile *p) {                              \
    return __atomic_compare_exchange_n(p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);  \
  }

MACHIPC_OSATOMIC_ARITH(OSAtomicAdd32, int32_t, add, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_ARITH(OSAtomicAdd32Barrier, int32_t, add, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_ARITH(OSAtomicAdd64, int64_t, add, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_ARITH(OSAtomicAdd64Barrier, int64_t, add, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_STEP(OSAtomicIncrement32, int32_t, add, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_STEP(OSAtomicIncrement32Barrier, int32_t, add, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_STEP(OSAtomicIncrement64, int64_t, add, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_STEP(OSAtomicIncrement64Barrier, int64_t, add, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_STEP(OSAtomicDecrement32, int32_t, sub, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_STEP(OSAtomicDecrement32Barrier, int32_t, sub, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_STEP(OSAtomicDecrement64, int64_t, sub, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_STEP(OSAtomicDecrement64Barrier, int64_t, sub, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_BITS(OSAtomicOr32, int32_t, or, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_BITS(OSAtomicOr32Barrier, int32_t, or, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_BITS(OSAtomicAnd32, int32_t, and, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_BITS(OSAtomicAnd32Barrier, int32_t, and, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_BITS(OSAtomicXor32, int32_t, xor, __ATOMIC_RELAXED)
MACHIPC_OSATOMIC_BITS(OSAtomicXor32Barrier, int32_t, xor, __ATOMIC_SEQ_CST)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwap32, int32_t)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwap32Barrier, int32_t)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwap64, int64_t)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwap64Barrier, int64_t)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapInt, int)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapIntBarrier, int)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapLong, long)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapLongBarrier, long)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapPtr, void *)
MACHIPC_OSATOMIC_CAS(OSAtomicCompareAndSwapPtrBarrier, void *)

static __inline__ void OSMemoryBarrier(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* The spin lock the same header declares: 0 is unlocked. */
typedef int32_t OSSpinLock;
#define OS_SPINLOCK_INIT 0
static __inline__ bool OSSpinLockTry(OSSpinLock volatile *l) { return !__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); }
static __inline__ void OSSpinLockLock(OSSpinLock volatile *l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(l, __ATOMIC_RELAXED)) {}
}
static __inline__ void OSSpinLockUnlock(OSSpinLock volatile *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

#undef MACHIPC_OSATOMIC_ARITH
#undef MACHIPC_OSATOMIC_STEP
#undef MACHIPC_OSATOMIC_BITS
#undef MACHIPC_OSATOMIC_CAS
#endif
