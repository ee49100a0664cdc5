/*
 * vm_stat's Mach half: host_statistics64(HOST_VM_INFO64) and the kernel page
 * size, printed in vm_stat's words.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/vm_page_size.h>
#include <stdio.h>

int main(void) {
  mach_port_t myHost = mach_host_self();
  vm_statistics64_data_t vm_stat;
  mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
  kern_return_t ret = host_statistics64(myHost, HOST_VM_INFO64, (host_info64_t)&vm_stat, &count);
  if (ret != KERN_SUCCESS) {
    fprintf(stderr, "vm_stat: failed to get statistics. error %d (%s)\n", ret, mach_error_string(ret));
    return 1;
  }
  printf("Mach Virtual Memory Statistics: (page size of %llu bytes)\n", (unsigned long long)vm_kernel_page_size);
  printf("%-23s %16llu.\n", "Pages free:", (unsigned long long)(vm_stat.free_count - vm_stat.speculative_count));
  printf("%-23s %16llu.\n", "Pages active:", (unsigned long long)vm_stat.active_count);
  printf("%-23s %16llu.\n", "Pages inactive:", (unsigned long long)vm_stat.inactive_count);
  printf("%-23s %16llu.\n", "Pages speculative:", (unsigned long long)vm_stat.speculative_count);
  printf("%-23s %16llu.\n", "Pages throttled:", (unsigned long long)vm_stat.throttled_count);
  printf("%-23s %16llu.\n", "Pages wired down:", (unsigned long long)vm_stat.wire_count);
  printf("%-23s %16llu.\n", "Pages purgeable:", (unsigned long long)vm_stat.purgeable_count);
  printf("%-23s %16llu.\n", "\"Translation faults\":", (unsigned long long)vm_stat.faults);
  printf("%-23s %16llu.\n", "Pages copy-on-write:", (unsigned long long)vm_stat.cow_faults);
  printf("%-23s %16llu.\n", "Pages zero filled:", (unsigned long long)vm_stat.zero_fill_count);
  printf("%-23s %16llu.\n", "Pages reactivated:", (unsigned long long)vm_stat.reactivations);
  printf("%-23s %16llu.\n", "Pages purged:", (unsigned long long)vm_stat.purges);
  printf("%-23s %16llu.\n", "File-backed pages:", (unsigned long long)vm_stat.external_page_count);
  printf("%-23s %16llu.\n", "Anonymous pages:", (unsigned long long)vm_stat.internal_page_count);
  printf("%-23s %16llu.\n", "Pages stored in compressor:", (unsigned long long)vm_stat.total_uncompressed_pages_in_compressor);
  printf("%-23s %16llu.\n", "Pages occupied by compressor:", (unsigned long long)vm_stat.compressor_page_count);
  printf("%-23s %16llu.\n", "Decompressions:", (unsigned long long)vm_stat.decompressions);
  printf("%-23s %16llu.\n", "Compressions:", (unsigned long long)vm_stat.compressions);
  printf("%-23s %16llu.\n", "Pageins:", (unsigned long long)vm_stat.pageins);
  printf("%-23s %16llu.\n", "Pageouts:", (unsigned long long)vm_stat.pageouts);
  printf("%-23s %16llu.\n", "Swapins:", (unsigned long long)vm_stat.swapins);
  printf("%-23s %16llu.\n", "Swapouts:", (unsigned long long)vm_stat.swapouts);
  return count == HOST_VM_INFO64_COUNT ? 0 : 1;
}
