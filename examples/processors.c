/* processors: every processor of the host, via host_processors and processor_info (needs host priv). */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>

int main(void) {
  host_priv_t host = mach_host_self();
  processor_array_t list;
  mach_msg_type_number_t count;
  kern_return_t kr = host_processors(host, &list, &count);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "host_processors: %s\n", mach_error_string(kr));
    return 1;
  }
  printf("%u processors\n", count);
  for (mach_msg_type_number_t i = 0; i < count; i++) {
    processor_basic_info_data_t info;
    mach_msg_type_number_t n = PROCESSOR_BASIC_INFO_COUNT;
    host_t h;
    kr = processor_info(list[i], PROCESSOR_BASIC_INFO, &h, (processor_info_t)&info, &n);
    if (kr != KERN_SUCCESS) {
      fprintf(stderr, "processor_info: %s\n", mach_error_string(kr));
      return 1;
    }
    printf("processor %d: type 0x%x running %d master %d\n", info.slot_num, info.cpu_type, info.running, info.is_master);
    mach_port_deallocate(mach_task_self(), list[i]);
    mach_port_deallocate(mach_task_self(), h);
  }
  vm_deallocate(mach_task_self(), (vm_address_t)list, count * sizeof(mach_port_t));
  return 0;
}
