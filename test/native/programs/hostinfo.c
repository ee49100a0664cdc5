/*
 * hostinfo, as macOS's prints it, from the Mach calls it makes: the kernel
 * version, host_info(HOST_BASIC_INFO), the default processor set's basic
 * and load information, and the CPU's name from slot_name.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>
#include <stdlib.h>

static void check(const char *what, kern_return_t kr) {
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "hostinfo: %s: %s\n", what, mach_error_string(kr));
    exit(1);
  }
}

int main(void) {
  host_name_port_t host = mach_host_self();
  kernel_version_t version;
  check("host_kernel_version", host_kernel_version(host, version));
  printf("Mach kernel version:\n\t %s\n", version);

  struct host_basic_info hi;
  mach_msg_type_number_t size = HOST_BASIC_INFO_COUNT;
  check("host_info", host_info(host, HOST_BASIC_INFO, (host_info_t)&hi, &size));

  processor_set_name_port_t default_pset;
  check("processor_set_default", processor_set_default(host, &default_pset));
  struct processor_set_basic_info basic_info;
  mach_msg_type_number_t count = PROCESSOR_SET_BASIC_INFO_COUNT;
  check("processor_set_info", processor_set_info(default_pset, PROCESSOR_SET_BASIC_INFO, &host, (processor_set_info_t)&basic_info, &count));
  struct processor_set_load_info load_info;
  count = PROCESSOR_SET_LOAD_INFO_COUNT;
  check("processor_set_statistics", processor_set_statistics(default_pset, PROCESSOR_SET_LOAD_INFO, (processor_set_info_t)&load_info, &count));

  if (hi.max_cpus > 1)
    printf("Kernel configured for up to %d processors.\n", hi.max_cpus);
  else
    printf("Kernel configured for a single processor only.\n");
  printf("%d processor%s physically available.\n", hi.physical_cpu, (hi.physical_cpu > 1) ? "s are" : " is");
  printf("%d processor%s logically available.\n", hi.logical_cpu, (hi.logical_cpu > 1) ? "s are" : " is");
  char *cpu_name, *cpu_subname;
  slot_name(hi.cpu_type, hi.cpu_subtype, &cpu_name, &cpu_subname);
  printf("Processor type: %s (%s)\n", cpu_name, cpu_subname);
  printf("Processor%s active:", (hi.avail_cpus > 1) ? "s" : "");
  for (int i = 0; i < hi.avail_cpus; i++) printf(" %d", i);
  printf("\n");
  double gigs = (double)hi.max_mem / (1024.0 * 1024.0 * 1024.0);
  if (gigs >= 1.0)
    printf("Primary memory available: %.2f gigabytes\n", gigs);
  else
    printf("Primary memory available: %.2f megabytes\n", (double)hi.max_mem / (1024.0 * 1024.0));
  printf("Default processor set: %d tasks, %d threads, %d processors\n", load_info.task_count, load_info.thread_count, basic_info.processor_count);
  printf("Load average: %d.%02d, Mach factor: %d.%02d\n", load_info.load_average / LOAD_SCALE, (load_info.load_average % LOAD_SCALE) / 10,
         load_info.mach_factor / LOAD_SCALE, (load_info.mach_factor % LOAD_SCALE) / 10);
  return 0;
}
