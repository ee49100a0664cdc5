/* The old events_info structure. */
#ifndef _MACH_EVENTS_INFO_H_
#define _MACH_EVENTS_INFO_H_
#include <mach/message.h>
struct events_info {
  integer_t faults;
  integer_t zero_fills;
  integer_t reactivations;
  integer_t pageins;
  integer_t cow_faults;
  integer_t messages_sent;
  integer_t messages_received;
};
typedef struct events_info events_info_data_t;
typedef struct events_info *events_info_t;
#define EVENTS_INFO_COUNT ((mach_msg_type_number_t)(sizeof(events_info_data_t) / sizeof(integer_t)))
#endif
