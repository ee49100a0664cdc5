/*
 * What a macOS program sets and asks about its own memory, written as on macOS: mach_vm_inherit
 * before a fork (none: the child has no such pages; share: the child's writes are the parent's),
 * mach_vm_msync of a shared file mapping, mach_vm_behavior_set's paging hints (seen in smaps'
 * VmFlags), mach_vm_read_list, and the queries the kernel answers from /proc/PID/pagemap
 * (mach_vm_page_query, mach_vm_page_info, mach_vm_machine_attribute), each with XNU's codes for
 * bad arguments. Prints "ok <check>" per check, or "FAIL <check>: ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <mach/vm_map.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static long page;

/* Fork a child that runs `probe` on `p` and exits with its answer; the answer. */
static int in_child(int (*probe)(char *), char *p) {
  pid_t child = fork();
  if (child == 0) _exit(probe(p));
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

/* 1 when the page is not mapped in the child (mincore's ENOMEM), 0 when it is. */
static int unmapped(char *p) {
  unsigned char v;
  return mincore(p, (size_t)page, &v) != 0 && errno == ENOMEM;
}

static int write_child(char *p) {
  strcpy(p, "written by the child");
  return 0;
}

/* The VmFlags line of the smaps entry starting at `p`, into `out`. */
static int vmflags(char *p, char *out, size_t n) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[512], want[32];
  snprintf(want, sizeof want, "%lx-", (unsigned long)(uintptr_t)p);
  int in = 0, found = 0;
  while (fgets(line, sizeof line, f)) {
    if (strchr(line, '-') && strncmp(line, want, strlen(want)) == 0) in = 1;
    else if (in && strncmp(line, "VmFlags:", 8) == 0) {
      snprintf(out, n, "%s", line);
      found = 1;
      break;
    }
  }
  fclose(f);
  return found;
}

int main(void) {
  page = sysconf(_SC_PAGESIZE);
  task_t self = mach_task_self();
  kern_return_t kr;

  /* mach_vm_inherit / vm_inherit: vm_user.c's checks, then fork sees what was set. */
  char *none = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *share = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *shm = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (none == MAP_FAILED || share == MAP_FAILED || shm == MAP_FAILED) return 2;
  kr = mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)none, page, 3);
  check("mach_vm_inherit: past VM_INHERIT_LAST_VALID is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)none, -(mach_vm_size_t)(uintptr_t)none, VM_INHERIT_NONE);
  check("mach_vm_inherit: a range that wraps is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_inherit(self, 0, 0, VM_INHERIT_NONE);
  check("mach_vm_inherit: a size of 0 is success", kr == KERN_SUCCESS, kr);
  kr = mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)none + page + 1, page - 2, VM_INHERIT_NONE);
  check("mach_vm_inherit VM_INHERIT_NONE on the middle page", kr == KERN_SUCCESS, kr);
  check("the child of a fork has no such page", in_child(unmapped, none + page) == 1, 0);
  check("and has the pages around it", in_child(unmapped, none) == 0 && in_child(unmapped, none + 2 * page) == 0, 0);
  strcpy(share, "the parent's");
  kr = vm_inherit(self, (vm_address_t)(uintptr_t)share, page, VM_INHERIT_SHARE);
  check("vm_inherit VM_INHERIT_SHARE on private memory, its bytes kept", kr == KERN_SUCCESS && strcmp(share, "the parent's") == 0, kr);
  check("the child's write is seen by the parent", in_child(write_child, share) == 0 && strcmp(share, "written by the child") == 0, 0);
  kr = mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)shm, page, VM_INHERIT_COPY);
  check("VM_INHERIT_COPY on a shared mapping: Linux cannot copy it at fork", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)none, 3 * page, VM_INHERIT_COPY);
  check("VM_INHERIT_COPY on private memory gives the page back to the child", kr == KERN_SUCCESS && in_child(unmapped, none + page) == 0, kr);
  kr = _kernelrpc_mach_vm_inherit(self, (mach_vm_address_t)(uintptr_t)none, page, VM_INHERIT_NONE);
  check("the MIG message itself: the kernel cannot change a process's map from outside", kr == KERN_NOT_SUPPORTED, kr);

  /* mach_vm_msync / vm_msync. */
  char path[] = "/tmp/machipc-vm-advice-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || ftruncate(fd, page) != 0) return 2;
  unlink(path);
  char *file = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (file == MAP_FAILED) return 2;
  strcpy(file, "synced");
  kr = mach_vm_msync(self, (mach_vm_address_t)(uintptr_t)file, page, VM_SYNC_SYNCHRONOUS | VM_SYNC_ASYNCHRONOUS);
  check("mach_vm_msync: both kinds of sync are KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_msync(self, (mach_vm_address_t)(uintptr_t)file, 6, VM_SYNC_SYNCHRONOUS | VM_SYNC_INVALIDATE | VM_SYNC_CONTIGUOUS);
  char back[8] = {0};
  check("mach_vm_msync of a shared file mapping writes it back", kr == KERN_SUCCESS && pread(fd, back, 6, 0) == 6 && strcmp(back, "synced") == 0, kr);
  munmap(none + page, page);
  kr = vm_msync(self, (vm_address_t)(uintptr_t)none, 3 * page, VM_SYNC_ASYNCHRONOUS | VM_SYNC_CONTIGUOUS);
  check("vm_msync over a hole with VM_SYNC_CONTIGUOUS is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  kr = vm_msync(self, (vm_address_t)(uintptr_t)none, 3 * page, VM_SYNC_ASYNCHRONOUS);
  check("and without it is success", kr == KERN_SUCCESS, kr);

  /* mach_vm_behavior_set / vm_behavior_set. */
  char *hint = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (hint == MAP_FAILED) return 2;
  char flags[256] = "";
  kr = mach_vm_behavior_set(self, (mach_vm_address_t)(uintptr_t)hint, 2 * page, VM_BEHAVIOR_RANDOM);
  check("VM_BEHAVIOR_RANDOM is madvise's random-read hint", kr == KERN_SUCCESS && vmflags(hint, flags, sizeof flags) && strstr(flags, " rr") != NULL, kr);
  kr = vm_behavior_set(self, (vm_address_t)(uintptr_t)hint, 2 * page, VM_BEHAVIOR_SEQUENTIAL);
  check("VM_BEHAVIOR_SEQUENTIAL the sequential one", kr == KERN_SUCCESS && vmflags(hint, flags, sizeof flags) && strstr(flags, " sr") != NULL, kr);
  kr = mach_vm_behavior_set(self, (mach_vm_address_t)(uintptr_t)hint, 2 * page, 99);
  check("mach_vm_behavior_set: no such behavior is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_behavior_set(self, 0x7ffffffff000ull, 2 * page, VM_BEHAVIOR_RANDOM);
  check("beyond the map is KERN_NO_SPACE", kr == KERN_NO_SPACE, kr);
  kr = mach_vm_behavior_set(self, (mach_vm_address_t)(uintptr_t)none, 3 * page, VM_BEHAVIOR_RANDOM);
  check("over a hole is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  kr = mach_vm_behavior_set(self, (mach_vm_address_t)(uintptr_t)hint, 2 * page, VM_BEHAVIOR_FREE);
  check("VM_BEHAVIOR_FREE over mapped memory", kr == KERN_SUCCESS, kr);

  /* mach_vm_read_list / vm_read_list on the program's own task. */
  static char secret[] = "read by the list";
  mach_vm_read_entry_t list;
  memset(list, 0, sizeof list);
  list[0].address = (mach_vm_address_t)(uintptr_t)(none + page);
  list[0].size = 8;
  list[1].address = (mach_vm_address_t)(uintptr_t)secret;
  list[1].size = sizeof secret;
  kr = mach_vm_read_list(self, list, 2);
  check("mach_vm_read_list: the unmapped entry zeroed, the other copied", kr == KERN_SUCCESS && list[0].address == 0 && list[0].size == 0 &&
                                                                          list[1].address != (mach_vm_address_t)(uintptr_t)secret &&
                                                                          strcmp((char *)(uintptr_t)list[1].address, secret) == 0, kr);
  kr = mach_vm_read_list(self, list, VM_MAP_ENTRY_MAX + 1);
  check("mach_vm_read_list: past VM_MAP_ENTRY_MAX is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  vm_read_entry_t vlist;
  memset(vlist, 0, sizeof vlist);
  vlist[0].address = (vm_address_t)(uintptr_t)secret;
  vlist[0].size = sizeof secret;
  vlist[1].address = (vm_address_t)(uintptr_t)(none + page);
  vlist[1].size = 8;
  kr = vm_read_list(self, vlist, 2);
  check("vm_read_list answers its last entry's failure", kr == KERN_INVALID_ADDRESS && vlist[1].address == 0, kr);

  /* The queries the kernel answers from the process's pagemap. */
  int disposition = -1, ref_count = -1;
  kr = mach_vm_page_query(self, (mach_vm_offset_t)(uintptr_t)secret, &disposition, &ref_count);
  check("mach_vm_page_query: a touched page is present", kr == KERN_SUCCESS && (disposition & VM_PAGE_QUERY_PAGE_PRESENT), kr);
  kr = mach_vm_page_query(self, (mach_vm_offset_t)(uintptr_t)(none + page), &disposition, &ref_count);
  check("mach_vm_page_query: unmapped is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  char *fresh = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (fresh == MAP_FAILED) return 2;
  vm_page_info_basic_data_t info;
  mach_msg_type_number_t count = VM_PAGE_INFO_BASIC_COUNT;
  kr = mach_vm_page_info(self, (mach_vm_address_t)(uintptr_t)fresh, VM_PAGE_INFO_BASIC, (vm_page_info_t)&info, &count);
  check("mach_vm_page_info: an untouched anonymous page has no object yet", kr == KERN_SUCCESS && info.disposition == 0 && info.ref_count == 0, kr);
  count = 3;
  kr = mach_vm_page_info(self, (mach_vm_address_t)(uintptr_t)fresh, VM_PAGE_INFO_BASIC, (vm_page_info_t)&info, &count);
  check("mach_vm_page_info: a count other than VM_PAGE_INFO_BASIC_COUNT (or one less) is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  vm_machine_attribute_val_t value = MATTR_VAL_CACHE_FLUSH;
  kr = mach_vm_machine_attribute(self, (mach_vm_address_t)(uintptr_t)fresh, page, MATTR_CACHE, &value);
  check("MATTR_CACHE with no resident page is success", kr == KERN_SUCCESS && value == MATTR_VAL_CACHE_FLUSH, kr);
  fresh[0] = 1;
  kr = mach_vm_machine_attribute(self, (mach_vm_address_t)(uintptr_t)fresh, page, MATTR_CACHE, &value);
  check("MATTR_CACHE on a resident page: x86's pmap_attribute_cache_sync", kr == KERN_INVALID_ADDRESS, kr);
  kr = vm_machine_attribute(self, (vm_address_t)(uintptr_t)fresh, page, MATTR_MIGRATE, &value);
  check("vm_machine_attribute MATTR_MIGRATE: pmap_attribute", kr == KERN_INVALID_ADDRESS, kr);
  int state = 0;
  kr = mach_vm_purgable_control(self, (mach_vm_address_t)(uintptr_t)fresh, VM_PURGABLE_GET_STATE, &state);
  check("mach_vm_purgable_control: Linux memory is no purgeable object", kr == KERN_INVALID_ARGUMENT, kr);
  return failures ? 1 : 0;
}
