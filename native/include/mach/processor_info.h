/* processor_info and processor_set_info flavors and structures (flavors and counts from src/abi). */
#ifndef _MACH_PROCESSOR_INFO_H_
#define _MACH_PROCESSOR_INFO_H_
#include <mach/message.h>
#include <mach/machine.h>
#include <mach/machine/processor_info.h>
#include <machipc/constants.h>

typedef integer_t *processor_info_t;
typedef integer_t *processor_info_array_t;
#define PROCESSOR_INFO_MAX (1024)
typedef integer_t processor_info_data_t[PROCESSOR_INFO_MAX];
typedef integer_t *processor_set_info_t;
#define PROCESSOR_SET_INFO_MAX (1024)
typedef integer_t processor_set_info_data_t[PROCESSOR_SET_INFO_MAX];
typedef int processor_flavor_t;

struct processor_basic_info {
  cpu_type_t cpu_type;
  cpu_subtype_t cpu_subtype;
  boolean_t running;
  int slot_num;
  boolean_t is_master;
};
typedef struct processor_basic_info processor_basic_info_data_t;
typedef struct processor_basic_info *processor_basic_info_t;

struct processor_cpu_load_info {
  unsigned int cpu_ticks[CPU_STATE_MAX];
};
typedef struct processor_cpu_load_info processor_cpu_load_info_data_t;
typedef struct processor_cpu_load_info *processor_cpu_load_info_t;

typedef int processor_set_flavor_t;

struct processor_set_basic_info {
  int processor_count;
  int default_policy;
};
typedef struct processor_set_basic_info processor_set_basic_info_data_t;
typedef struct processor_set_basic_info *processor_set_basic_info_t;
#define PROCESSOR_SET_BASIC_INFO_COUNT \
  ((mach_msg_type_number_t)(sizeof(processor_set_basic_info_data_t) / sizeof(natural_t)))

struct processor_set_load_info {
  int task_count;
  int thread_count;
  integer_t load_average;
  integer_t mach_factor;
};
typedef struct processor_set_load_info processor_set_load_info_data_t;
typedef struct processor_set_load_info *processor_set_load_info_t;
#define PROCESSOR_SET_LOAD_INFO_COUNT \
  ((mach_msg_type_number_t)(sizeof(processor_set_load_info_data_t) / sizeof(natural_t)))
#endif
