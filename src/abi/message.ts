/**
 * The Mach message ABI constants of osfmk/mach/message.h (xnu-3248), as a
 * 64-bit task sees them.
 */
export type MachMsgReturn = number;

// msgh_bits
export const MACH_MSGH_BITS_ZERO = 0;
export const MACH_MSGH_BITS_REMOTE_MASK = 0x0000001f;
export const MACH_MSGH_BITS_LOCAL_MASK = 0x00001f00;
export const MACH_MSGH_BITS_VOUCHER_MASK = 0x001f0000;
export const MACH_MSGH_BITS_PORTS_MASK = 0x001f1f1f;
export const MACH_MSGH_BITS_COMPLEX = 0x80000000;
export const MACH_MSGH_BITS_RAISEIMP = 0x20000000;
export const MACH_MSGH_BITS_CIRCULAR = 0x10000000;
export const MACH_MSGH_BITS_USER = 0x801f1f1f;
export const MACH_MSGH_BITS_USED = 0xb01f1f1f;

export const msghBitsRemote = (bits: number): number => bits & 0x1f;
export const msghBitsLocal = (bits: number): number => (bits >>> 8) & 0x1f;
export const msghBitsVoucher = (bits: number): number => (bits >>> 16) & 0x1f;
export const msghBitsOther = (bits: number): number => (bits & ~MACH_MSGH_BITS_PORTS_MASK) >>> 0;
/** MACH_MSGH_BITS_SET(remote, local, voucher, other) */
export const msghBitsSet = (remote: number, local: number, voucher: number, other: number): number =>
  ((remote & 0x1f) | ((local << 8) & 0x1f00) | ((voucher << 16) & 0x1f0000) | (other & ~MACH_MSGH_BITS_PORTS_MASK)) >>> 0;
/** MACH_MSGH_BITS(remote, local) */
export const msghBits = (remote: number, local: number): number => (remote | (local << 8)) >>> 0;

// Dispositions (mach_msg_type_name_t)
export const MACH_MSG_TYPE_PORT_NONE = 0;
export const MACH_MSG_TYPE_PORT_NAME = 15;
export const MACH_MSG_TYPE_MOVE_RECEIVE = 16;
export const MACH_MSG_TYPE_MOVE_SEND = 17;
export const MACH_MSG_TYPE_MOVE_SEND_ONCE = 18;
export const MACH_MSG_TYPE_COPY_SEND = 19;
export const MACH_MSG_TYPE_MAKE_SEND = 20;
export const MACH_MSG_TYPE_MAKE_SEND_ONCE = 21;
export const MACH_MSG_TYPE_COPY_RECEIVE = 22;
export const MACH_MSG_TYPE_DISPOSE_RECEIVE = 24;
export const MACH_MSG_TYPE_DISPOSE_SEND = 25;
export const MACH_MSG_TYPE_DISPOSE_SEND_ONCE = 26;
export const MACH_MSG_TYPE_PORT_RECEIVE = MACH_MSG_TYPE_MOVE_RECEIVE;
export const MACH_MSG_TYPE_PORT_SEND = MACH_MSG_TYPE_MOVE_SEND;
export const MACH_MSG_TYPE_PORT_SEND_ONCE = MACH_MSG_TYPE_MOVE_SEND_ONCE;
export const MACH_MSG_TYPE_LAST = 22;
export const MACH_MSG_TYPE_POLYMORPHIC = 0xffffffff;

export const machMsgTypePortAny = (t: number): boolean => t >= 16 && t <= 21;
export const machMsgTypePortAnySend = (t: number): boolean => t >= 17 && t <= 21;
export const machMsgTypePortAnyRight = (t: number): boolean => t >= 16 && t <= 18;

/** ipc_object_copyin_type: the type a right is carried as once copied in. */
export function carriedType(disposition: number): number {
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return MACH_MSG_TYPE_PORT_SEND_ONCE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
      return MACH_MSG_TYPE_PORT_SEND;
    default:
      return MACH_MSG_TYPE_PORT_NONE;
  }
}

// Descriptor types and copy options
export const MACH_MSG_PORT_DESCRIPTOR = 0;
export const MACH_MSG_OOL_DESCRIPTOR = 1;
export const MACH_MSG_OOL_PORTS_DESCRIPTOR = 2;
export const MACH_MSG_OOL_VOLATILE_DESCRIPTOR = 3;
export const MACH_MSG_PHYSICAL_COPY = 0;
export const MACH_MSG_VIRTUAL_COPY = 1;
export const MACH_MSG_ALLOCATE = 2;
export const MACH_MSG_OVERWRITE = 3;

// Options
export const MACH_MSG_OPTION_NONE = 0;
export const MACH_SEND_MSG = 0x00000001;
export const MACH_RCV_MSG = 0x00000002;
export const MACH_RCV_LARGE = 0x00000004;
export const MACH_RCV_LARGE_IDENTITY = 0x00000008;
export const MACH_SEND_TIMEOUT = 0x00000010;
export const MACH_SEND_INTERRUPT = 0x00000040;
export const MACH_SEND_NOTIFY = 0x00000080;
export const MACH_SEND_ALWAYS = 0x00010000;
export const MACH_SEND_TRAILER = 0x00020000;
export const MACH_SEND_NOIMPORTANCE = 0x00040000;
export const MACH_SEND_NODENAP = MACH_SEND_NOIMPORTANCE;
export const MACH_SEND_IMPORTANCE = 0x00080000;
export const MACH_RCV_TIMEOUT = 0x00000100;
export const MACH_RCV_NOTIFY = 0x00000200;
export const MACH_RCV_INTERRUPT = 0x00000400;
export const MACH_RCV_VOUCHER = 0x00000800;
export const MACH_RCV_OVERWRITE = 0x00001000;
export const MACH_SEND_USER = 0x00060091;
export const MACH_RCV_USER = 0x0f00090e;
/** The trap ANDs the option word with this first (so the trailer-type nibble is dropped). */
export const MACH_MSG_OPTION_USER = 0x0f06099f;
export const MACH_SEND_KERNEL_DEFAULT = 0x00050001;
export const MACH_MSG_TIMEOUT_NONE = 0;

// Trailers
export const MACH_MSG_TRAILER_FORMAT_0 = 0;
export const MACH_RCV_TRAILER_NULL = 0;
export const MACH_RCV_TRAILER_SEQNO = 1;
export const MACH_RCV_TRAILER_SENDER = 2;
export const MACH_RCV_TRAILER_AUDIT = 3;
export const MACH_RCV_TRAILER_CTX = 4;
export const MACH_RCV_TRAILER_AV = 7;
export const MACH_RCV_TRAILER_LABELS = 8;
export const MACH_RCV_TRAILER_MASK = 0x0f000000;
export const machRcvTrailerType = (x: number): number => ((x & 0xf) << 28) >>> 0;
export const machRcvTrailerElements = (x: number): number => ((x & 0xf) << 24) >>> 0;
export const MAX_TRAILER_SIZE = 68;
export const MACH_MSG_TRAILER_MINIMUM_SIZE = 8;

/** REQUESTED_TRAILER_SIZE for a 64-bit receiver: the trailer size for the elements asked for. */
export function requestedTrailerSize(option: number): number {
  switch ((option >>> 24) & 0xf) {
    case MACH_RCV_TRAILER_NULL:
      return 8;
    case MACH_RCV_TRAILER_SEQNO:
      return 12;
    case MACH_RCV_TRAILER_SENDER:
      return 20;
    case MACH_RCV_TRAILER_AUDIT:
      return 52;
    case MACH_RCV_TRAILER_CTX:
      return 60;
    default:
      return 68;
  }
}

// Sizes
export const MACH_MSG_SIZE_MAX = 0xffffffff;
export const MACH_MSG_SIZE_RELIABLE = 262144;
/** ipc_kmsg_max_body_space: 48 MiB less the largest trailer. */
export const IPC_KMSG_MAX_BODY_SPACE = 48 * 1024 * 1024 - MAX_TRAILER_SIZE;
/** ipc_kmsg_max_vm_space: 7/8 of 8 MiB of physically copied OOL memory. */
export const IPC_KMSG_MAX_VM_SPACE = (8 * 1024 * 1024 * 7) / 8;
export const LEGACY_HEADER_SIZE_DELTA = 8;

// mach_msg_return_t
export const MACH_MSG_SUCCESS = 0x00000000;
export const MACH_MSG_MASK = 0x00003e00;
export const MACH_MSG_IPC_SPACE = 0x00002000;
export const MACH_MSG_VM_SPACE = 0x00001000;
export const MACH_MSG_IPC_KERNEL = 0x00000800;
export const MACH_MSG_VM_KERNEL = 0x00000400;

export const MACH_SEND_IN_PROGRESS = 0x10000001;
export const MACH_SEND_INVALID_DATA = 0x10000002;
export const MACH_SEND_INVALID_DEST = 0x10000003;
export const MACH_SEND_TIMED_OUT = 0x10000004;
export const MACH_SEND_INVALID_VOUCHER = 0x10000005;
export const MACH_SEND_INTERRUPTED = 0x10000007;
export const MACH_SEND_MSG_TOO_SMALL = 0x10000008;
export const MACH_SEND_INVALID_REPLY = 0x10000009;
export const MACH_SEND_INVALID_RIGHT = 0x1000000a;
export const MACH_SEND_INVALID_NOTIFY = 0x1000000b;
export const MACH_SEND_INVALID_MEMORY = 0x1000000c;
export const MACH_SEND_NO_BUFFER = 0x1000000d;
export const MACH_SEND_TOO_LARGE = 0x1000000e;
export const MACH_SEND_INVALID_TYPE = 0x1000000f;
export const MACH_SEND_INVALID_HEADER = 0x10000010;
export const MACH_SEND_INVALID_TRAILER = 0x10000011;
export const MACH_SEND_INVALID_RT_OOL_SIZE = 0x10000015;

export const MACH_RCV_IN_PROGRESS = 0x10004001;
export const MACH_RCV_INVALID_NAME = 0x10004002;
export const MACH_RCV_TIMED_OUT = 0x10004003;
export const MACH_RCV_TOO_LARGE = 0x10004004;
export const MACH_RCV_INTERRUPTED = 0x10004005;
export const MACH_RCV_PORT_CHANGED = 0x10004006;
export const MACH_RCV_INVALID_NOTIFY = 0x10004007;
export const MACH_RCV_INVALID_DATA = 0x10004008;
export const MACH_RCV_PORT_DIED = 0x10004009;
export const MACH_RCV_IN_SET = 0x1000400a;
export const MACH_RCV_HEADER_ERROR = 0x1000400b;
export const MACH_RCV_BODY_ERROR = 0x1000400c;
export const MACH_RCV_INVALID_TYPE = 0x1000400d;
export const MACH_RCV_SCATTER_SMALL = 0x1000400e;
export const MACH_RCV_INVALID_TRAILER = 0x1000400f;
export const MACH_RCV_IN_PROGRESS_TIMED = 0x10004011;

/** Round a message size up to 4 bytes (round_msg). */
export const roundMsg = (x: number): number => (x + 3) & ~3;
