/* The queueing policy of a semaphore's waiters (values from src/abi/sync.ts, through constants.h). */
#ifndef _MACH_SYNC_POLICY_H_
#define _MACH_SYNC_POLICY_H_
#include <machipc/constants.h>
typedef int sync_policy_t;
#endif
