/** Port names, rights, types and limits (osfmk/mach/port.h, xnu-3248). */
export const MACH_PORT_NULL = 0;
export const MACH_PORT_DEAD = 0xffffffff;
export const machPortValid = (name: number): boolean => name !== MACH_PORT_NULL && name !== MACH_PORT_DEAD;
export const machPortIndex = (name: number): number => name >>> 8;
export const machPortGen = (name: number): number => name & 0xff;
export const machPortMake = (index: number, gen: number): number => ((index << 8) | (gen & 0xff)) >>> 0;

export const MACH_PORT_RIGHT_SEND = 0;
export const MACH_PORT_RIGHT_RECEIVE = 1;
export const MACH_PORT_RIGHT_SEND_ONCE = 2;
export const MACH_PORT_RIGHT_PORT_SET = 3;
export const MACH_PORT_RIGHT_DEAD_NAME = 4;
export const MACH_PORT_RIGHT_LABELH = 5;
export const MACH_PORT_RIGHT_NUMBER = 6;

export const MACH_PORT_TYPE_NONE = 0;
export const machPortTypeOf = (right: number): number => (1 << (right + 16)) >>> 0;
export const MACH_PORT_TYPE_SEND = 0x00010000;
export const MACH_PORT_TYPE_RECEIVE = 0x00020000;
export const MACH_PORT_TYPE_SEND_ONCE = 0x00040000;
export const MACH_PORT_TYPE_PORT_SET = 0x00080000;
export const MACH_PORT_TYPE_DEAD_NAME = 0x00100000;
export const MACH_PORT_TYPE_LABELH = 0x00200000;
export const MACH_PORT_TYPE_SEND_RECEIVE = 0x00030000;
export const MACH_PORT_TYPE_SEND_RIGHTS = 0x00050000;
export const MACH_PORT_TYPE_PORT_RIGHTS = 0x00070000;
export const MACH_PORT_TYPE_PORT_OR_DEAD = 0x00170000;
export const MACH_PORT_TYPE_ALL_RIGHTS = 0x001f0000;
export const MACH_PORT_TYPE_DNREQUEST = 0x80000000;
export const MACH_PORT_TYPE_SPREQUEST = 0x40000000;
export const MACH_PORT_TYPE_SPREQUEST_DELAYED = 0x20000000;

export const MACH_PORT_UREFS_MAX = 0xffff;
export const MACH_PORT_QLIMIT_ZERO = 0;
export const MACH_PORT_QLIMIT_BASIC = 5;
export const MACH_PORT_QLIMIT_SMALL = 16;
export const MACH_PORT_QLIMIT_LARGE = 1024;
export const MACH_PORT_QLIMIT_KERNEL = 65534;
export const MACH_PORT_QLIMIT_MIN = MACH_PORT_QLIMIT_ZERO;
export const MACH_PORT_QLIMIT_DEFAULT = MACH_PORT_QLIMIT_BASIC;
export const MACH_PORT_QLIMIT_MAX = MACH_PORT_QLIMIT_LARGE;

// Notification message ids (osfmk/mach/notify.h)
export const MACH_NOTIFY_FIRST = 64;
export const MACH_NOTIFY_PORT_DELETED = 65;
export const MACH_NOTIFY_SEND_POSSIBLE = 66;
export const MACH_NOTIFY_PORT_DESTROYED = 69;
export const MACH_NOTIFY_NO_SENDERS = 70;
export const MACH_NOTIFY_SEND_ONCE = 71;
export const MACH_NOTIFY_DEAD_NAME = 72;
export const MACH_NOTIFY_LAST = 72;

// mach_port_get/set_attributes flavors and counts
export const MACH_PORT_LIMITS_INFO = 1;
export const MACH_PORT_RECEIVE_STATUS = 2;
export const MACH_PORT_DNREQUESTS_SIZE = 3;
export const MACH_PORT_TEMPOWNER = 4;
export const MACH_PORT_IMPORTANCE_RECEIVER = 5;
export const MACH_PORT_DENAP_RECEIVER = 6;
export const MACH_PORT_INFO_EXT = 7;
export const MACH_PORT_LIMITS_INFO_COUNT = 1;
export const MACH_PORT_RECEIVE_STATUS_COUNT = 10;
export const MACH_PORT_DNREQUESTS_SIZE_COUNT = 1;
export const MACH_PORT_INFO_EXT_COUNT = 17;
export const MACH_PORT_INFO_MAX = 17;

// mach_port_status_t.mps_flags
export const MACH_PORT_STATUS_FLAG_TEMPOWNER = 0x01;
export const MACH_PORT_STATUS_FLAG_GUARDED = 0x02;
export const MACH_PORT_STATUS_FLAG_STRICT_GUARD = 0x04;
export const MACH_PORT_STATUS_FLAG_IMP_DONATION = 0x08;
export const MACH_PORT_STATUS_FLAG_REVIVE = 0x10;
export const MACH_PORT_STATUS_FLAG_TASKPTR = 0x20;

// mach_port_options_t.flags (mach_port_construct)
export const MPO_CONTEXT_AS_GUARD = 0x01;
export const MPO_QLIMIT = 0x02;
export const MPO_TEMPOWNER = 0x04;
export const MPO_IMPORTANCE_RECEIVER = 0x08;
export const MPO_INSERT_SEND_RIGHT = 0x10;
export const MPO_STRICT = 0x20;
export const MPO_DENAP_RECEIVER = 0x40;

/** EXC_GUARD codes for Mach ports (mach/port.h): the guard type and the flavors of violation. */
export const GUARD_TYPE_MACH_PORT = 0x1;
export const kGUARD_EXC_DESTROY = 1 << 0;
export const kGUARD_EXC_MOD_REFS = 1 << 1;
export const kGUARD_EXC_SET_CONTEXT = 1 << 2;
export const kGUARD_EXC_UNGUARDED = 1 << 3;
export const kGUARD_EXC_INCORRECT_GUARD = 1 << 4;
