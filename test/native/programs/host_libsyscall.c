/*
 * The mach_host routines only libsystem has: host_get_atm_diagnostic_flag reads what
 * host_set_atm_diagnostic_flag wrote (host priv only: anyone else's set is KERN_INVALID_ARGUMENT
 * and changes nothing), the multiuser calls are KERN_NOT_SUPPORTED, and a message with one of
 * their ids sent to the host port gets the kernel's MIG_BAD_ID, since the kernel skips them.
 */
#include <mach/mach.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* Upper bits: the low byte may be in use (as xnu's own test of this flag reasons). */
enum { FLIP = 0x01000000 };

int main(void) {
  int root = geteuid() == 0;
  host_t host = mach_host_self();
  uint32_t before = 0xdeadbeef, after = 0xdeadbeef, v = 0;
  kern_return_t kr = host_get_atm_diagnostic_flag(host, &before);
  check("host_get_atm_diagnostic_flag answers", kr == KERN_SUCCESS && before != 0xdeadbeef, kr);
  kr = host_set_atm_diagnostic_flag(host, before ^ FLIP);
  check(root ? "root sets the flag" : "a user's set is KERN_INVALID_ARGUMENT (the plain host port)", kr == (root ? KERN_SUCCESS : KERN_INVALID_ARGUMENT), kr);
  kr = host_get_atm_diagnostic_flag(host, &after);
  check("the flag read back is what the set left", kr == KERN_SUCCESS && after == (root ? (before ^ FLIP) : before), kr);
  if (root) host_set_atm_diagnostic_flag(host, before);
  kr = host_get_multiuser_config_flags(host, &v);
  check("host_get_multiuser_config_flags: KERN_NOT_SUPPORTED, as on OS X", kr == KERN_NOT_SUPPORTED, kr);
  kr = host_check_multiuser_mode(host, &v);
  check("host_check_multiuser_mode: KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  /* The raw message: the kernel's mach_host server has no routine 226. */
  struct {
    mach_msg_header_t h;
    NDR_record_t ndr;
    kern_return_t ret;
    char room[64];
  } m;
  memset(&m, 0, sizeof m);
  mach_port_t reply = mig_get_reply_port();
  m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.h.msgh_size = sizeof m.h;
  m.h.msgh_remote_port = host;
  m.h.msgh_local_port = reply;
  m.h.msgh_id = 226;
  kr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  check("message 226 to the host port: the kernel answers MIG_BAD_ID in reply 326", kr == KERN_SUCCESS && m.h.msgh_id == 326 && m.ret == MIG_BAD_ID, kr ? kr : m.ret);
  mach_port_deallocate(mach_task_self(), host);
  return failures ? 1 : 0;
}
