/* excport: install a host exception port for EXC_BAD_ACCESS and read the host's exception ports back. */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>

int main(void) {
  host_priv_t host = mach_host_self();
  mach_port_t port;
  kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  if (kr == KERN_SUCCESS) kr = mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
  if (kr == KERN_SUCCESS) kr = host_set_exception_ports(host, EXC_MASK_BAD_ACCESS, port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0);
  printf("host_set_exception_ports: %s\n", mach_error_string(kr));
  if (kr != KERN_SUCCESS) return 1;
  exception_mask_t masks[EXC_TYPES_COUNT];
  mach_port_t handlers[EXC_TYPES_COUNT];
  exception_behavior_t behaviors[EXC_TYPES_COUNT];
  thread_state_flavor_t flavors[EXC_TYPES_COUNT];
  mach_msg_type_number_t n = EXC_TYPES_COUNT;
  kr = host_get_exception_ports(host, EXC_MASK_ALL, masks, &n, handlers, behaviors, flavors);
  printf("host_get_exception_ports: %s, %u entries\n", mach_error_string(kr), n);
  for (mach_msg_type_number_t i = 0; i < n; i++)
    printf("  mask 0x%x handler %s behavior 0x%x flavor %d\n", masks[i], handlers[i] == port ? "ours" : handlers[i] ? "other" : "none",
           (unsigned)behaviors[i], flavors[i]);
  return kr == KERN_SUCCESS ? 0 : 1;
}
