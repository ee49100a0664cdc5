/*
 * <servers/bootstrap.h>: liblaunch's calls over the bootstrap subsystem
 * (src/subsystems/bootstrap.ts describes its routines: job.defs' ids and
 * layouts), and the process's bootstrap_port, which libsystem sets at start
 * from TASK_BOOTSTRAP_PORT.
 *
 * The MIG user stubs below are written to the layouts those descriptions give
 * until the generated stubs (native/src/gen) cover this subsystem; they are
 * weak so that generated ones take their place.
 */
#include "internal.h"

#include <servers/bootstrap.h>

mach_port_t bootstrap_port = MACH_PORT_NULL;

enum { NDR_AT = 24, COMPLEX_NDR_AT = 40, NAME_LEN = BOOTSTRAP_MAX_NAME_LEN };

/* mig_strncpy into a name_t: at most 127 bytes and always a NUL. */
static void put_name(unsigned char *at, const char *name) {
  size_t n = 0;
  if (name)
    while (n < NAME_LEN - 1 && name[n]) n++;
  memset(at, 0, NAME_LEN);
  if (n) memcpy(at, name, n);
}

static void header(unsigned char *m, uint32_t bits, uint32_t size, mach_port_t dest, mach_port_t reply, int32_t id) {
  put32(m, bits);
  put32(m + 4, size);
  put32(m + 8, dest);
  put32(m + 12, reply);
  put32(m + 16, 0);
  put32(m + 20, (uint32_t)id);
}

static const unsigned char NDR[8] = {0, 0, 0, 0, 1, 0, 0, 0};

/* A reply the stub will not accept: the rights its port descriptors brought are given up. */
static void drop_reply(unsigned char *m) {
  if (!(get32(m) & MACH_MSGH_BITS_COMPLEX)) return;
  uint32_t n = get32(m + 24), size = get32(m + 4);
  for (uint32_t i = 0; i < n && 28 + 12 * (i + 1) <= size; i++) {
    unsigned char *d = m + 28 + 12 * i;
    if (d[11] != MACH_MSG_PORT_DESCRIPTOR) return;
    mach_port_t name = get32(d);
    if (d[10] == MACH_MSG_TYPE_PORT_RECEIVE) mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
    else if (name != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), name);
  }
}

/*
 * Send a request and take its reply as a MIG user stub does: a simple reply
 * must be a mig_reply_error_t with a non-zero code; a complex one must carry
 * one port descriptor of `disposition` in `complex_size` bytes. Returns the
 * code, and the port in *port.
 */
static kern_return_t rpc_port(unsigned char *buf, uint32_t send_size, int32_t id, uint32_t complex_size, unsigned disposition, mach_port_t *port) {
  mach_port_t reply = mig_get_reply_port();
  put32(buf + 12, reply);
  mach_msg_return_t mr = mach_msg((mach_msg_header_t *)buf, MACH_SEND_MSG | MACH_RCV_MSG, send_size, 256, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) {
    if (mr == MACH_SEND_INVALID_REPLY || mr >= MACH_RCV_IN_PROGRESS) mig_dealloc_reply_port(reply);
    return mr;
  }
  uint32_t bits = get32(buf), size = get32(buf + 4);
  int32_t rid = (int32_t)get32(buf + 20);
  if (rid == MACH_NOTIFY_SEND_ONCE) return MIG_SERVER_DIED;
  if (rid != id + 100) {
    drop_reply(buf);
    return MIG_REPLY_MISMATCH;
  }
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) {
    kern_return_t kr = size == 36 ? (kern_return_t)get32(buf + 32) : MIG_TYPE_ERROR;
    /* A routine with a port out answers simply only to fail. */
    return port && kr == KERN_SUCCESS ? MIG_TYPE_ERROR : kr;
  }
  if (!port || size != complex_size || get32(buf + 24) != 1 || buf[39] != MACH_MSG_PORT_DESCRIPTOR || buf[38] != disposition) {
    drop_reply(buf);
    return MIG_TYPE_ERROR;
  }
  *port = get32(buf + 28);
  return KERN_SUCCESS;
}

__attribute__((weak)) kern_return_t vproc_mig_check_in2(mach_port_t j, const char *servicename, mach_port_t *serviceport, unsigned char instanceid[16], uint64_t flags) {
  unsigned char buf[256 + MAX_TRAILER_SIZE];
  header(buf, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 168, j, 0, 402);
  memcpy(buf + NDR_AT, NDR, 8);
  put_name(buf + 32, servicename);
  put64(buf + 160, flags);
  kern_return_t kr = rpc_port(buf, 168, 402, 64, MACH_MSG_TYPE_PORT_RECEIVE, serviceport);
  if (kr == KERN_SUCCESS && instanceid) memcpy(instanceid, buf + COMPLEX_NDR_AT + 8, 16);
  return kr;
}

__attribute__((weak)) kern_return_t vproc_mig_register2(mach_port_t j, const char *servicename, mach_port_t serviceport, uint64_t flags) {
  unsigned char buf[256 + MAX_TRAILER_SIZE];
  header(buf, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX, 184, j, 0, 403);
  put32(buf + 24, 1);
  put32(buf + 28, serviceport);
  put32(buf + 32, 0);
  buf[36] = buf[37] = 0;
  buf[38] = MACH_MSG_TYPE_COPY_SEND;
  buf[39] = MACH_MSG_PORT_DESCRIPTOR;
  memcpy(buf + COMPLEX_NDR_AT, NDR, 8);
  put_name(buf + 48, servicename);
  put64(buf + 176, flags);
  return rpc_port(buf, 184, 403, 0, 0, NULL);
}

__attribute__((weak)) kern_return_t vproc_mig_look_up2(mach_port_t j, const char *servicename, mach_port_t *serviceport, int targetpid, const unsigned char instanceid[16], uint64_t flags) {
  unsigned char buf[256 + MAX_TRAILER_SIZE];
  header(buf, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 188, j, 0, 404);
  memcpy(buf + NDR_AT, NDR, 8);
  put_name(buf + 32, servicename);
  put32(buf + 160, (uint32_t)targetpid);
  if (instanceid) memcpy(buf + 164, instanceid, 16);
  else memset(buf + 164, 0, 16);
  put64(buf + 180, flags);
  return rpc_port(buf, 188, 404, 40, MACH_MSG_TYPE_PORT_SEND, serviceport);
}

__attribute__((weak)) kern_return_t vproc_mig_parent(mach_port_t j, mach_port_t *parentport) {
  unsigned char buf[256 + MAX_TRAILER_SIZE];
  header(buf, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, j, 0, 406);
  return rpc_port(buf, 24, 406, 40, MACH_MSG_TYPE_PORT_SEND, parentport);
}

kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp) { return bootstrap_check_in2(bp, service_name, sp, 0); }
kern_return_t bootstrap_check_in2(mach_port_t bp, const name_t service_name, mach_port_t *sp, uint64_t flags) {
  unsigned char junk[16] = {0};
  return vproc_mig_check_in2(bp, service_name, sp, junk, flags);
}

kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp) { return bootstrap_register2(bp, service_name, sp, 0); }
kern_return_t bootstrap_register2(mach_port_t bp, name_t service_name, mach_port_t sp, uint64_t flags) { return vproc_mig_register2(bp, service_name, sp, flags); }

kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp) { return bootstrap_look_up2(bp, service_name, sp, 0, 0); }
kern_return_t bootstrap_look_up2(mach_port_t bp, const name_t service_name, mach_port_t *sp, pid_t target_pid, uint64_t flags) {
  return vproc_mig_look_up2(bp, service_name, sp, target_pid, NULL, flags);
}

kern_return_t bootstrap_parent(mach_port_t bp, mach_port_t *parent_port) { return vproc_mig_parent(bp, parent_port); }

/* As libbootstrap does it: check in, give up the receive right, look the name up. */
kern_return_t bootstrap_create_service(mach_port_t bp, name_t service_name, mach_port_t *sp) {
  kern_return_t kr = bootstrap_check_in(bp, service_name, sp);
  if (kr) return kr;
  if ((kr = mach_port_mod_refs(mach_task_self(), *sp, MACH_PORT_RIGHT_RECEIVE, -1))) return kr;
  return bootstrap_look_up(bp, service_name, sp);
}

kern_return_t bootstrap_status(mach_port_t bp, name_t service_name, bootstrap_status_t *service_active) {
  mach_port_t p;
  kern_return_t kr = bootstrap_look_up(bp, service_name, &p);
  if (kr) return kr;
  mach_port_deallocate(mach_task_self(), p);
  *service_active = BOOTSTRAP_STATUS_ACTIVE;
  if (bootstrap_check_in(bp, service_name, &p) == BOOTSTRAP_SUCCESS) {
    mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1);
    *service_active = BOOTSTRAP_STATUS_ON_DEMAND;
  }
  return BOOTSTRAP_SUCCESS;
}

const char *bootstrap_strerror(kern_return_t r) {
  switch (r) {
    case BOOTSTRAP_SUCCESS:
      return "Success";
    case BOOTSTRAP_NOT_PRIVILEGED:
      return "Permission denied";
    case BOOTSTRAP_NAME_IN_USE:
    case BOOTSTRAP_SERVICE_ACTIVE:
      return "Service name already exists";
    case BOOTSTRAP_UNKNOWN_SERVICE:
      return "Unknown service name";
    case BOOTSTRAP_BAD_COUNT:
      return "Too many lookups were requested in one request";
    case BOOTSTRAP_NO_MEMORY:
      return "Out of memory";
    default:
      return mach_error_string(r);
  }
}

/* libsystem's start: bootstrap_port is the task's TASK_BOOTSTRAP_PORT. */
void machipc_task_started(void) {
  mach_port_t p = MACH_PORT_NULL;
  if (task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &p) == KERN_SUCCESS) bootstrap_port = p;
}
