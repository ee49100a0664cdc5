/*
 * MIG user stubs the process features' examples and tests call (exception
 * ports, thread state, special ports), written to the layouts of their
 * routine descriptions in src/subsystems until the generated stubs
 * (native/src/gen) replace them: each is weak, so a generated definition of
 * the same routine takes its place at link time.
 */
#include "internal.h"

static const unsigned char NDR[8] = {0, 0, 0, 0, 1, 0, 0, 0};

enum { BUF = 1024 + MAX_TRAILER_SIZE };

static void head(unsigned char *m, uint32_t bits, uint32_t size, mach_port_t dest, int32_t id) {
  put32(m, bits);
  put32(m + 4, size);
  put32(m + 8, dest);
  put32(m + 12, mig_get_reply_port());
  put32(m + 16, 0);
  put32(m + 20, (uint32_t)id);
}

/* Send and receive; the reply's RetCode (simple replies), MIG_REPLY_MISMATCH or the mach_msg error otherwise. */
static kern_return_t rpc(unsigned char *m, uint32_t size, int32_t id) {
  mach_port_t reply = get32(m + 12);
  mach_msg_return_t mr = mach_msg((mach_msg_header_t *)m, MACH_SEND_MSG | MACH_RCV_MSG, size, BUF - MAX_TRAILER_SIZE, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) {
    if (mr == MACH_SEND_INVALID_REPLY || mr >= MACH_RCV_IN_PROGRESS) mig_dealloc_reply_port(reply);
    return mr;
  }
  if ((int32_t)get32(m + 20) == MACH_NOTIFY_SEND_ONCE) return MIG_SERVER_DIED;
  if ((int32_t)get32(m + 20) != id + 100) return MIG_REPLY_MISMATCH;
  if (get32(m) & MACH_MSGH_BITS_COMPLEX) return KERN_SUCCESS;
  return get32(m + 4) >= 36 ? (kern_return_t)get32(m + 32) : MIG_TYPE_ERROR;
}

__attribute__((weak)) kern_return_t task_set_exception_ports(task_t task, exception_mask_t exception_mask, mach_port_t new_port, exception_behavior_t behavior,
                                                             thread_state_flavor_t new_flavor) {
  unsigned char m[BUF];
  head(m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX, 60, task, 3413);
  put32(m + 24, 1);
  put32(m + 28, new_port);
  put32(m + 32, 0);
  m[36] = m[37] = 0;
  m[38] = MACH_MSG_TYPE_COPY_SEND;
  m[39] = MACH_MSG_PORT_DESCRIPTOR;
  memcpy(m + 40, NDR, 8);
  put32(m + 48, exception_mask);
  put32(m + 52, (uint32_t)behavior);
  put32(m + 56, (uint32_t)new_flavor);
  return rpc(m, 60, 3413);
}

__attribute__((weak)) kern_return_t task_get_special_port(task_t task, int which_port, mach_port_t *special_port) {
  unsigned char m[BUF];
  head(m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 36, task, 3409);
  memcpy(m + 24, NDR, 8);
  put32(m + 32, (uint32_t)which_port);
  kern_return_t kr = rpc(m, 36, 3409);
  if (kr != KERN_SUCCESS) return kr;
  if (!(get32(m) & MACH_MSGH_BITS_COMPLEX) || get32(m + 24) != 1) return MIG_TYPE_ERROR;
  *special_port = get32(m + 28);
  return KERN_SUCCESS;
}

__attribute__((weak)) kern_return_t thread_get_state(thread_act_t target_act, thread_state_flavor_t flavor, thread_state_t old_state,
                                                     mach_msg_type_number_t *old_stateCnt) {
  unsigned char m[BUF];
  head(m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 40, target_act, 3603);
  memcpy(m + 24, NDR, 8);
  put32(m + 32, (uint32_t)flavor);
  /* thread_state_t is array[*:224] of natural_t: the capacity the caller gives, at most that. */
  uint32_t cap = *old_stateCnt < 224 ? *old_stateCnt : 224;
  put32(m + 36, cap);
  kern_return_t kr = rpc(m, 40, 3603);
  if (kr != KERN_SUCCESS) return kr;
  uint32_t n = get32(m + 36);
  if (n > cap || get32(m + 4) != 40 + 4 * n) return MIG_TYPE_ERROR;
  memcpy(old_state, m + 40, 4 * (size_t)n);
  *old_stateCnt = n;
  return KERN_SUCCESS;
}

__attribute__((weak)) kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor, thread_state_t new_state,
                                                     mach_msg_type_number_t new_stateCnt) {
  unsigned char m[BUF];
  if (new_stateCnt > 224) return MIG_ARRAY_TOO_LARGE;
  head(m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 40 + 4 * new_stateCnt, target_act, 3604);
  memcpy(m + 24, NDR, 8);
  put32(m + 32, (uint32_t)flavor);
  put32(m + 36, new_stateCnt);
  memcpy(m + 40, new_state, 4 * (size_t)new_stateCnt);
  return rpc(m, 40 + 4 * new_stateCnt, 3604);
}
