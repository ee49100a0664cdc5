/* Hash bucket occupancy (host_ipc_hash_info). */
#ifndef _MACH_DEBUG_HASH_INFO_H_
#define _MACH_DEBUG_HASH_INFO_H_
#include <mach/machine/vm_types.h>
typedef struct hash_info_bucket {
  natural_t hib_count;
} hash_info_bucket_t;
typedef hash_info_bucket_t *hash_info_bucket_array_t;
#endif
