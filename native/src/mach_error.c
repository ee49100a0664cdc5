/* mach_error_string: the text libsystem gives for a return code. */
#include "internal.h"

const char *mach_error_string(kern_return_t kr) {
  switch (kr) {
    case KERN_SUCCESS: return "(os/kern) successful";
    case KERN_INVALID_ADDRESS: return "(os/kern) invalid address";
    case KERN_INVALID_ARGUMENT: return "(os/kern) invalid argument";
    case KERN_FAILURE: return "(os/kern) failure";
    case KERN_NO_ACCESS: return "(os/kern) protection failure";
    case KERN_INVALID_NAME: return "(os/kern) invalid name";
    case KERN_INVALID_RIGHT: return "(os/kern) invalid right";
    case KERN_INVALID_VALUE: return "(os/kern) invalid value";
    case KERN_INVALID_HOST: return "(os/kern) invalid host";
    case MIG_TYPE_ERROR: return "(ipc/mig) type check error";
    case MIG_REPLY_MISMATCH: return "(ipc/mig) wrong reply message ID";
    case MIG_BAD_ID: return "(ipc/mig) bad request message ID";
    case MIG_BAD_ARGUMENTS: return "(ipc/mig) server detected error";
    case MIG_SERVER_DIED: return "(ipc/mig) server died";
    case MACH_SEND_INVALID_DEST: return "(ipc/send) invalid destination port";
    case MACH_SEND_TIMED_OUT: return "(ipc/send) timed out";
    case MACH_RCV_TIMED_OUT: return "(ipc/rcv) timed out";
    case MACH_RCV_INVALID_NAME: return "(ipc/rcv) invalid name";
    default: return "(unknown) error";
  }
}
