/*
 * mach_msg with out-of-line memory the process cannot read: XNU's copyin
 * fails with MACH_SEND_INVALID_MEMORY and nothing is sent; the thread's
 * connection to the server must go on working after it. Prints "ok <check>"
 * per check, or "FAIL <check>: ..." and exits 1.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

struct ool_msg {
  mach_msg_header_t h;
  mach_msg_body_t b;
  mach_msg_ool_descriptor_t d;
  mach_msg_port_descriptor_t p;
  mach_msg_max_trailer_t trailer;
};

/* Send one OOL region (as memory or as a port array) and a send right to `port`, to `port`. */
static mach_msg_return_t send_ool(mach_port_t port, void *address, mach_msg_size_t size, int ports) {
  struct ool_msg m;
  memset(&m, 0, sizeof m);
  m.h.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.h.msgh_size = sizeof m - sizeof m.trailer;
  m.h.msgh_remote_port = port;
  m.h.msgh_id = 77;
  m.b.msgh_descriptor_count = 2;
  m.d.address = address;
  m.d.size = ports ? size / (mach_msg_size_t)sizeof(mach_port_t) : size;
  m.d.copy = MACH_MSG_VIRTUAL_COPY;
  m.d.type = ports ? MACH_MSG_OOL_PORTS_DESCRIPTOR : MACH_MSG_OOL_DESCRIPTOR;
  if (ports) ((mach_msg_ool_ports_descriptor_t *)&m.d)->disposition = MACH_MSG_TYPE_COPY_SEND;
  m.p.name = port;
  m.p.disposition = MACH_MSG_TYPE_MAKE_SEND;
  m.p.type = MACH_MSG_PORT_DESCRIPTOR;
  return mach_msg(&m.h, MACH_SEND_MSG, m.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

/* Nothing was queued on `port` (a refused send leaves no message behind). */
static int queue_empty(mach_port_t port) {
  struct ool_msg m;
  return mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port, 0, MACH_PORT_NULL) == MACH_RCV_TIMED_OUT;
}

static int still_connected(mach_port_t self) {
  mach_port_type_t t;
  return mach_port_type(self, self, &t) == KERN_SUCCESS;
}

int main(void) {
  mach_port_t self = mach_task_self();
  mach_port_t port;
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  if (kr == KERN_SUCCESS) kr = mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
  check("a port to send to", kr == KERN_SUCCESS, kr);
  size_t page = vm_page_size;
  unsigned char *gone = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *guard = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *half = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (gone == MAP_FAILED || guard == MAP_FAILED || half == MAP_FAILED) return 2;
  munmap(gone, 4 * page);
  munmap(half + page, page);

  mach_msg_return_t mr = send_ool(port, gone, (mach_msg_size_t)(4 * page), 0);
  check("OOL memory that is not mapped: MACH_SEND_INVALID_MEMORY", mr == MACH_SEND_INVALID_MEMORY, mr);
  check("the connection goes on after it", still_connected(self), KERN_FAILURE);
  check("and nothing was queued", queue_empty(port), KERN_FAILURE);

  mr = send_ool(port, gone + 1, 4099, 0);
  check("an unaligned, odd-sized region that is not mapped: MACH_SEND_INVALID_MEMORY", mr == MACH_SEND_INVALID_MEMORY, mr);
  check("the connection goes on after it", still_connected(self), KERN_FAILURE);

  mr = send_ool(port, guard, (mach_msg_size_t)page, 0);
  check("OOL memory mapped PROT_NONE: MACH_SEND_INVALID_MEMORY", mr == MACH_SEND_INVALID_MEMORY, mr);
  check("the connection goes on after it", still_connected(self), KERN_FAILURE);

  memset(half, 0x42, page);
  mr = send_ool(port, half + page - 100, 200, 0);
  check("a region whose end is not mapped: MACH_SEND_INVALID_MEMORY", mr == MACH_SEND_INVALID_MEMORY, mr);
  check("the connection goes on after it", still_connected(self), KERN_FAILURE);

  mr = send_ool(port, gone, 8 * sizeof(mach_port_t), 1);
  check("an OOL port array that is not mapped: MACH_SEND_INVALID_MEMORY", mr == MACH_SEND_INVALID_MEMORY, mr);
  check("the connection goes on after it", still_connected(self), KERN_FAILURE);
  check("and nothing was queued", queue_empty(port), KERN_FAILURE);

  /* Readable memory next to the holes still goes, intact. */
  mr = send_ool(port, half + page - 100, 100, 0);
  check("the readable part of that region sends", mr == MACH_MSG_SUCCESS, mr);
  struct ool_msg m;
  memset(&m, 0, sizeof m);
  mr = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port, 1000, MACH_PORT_NULL);
  unsigned char want[100];
  memset(want, 0x42, sizeof want);
  check("and arrives intact, with its port", mr == MACH_MSG_SUCCESS && m.h.msgh_id == 77 && m.d.size == 100 && memcmp(m.d.address, want, 100) == 0 && m.p.name == port, mr);
  if (mr == MACH_MSG_SUCCESS) {
    vm_deallocate(self, (vm_address_t)m.d.address, m.d.size);
    mach_port_deallocate(self, m.p.name);
  }
  kr = mach_port_mod_refs(self, port, MACH_PORT_RIGHT_RECEIVE, -1);
  check("the port goes", kr == KERN_SUCCESS, kr);
  return failures ? 1 : 0;
}
