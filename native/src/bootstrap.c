/*
 * <servers/bootstrap.h>: liblaunch's calls over the bootstrap subsystem's
 * generated stubs (gen/job.h: job.defs' routines, described in
 * src/subsystems/bootstrap.ts), and the process's bootstrap_port, which
 * libsystem sets at start from TASK_BOOTSTRAP_PORT.
 */
#include "internal.h"

#include <servers/bootstrap.h>

#include "gen/job.h"

mach_port_t bootstrap_port = MACH_PORT_NULL;

/* The stubs take job.defs' name_t, not const: as liblaunch does, the name is only read. */
#define NAME(s) ((char *)(uintptr_t)(s))

kern_return_t bootstrap_check_in(mach_port_t bp, const char *service_name, mach_port_t *sp) { return bootstrap_check_in2(bp, service_name, sp, 0); }
kern_return_t bootstrap_check_in2(mach_port_t bp, const char *service_name, mach_port_t *sp, uint64_t flags) {
  uuid_t junk = {0};
  return vproc_mig_check_in2(bp, NAME(service_name), sp, junk, flags);
}

kern_return_t bootstrap_register(mach_port_t bp, const char *service_name, mach_port_t sp) { return bootstrap_register2(bp, service_name, sp, 0); }
kern_return_t bootstrap_register2(mach_port_t bp, const char *service_name, mach_port_t sp, uint64_t flags) {
  return vproc_mig_register2(bp, NAME(service_name), sp, flags);
}

kern_return_t bootstrap_look_up(mach_port_t bp, const char *service_name, mach_port_t *sp) { return bootstrap_look_up2(bp, service_name, sp, 0, 0); }
kern_return_t bootstrap_look_up2(mach_port_t bp, const char *service_name, mach_port_t *sp, pid_t target_pid, uint64_t flags) {
  audit_token_t servercreds;
  uuid_t instance_id = {0};
  return vproc_mig_look_up2(bp, NAME(service_name), sp, &servercreds, target_pid, instance_id, flags);
}

kern_return_t bootstrap_parent(mach_port_t bp, mach_port_t *parent_port) { return vproc_mig_parent(bp, parent_port); }

/* As libbootstrap does it: check in, give up the receive right, look the name up. */
kern_return_t bootstrap_create_service(mach_port_t bp, const char *service_name, mach_port_t *sp) {
  kern_return_t kr = bootstrap_check_in(bp, service_name, sp);
  if (kr) return kr;
  if ((kr = mach_port_mod_refs(mach_task_self(), *sp, MACH_PORT_RIGHT_RECEIVE, -1))) return kr;
  return bootstrap_look_up(bp, service_name, sp);
}

kern_return_t bootstrap_status(mach_port_t bp, const char *service_name, bootstrap_status_t *service_active) {
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
