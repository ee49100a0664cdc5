/* Seconds and microseconds, as task and thread times are reported. */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_
#include <mach/machine/vm_types.h>

struct time_value {
  integer_t seconds;
  integer_t microseconds;
};
typedef struct time_value time_value_t;

#define TIME_MICROS_MAX (1000000)
#define time_value_add_usec(val, micros)                                 \
  {                                                                      \
    if (((val)->microseconds += (micros)) >= TIME_MICROS_MAX) {          \
      (val)->microseconds -= TIME_MICROS_MAX;                            \
      (val)->seconds++;                                                  \
    }                                                                    \
  }
#define time_value_add(result, addend)                                   \
  {                                                                      \
    (result)->microseconds += (addend)->microseconds;                    \
    (result)->seconds += (addend)->seconds;                              \
    if ((result)->microseconds >= TIME_MICROS_MAX) {                     \
      (result)->microseconds -= TIME_MICROS_MAX;                         \
      (result)->seconds++;                                               \
    }                                                                    \
  }
#endif
