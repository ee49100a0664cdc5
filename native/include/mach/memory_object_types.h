/* Memory object names and the info structures of the memory-object interfaces (not served; types only). */
#ifndef _MACH_MEMORY_OBJECT_TYPES_H_
#define _MACH_MEMORY_OBJECT_TYPES_H_
#include <mach/port.h>
#include <mach/message.h>
#include <mach/vm_prot.h>
#include <mach/vm_sync.h>
#include <mach/vm_types.h>
#include <mach/machine/vm_types.h>

#define VM_64_BIT_DATA_OBJECTS
typedef unsigned long long memory_object_offset_t;
typedef unsigned long long memory_object_size_t;
typedef natural_t memory_object_cluster_size_t;
typedef natural_t *memory_object_fault_info_t;
typedef unsigned long long vm_object_id_t;

typedef mach_port_t memory_object_t;
typedef mach_port_t memory_object_control_t;
typedef memory_object_t *memory_object_array_t;
typedef mach_port_t memory_object_name_t;
typedef mach_port_t memory_object_default_t;
#define MEMORY_OBJECT_NULL ((memory_object_t)0)
#define MEMORY_OBJECT_CONTROL_NULL ((memory_object_control_t)0)
#define MEMORY_OBJECT_NAME_NULL ((memory_object_name_t)0)
#define MEMORY_OBJECT_DEFAULT_NULL ((memory_object_default_t)0)

typedef int memory_object_copy_strategy_t;
#define MEMORY_OBJECT_COPY_NONE 0
#define MEMORY_OBJECT_COPY_CALL 1
#define MEMORY_OBJECT_COPY_DELAY 2
#define MEMORY_OBJECT_COPY_TEMPORARY 3
#define MEMORY_OBJECT_COPY_SYMMETRIC 4
#define MEMORY_OBJECT_COPY_INVALID 5

typedef int memory_object_return_t;
#define MEMORY_OBJECT_RETURN_NONE 0
#define MEMORY_OBJECT_RETURN_DIRTY 1
#define MEMORY_OBJECT_RETURN_ALL 2
#define MEMORY_OBJECT_RETURN_ANYTHING 3

#define MEMORY_OBJECT_DATA_FLUSH 0x1
#define MEMORY_OBJECT_DATA_NO_CHANGE 0x2
#define MEMORY_OBJECT_DATA_PURGE 0x4
#define MEMORY_OBJECT_COPY_SYNC 0x8
#define MEMORY_OBJECT_DATA_SYNC 0x10
#define MEMORY_OBJECT_IO_SYNC 0x20
#define MEMORY_OBJECT_DATA_FLUSH_ALL 0x40

#define MEMORY_OBJECT_INFO_MAX (1024)
typedef int *memory_object_info_t;
typedef int memory_object_flavor_t;
typedef int memory_object_info_data_t[MEMORY_OBJECT_INFO_MAX];

#define MEMORY_OBJECT_PERFORMANCE_INFO 11
#define MEMORY_OBJECT_ATTRIBUTE_INFO 14
#define MEMORY_OBJECT_BEHAVIOR_INFO 15
#define OLD_MEMORY_OBJECT_BEHAVIOR_INFO 10
#define OLD_MEMORY_OBJECT_ATTRIBUTE_INFO 12

struct memory_object_perf_info {
  memory_object_cluster_size_t cluster_size;
  boolean_t may_cache;
};
struct memory_object_attr_info {
  memory_object_copy_strategy_t copy_strategy;
  memory_object_cluster_size_t cluster_size;
  boolean_t may_cache_object;
  boolean_t temporary;
};
struct memory_object_behave_info {
  memory_object_copy_strategy_t copy_strategy;
  boolean_t temporary;
  boolean_t invalidate;
  boolean_t silent_overwrite;
  boolean_t advisory_pageout;
};
typedef struct memory_object_behave_info *memory_object_behave_info_t;
typedef struct memory_object_behave_info memory_object_behave_info_data_t;
typedef struct memory_object_perf_info *memory_object_perf_info_t;
typedef struct memory_object_perf_info memory_object_perf_info_data_t;
typedef struct memory_object_attr_info *memory_object_attr_info_t;
typedef struct memory_object_attr_info memory_object_attr_info_data_t;
#define MEMORY_OBJECT_BEHAVE_INFO_COUNT ((mach_msg_type_number_t)(sizeof(memory_object_behave_info_data_t) / sizeof(int)))
#define MEMORY_OBJECT_PERF_INFO_COUNT ((mach_msg_type_number_t)(sizeof(memory_object_perf_info_data_t) / sizeof(int)))
#define MEMORY_OBJECT_ATTR_INFO_COUNT ((mach_msg_type_number_t)(sizeof(memory_object_attr_info_data_t) / sizeof(int)))

#define MEMORY_OBJECT_TERMINATE_IDLE 0x1
#define MEMORY_OBJECT_RESPECT_CACHE 0x2
#define MEMORY_OBJECT_RELEASE_NO_OP 0x4

#define MAP_MEM_NOOP 0
#define MAP_MEM_COPYBACK 1
#define MAP_MEM_IO 2
#define MAP_MEM_WTHRU 3
#define MAP_MEM_WCOMB 4
#define MAP_MEM_INNERWBACK 5
#define GET_MAP_MEM(flags) ((((unsigned int)(flags)) >> 24) & 0xFF)
#define SET_MAP_MEM(caching, flags) ((flags) = ((((unsigned int)(caching)) << 24) & 0xFF000000) | ((flags) & 0xFFFFFF));
#define MAP_MEM_ONLY 0x010000
#define MAP_MEM_NAMED_CREATE 0x020000
#define MAP_MEM_PURGABLE 0x040000
#define MAP_MEM_NAMED_REUSE 0x080000
#define MAP_MEM_USE_DATA_ADDR 0x100000
#define MAP_MEM_VM_COPY 0x200000
#define MAP_MEM_VM_SHARE 0x400000
#define MAP_MEM_4K_DATA_ADDR 0x800000
#endif
