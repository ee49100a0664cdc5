/** The order a semaphore's waiters are woken in (osfmk/mach/sync_policy.h). */
export const SYNC_POLICY_FIFO = 0x0;
export const SYNC_POLICY_FIXED_PRIORITY = 0x1;
export const SYNC_POLICY_REVERSED = 0x2;
export const SYNC_POLICY_ORDER_MASK = 0x3;
export const SYNC_POLICY_LIFO = SYNC_POLICY_FIFO | SYNC_POLICY_REVERSED;
export const SYNC_POLICY_MAX = 0x7;
