/* hostinfo: the host as Mach reports it (like macOS's hostinfo). */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>

int main(void) {
  host_t host = mach_host_self();
  kernel_version_t version;
  kern_return_t kr = host_kernel_version(host, version);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "host_kernel_version: %s\n", mach_error_string(kr));
    return 1;
  }
  host_basic_info_data_t info;
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  kr = host_info(host, HOST_BASIC_INFO, (host_info_t)&info, &count);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "host_info: %s\n", mach_error_string(kr));
    return 1;
  }
  printf("Mach kernel version:\n\t %s\n", version);
  printf("Kernel configured for up to %d processors.\n", info.max_cpus);
  printf("%d processors are physically available.\n", info.physical_cpu);
  printf("%d processors are logically available.\n", info.logical_cpu);
  printf("Processor type: 0x%x (subtype %d)\n", info.cpu_type, info.cpu_subtype);
  printf("Processors active: %d\n", info.avail_cpus);
  printf("Primary memory available: %.2f gigabytes\n", (double)info.max_mem / (1024.0 * 1024.0 * 1024.0));
  printf("memory_size (capped): %u\n", info.memory_size);
  mach_port_deallocate(mach_task_self(), host);
  return 0;
}
