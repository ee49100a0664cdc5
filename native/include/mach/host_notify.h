/* host_request_notification types. */
#ifndef _MACH_HOST_NOTIFY_H_
#define _MACH_HOST_NOTIFY_H_
#define HOST_NOTIFY_CALENDAR_CHANGE 0
#define HOST_NOTIFY_TYPE_MAX 0
#define HOST_CALENDAR_CHANGED_REPLYID 950
#endif
