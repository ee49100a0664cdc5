/*
 * Semaphores: signal and wait are traps (the server answers a wait when it
 * ends; only this thread's connection waits), as libsystem's semaphore.c
 * makes them. semaphore_create and semaphore_destroy are task routines;
 * the stubs here are weak, so generated MIG stubs take their place.
 */
#include "internal.h"

static kern_return_t trap(uint32_t which, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint32_t argc) {
  uint64_t a[] = {a0, a1, a2, a3};
  return machipc_trap_args(which, a, argc, NULL, 0);
}

kern_return_t semaphore_signal_trap(mach_port_name_t signal_name) { return trap(TRAP_SEMAPHORE_SIGNAL, signal_name, 0, 0, 0, 1); }
kern_return_t semaphore_signal_all_trap(mach_port_name_t signal_name) { return trap(TRAP_SEMAPHORE_SIGNAL_ALL, signal_name, 0, 0, 0, 1); }
kern_return_t semaphore_signal_thread_trap(mach_port_name_t signal_name, mach_port_name_t thread_name) {
  return trap(TRAP_SEMAPHORE_SIGNAL_THREAD, signal_name, thread_name, 0, 0, 2);
}
kern_return_t semaphore_wait_trap(mach_port_name_t wait_name) { return trap(TRAP_SEMAPHORE_WAIT, wait_name, 0, 0, 0, 1); }
kern_return_t semaphore_wait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name) {
  return trap(TRAP_SEMAPHORE_WAIT_SIGNAL, wait_name, signal_name, 0, 0, 2);
}
kern_return_t semaphore_timedwait_trap(mach_port_name_t wait_name, unsigned int sec, clock_res_t nsec) {
  return trap(TRAP_SEMAPHORE_TIMEDWAIT, wait_name, sec, (uint64_t)(int64_t)nsec, 0, 3);
}
kern_return_t semaphore_timedwait_signal_trap(mach_port_name_t wait_name, mach_port_name_t signal_name, unsigned int sec, clock_res_t nsec) {
  return trap(TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL, wait_name, signal_name, sec, (uint64_t)(int64_t)nsec, 4);
}

kern_return_t semaphore_signal(semaphore_t semaphore) { return semaphore_signal_trap(semaphore); }
kern_return_t semaphore_signal_all(semaphore_t semaphore) { return semaphore_signal_all_trap(semaphore); }
kern_return_t semaphore_signal_thread(semaphore_t semaphore, thread_t thread) { return semaphore_signal_thread_trap(semaphore, thread); }
kern_return_t semaphore_wait(semaphore_t semaphore) { return semaphore_wait_trap(semaphore); }
kern_return_t semaphore_timedwait(semaphore_t semaphore, mach_timespec_t wait_time) {
  return semaphore_timedwait_trap(semaphore, wait_time.tv_sec, wait_time.tv_nsec);
}
kern_return_t semaphore_timedwait_signal(semaphore_t wait_semaphore, semaphore_t signal_semaphore, mach_timespec_t wait_time) {
  return semaphore_timedwait_signal_trap(wait_semaphore, signal_semaphore, wait_time.tv_sec, wait_time.tv_nsec);
}
kern_return_t semaphore_wait_signal(semaphore_t wait_semaphore, semaphore_t signal_semaphore) {
  return semaphore_wait_signal_trap(wait_semaphore, signal_semaphore);
}

/* task.defs 3418 / 3419, MIG's 64-bit layouts: one int pair in, one port descriptor out; one port descriptor in. */
#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  int policy;
  int value;
} create_request_t;
typedef struct {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_port_descriptor_t semaphore;
  mach_msg_trailer_t trailer;
} create_reply_t;
typedef struct {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_port_descriptor_t semaphore;
} destroy_request_t;
#pragma pack(pop)

static kern_return_t rpc(mach_msg_header_t *h, mach_msg_size_t rcv_size) {
  mach_port_t reply = h->msgh_local_port;
  mach_msg_return_t mr = mach_msg(h, MACH_SEND_MSG | MACH_RCV_MSG, h->msgh_size, rcv_size, reply, 0, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) {
    if (mr != MACH_SEND_INVALID_DATA && mr != MACH_SEND_INVALID_DEST && mr != MACH_SEND_INVALID_HEADER) mig_dealloc_reply_port(reply);
    return mr;
  }
  return KERN_SUCCESS;
}

__attribute__((weak)) kern_return_t semaphore_create(task_t task, semaphore_t *semaphore, int policy, int value) {
  union {
    create_request_t in;
    create_reply_t out;
    mig_reply_error_t err;
  } u;
  memset(&u, 0, sizeof u);
  u.in.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  u.in.Head.msgh_size = sizeof u.in;
  u.in.Head.msgh_remote_port = task;
  u.in.Head.msgh_local_port = mig_get_reply_port();
  u.in.Head.msgh_id = 3418;
  u.in.NDR = NDR_record;
  u.in.policy = policy;
  u.in.value = value;
  kern_return_t kr = rpc(&u.in.Head, sizeof u);
  if (kr != KERN_SUCCESS) return kr;
  if (u.out.Head.msgh_id != 3518) return u.out.Head.msgh_id == MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH;
  if (!(u.out.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) return u.err.RetCode != KERN_SUCCESS ? u.err.RetCode : MIG_TYPE_ERROR;
  *semaphore = u.out.semaphore.name;
  return KERN_SUCCESS;
}

__attribute__((weak)) kern_return_t semaphore_destroy(task_t task, semaphore_t semaphore) {
  union {
    destroy_request_t in;
    mig_reply_error_t out;
    unsigned char room[sizeof(mig_reply_error_t) + 68];
  } u;
  memset(&u, 0, sizeof u);
  u.in.Head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  u.in.Head.msgh_size = sizeof u.in;
  u.in.Head.msgh_remote_port = task;
  u.in.Head.msgh_local_port = mig_get_reply_port();
  u.in.Head.msgh_id = 3419;
  u.in.msgh_body.msgh_descriptor_count = 1;
  u.in.semaphore.name = semaphore;
  u.in.semaphore.disposition = MACH_MSG_TYPE_MOVE_SEND;
  u.in.semaphore.type = MACH_MSG_PORT_DESCRIPTOR;
  kern_return_t kr = rpc(&u.in.Head, sizeof u);
  if (kr != KERN_SUCCESS) return kr;
  if (u.out.Head.msgh_id != 3519) return u.out.Head.msgh_id == MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH;
  return u.out.RetCode;
}
