/* The notification messages the kernel sends (ids MACH_NOTIFY_* from src/abi) and their layouts. */
#ifndef _MACH_NOTIFY_H_
#define _MACH_NOTIFY_H_
#include <mach/port.h>
#include <mach/message.h>
#include <mach/ndr.h>

typedef mach_port_t notify_port_t;

#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_body_t not_body;
  mach_msg_port_descriptor_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_msg_type_number_t not_count;
  mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;
#pragma pack(pop)
#endif
