/*
 * A credential change as macOS's set_security_token follows it: a root task's host port is host
 * priv; after setgid and setuid to another user, mach_host_self() is the plain host port, the
 * task's audit token (task_info and a received message's trailer) names the new ids, a host priv
 * right the task already held still works, a thread made afterwards is a Mach thread as usual, and
 * a large region still travels as a memfd (the side channel a connection made before the setuid
 * opens after it is the same process's).
 * Run as root (setid_user.c is the unprivileged side).
 */
#include <mach/mach.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "memfd_maps.h"

enum { NOBODY = 65534 };

/* Whether `host` is a host priv right: host_get_boot_info is host_priv's, KERN_INVALID_HOST for the plain host port. */
static kern_return_t boot_info(host_t host) {
  kernel_boot_info_t info;
  return host_get_boot_info(host, info);
}

static kern_return_t host_self_boot_info(void) {
  host_t host = mach_host_self();
  kern_return_t kr = boot_info(host);
  mach_port_deallocate(mach_task_self(), host);
  return kr;
}

static int task_audit(audit_token_t *token) {
  mach_msg_type_number_t count = TASK_AUDIT_TOKEN_COUNT;
  return task_info(mach_task_self(), TASK_AUDIT_TOKEN, (task_info_t)token, &count) == KERN_SUCCESS && count == TASK_AUDIT_TOKEN_COUNT;
}

/* The audit token of a message this task sends itself, from the receive's audit trailer. */
static int trailer_audit(audit_token_t *token) {
  mach_port_t port;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) return 0;
  struct {
    mach_msg_header_t h;
    mach_msg_audit_trailer_t t;
    char room[64];
  } m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0);
  m.h.msgh_size = sizeof m.h;
  m.h.msgh_remote_port = port;
  m.h.msgh_id = 7;
  kern_return_t kr = mach_msg(&m.h, MACH_SEND_MSG, sizeof m.h, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS)
    kr = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT), 0, sizeof m, port,
                  MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
  if (kr != KERN_SUCCESS || m.t.msgh_trailer_size != sizeof(mach_msg_audit_trailer_t)) return 0;
  *token = m.t.msgh_audit;
  return 1;
}

enum { BIG = 64 * 1024 };

/* Whether a 64 KiB region this thread sends itself out of line arrives mapped from a machipc memfd, intact. */
static int region_by_memfd(void) {
  mach_port_t port;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) return 0;
  static unsigned char sent[BIG];
  for (int i = 0; i < BIG; i++) sent[i] = (unsigned char)(i * 3 + 1);
  struct {
    mach_msg_header_t h;
    mach_msg_body_t b;
    mach_msg_ool_descriptor_t d;
    mach_msg_trailer_t t;
  } m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX;
  m.h.msgh_size = sizeof m - sizeof m.t;
  m.h.msgh_remote_port = port;
  m.b.msgh_descriptor_count = 1;
  m.d.address = sent;
  m.d.size = BIG;
  m.d.copy = MACH_MSG_VIRTUAL_COPY;
  m.d.type = MACH_MSG_OOL_DESCRIPTOR;
  kern_return_t kr = mach_msg(&m.h, MACH_SEND_MSG, m.h.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS) kr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
  if (kr != KERN_SUCCESS || m.d.size != BIG) return 0;
  int ok = memfd_mapped_ino(m.d.address, NULL) == 1 && memcmp(m.d.address, sent, BIG) == 0;
  vm_deallocate(mach_task_self(), (vm_address_t)m.d.address, BIG);
  return ok;
}

static void *thread_body(void *out) {
  thread_t self = mach_thread_self();
  *(kern_return_t *)out = self != MACH_PORT_NULL ? host_self_boot_info() : KERN_FAILURE;
  if (self != MACH_PORT_NULL) mach_port_deallocate(mach_task_self(), self);
  return NULL;
}

int main(void) {
  audit_token_t a, t;
  check("root: mach_host_self() is host priv", host_self_boot_info() == KERN_SUCCESS, 0);
  check("root: the audit token's euid and ruid are 0", task_audit(&a) && a.val[1] == 0 && a.val[3] == 0 && a.val[5] == (unsigned)getpid(), 0);
  host_t kept = mach_host_self();
  check("setgid(nobody) succeeds", setgid(NOBODY) == 0, 0);
  check("...the audit token's egid and rgid follow, the uids stay 0", task_audit(&a) && a.val[2] == NOBODY && a.val[4] == NOBODY && a.val[1] == 0, 0);
  check("...and uid 0 still has host priv", host_self_boot_info() == KERN_SUCCESS, 0);
  check("setuid(nobody) succeeds", setuid(NOBODY) == 0, 0);
  check("after setuid: mach_host_self() is the plain host port", host_self_boot_info() == KERN_INVALID_HOST, 0);
  check("after setuid: task_info's audit token names nobody (euid, ruid)", task_audit(&a) && a.val[1] == NOBODY && a.val[3] == NOBODY && a.val[5] == (unsigned)getpid(), 0);
  check("after setuid: a message's audit trailer names nobody", trailer_audit(&t) && t.val[1] == NOBODY && t.val[2] == NOBODY && t.val[3] == NOBODY, 0);
  check("the host priv right held from before still works", boot_info(kept) == KERN_SUCCESS, 0);
  mach_port_deallocate(mach_task_self(), kept);
  check("after setuid: a large region still travels as a memfd", region_by_memfd(), 0);
  pthread_t th;
  kern_return_t in_thread = KERN_FAILURE;
  check("a thread made after setuid is a Mach thread, with the plain host port", pthread_create(&th, NULL, thread_body, &in_thread) == 0 && pthread_join(th, NULL) == 0 &&
        in_thread == KERN_INVALID_HOST, in_thread);
  check("setuid(0) is refused now, and nothing changes", setuid(0) == -1 && host_self_boot_info() == KERN_INVALID_HOST, 0);
  return failures ? 1 : 0;
}
