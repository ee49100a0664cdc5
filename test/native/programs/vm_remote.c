/*
 * What a debugger does with another task's port, written as on macOS: fork a child, get its
 * task with task_for_pid, read a known string from it (mach_vm_read, vm_read,
 * mach_vm_read_overwrite), write into it (mach_vm_write) and have the child see it, walk its
 * regions (mach_vm_region, mach_vm_region_recurse) to find its stack and text with their
 * protections, and get XNU's codes for bad addresses, protections and sizes. Prints
 * "ok <check>" per check, or "FAIL <check>: ..." and exits 1.
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_vm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char secret[64] = "machipc: the child's own secret";
static char inbox[64] = "nothing yet";
static char copied[64];

/* A region of the child: the one holding `address`, as mach_vm_region's BASIC_INFO_64 tells it. */
static kern_return_t region_of(task_t task, mach_vm_address_t address, mach_vm_address_t *start, mach_vm_size_t *size,
                               vm_region_basic_info_data_64_t *info) {
  mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
  mach_port_t object = MACH_PORT_NULL;
  *start = address;
  return mach_vm_region(task, start, size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)info, &count, &object);
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  /* Mapped before the fork, so the child has them at the same addresses. */
  char *none = mmap(NULL, 3 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *ro = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  size_t huge = 80u << 20;
  char *big = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (none == MAP_FAILED || ro == MAP_FAILED || big == MAP_FAILED) return 2;
  int ready[2], go[2], seen[2];
  if (pipe(ready) || pipe(go) || pipe(seen)) return 2;
  (void)mach_task_self();
  pid_t child = fork();
  if (child == 0) {
    /* The child: become a task, say so, wait until the parent has written, report what it sees. */
    char c = mach_task_self() != MACH_PORT_NULL ? 'r' : 'x';
    if (write(ready[1], &c, 1) != 1) _exit(3);
    if (read(go[0], &c, 1) != 1) _exit(3);
    c = strcmp(inbox, "written by the parent") == 0 && strcmp(copied, secret) == 0 ? 'y' : 'n';
    if (write(seen[1], &c, 1) != 1) _exit(3);
    if (read(go[0], &c, 1) != 1) _exit(3);
    _exit(0);
  }
  char c = 0;
  check("the child is a task", read(ready[0], &c, 1) == 1 && c == 'r', 0);
  task_t task = MACH_PORT_NULL;
  kern_return_t kr = task_for_pid(mach_task_self(), child, &task);
  check("task_for_pid gets the child's task", kr == KERN_SUCCESS && task != MACH_PORT_NULL, kr);

  /* Reading. */
  vm_offset_t data = 0;
  mach_msg_type_number_t count = 0;
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)secret, sizeof secret, &data, &count);
  check("mach_vm_read returns the child's string out of line",
        kr == KERN_SUCCESS && count == sizeof secret && strcmp((char *)data, "machipc: the child's own secret") == 0 && data % (vm_offset_t)page == 0, kr);
  if (kr == KERN_SUCCESS) check("the read's memory is the caller's to deallocate", vm_deallocate(mach_task_self(), data, count) == KERN_SUCCESS, 0);
  kr = vm_read(task, (vm_address_t)(uintptr_t)secret, 8, &data, &count);
  check("vm_read reads it too", kr == KERN_SUCCESS && count == 8 && memcmp((char *)data, "machipc:", 8) == 0, kr);
  if (kr == KERN_SUCCESS) vm_deallocate(mach_task_self(), data, count);
  char local[64];
  memset(local, 0, sizeof local);
  mach_vm_size_t outsize = 0;
  kr = mach_vm_read_overwrite(task, (mach_vm_address_t)(uintptr_t)secret, sizeof secret, (mach_vm_address_t)(uintptr_t)local, &outsize);
  check("mach_vm_read_overwrite lands in the caller's own buffer", kr == KERN_SUCCESS && outsize == sizeof secret && strcmp(local, secret) == 0, kr);
  kr = mach_vm_read(task, 0, 16, &data, &count);
  check("reading address 0 is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)none, 16, &data, &count);
  check("a small read of a PROT_NONE page is KERN_INVALID_ADDRESS (copyin faults)", kr == KERN_INVALID_ADDRESS, kr);
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)none, 3 * page, &data, &count);
  check("a large read of PROT_NONE pages is KERN_PROTECTION_FAILURE", kr == KERN_PROTECTION_FAILURE, kr);
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)secret, 1ull << 33, &data, &count);
  check("a size beyond 32 bits is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)big, huge, &data, &count);
  check("a mapped range larger than the server holds is KERN_RESOURCE_SHORTAGE", kr == KERN_RESOURCE_SHORTAGE, kr);
  kr = mach_vm_read(task, (mach_vm_address_t)(uintptr_t)secret, 0, &data, &count);
  check("a read of 0 bytes succeeds with no data", kr == KERN_SUCCESS && count == 0, kr);
  kr = mach_vm_read(mach_task_self(), (mach_vm_address_t)(uintptr_t)secret, 8, &data, &count);
  check("mach_vm_read of the caller's own task", kr == KERN_SUCCESS && count == 8 && memcmp((char *)data, "machipc:", 8) == 0, kr);
  if (kr == KERN_SUCCESS) vm_deallocate(mach_task_self(), data, count);

  /* Writing. */
  const char msg[] = "written by the parent";
  kr = mach_vm_write(task, (mach_vm_address_t)(uintptr_t)inbox, (vm_offset_t)msg, sizeof msg);
  check("mach_vm_write into the child", kr == KERN_SUCCESS, kr);
  kr = mach_vm_copy(task, (mach_vm_address_t)(uintptr_t)secret, sizeof secret, (mach_vm_address_t)(uintptr_t)copied);
  check("mach_vm_copy within the child", kr == KERN_SUCCESS, kr);
  kr = mach_vm_write(task, (mach_vm_address_t)(uintptr_t)ro, (vm_offset_t)msg, sizeof msg);
  check("a small write to a read-only page is KERN_INVALID_ADDRESS (copyout faults)", kr == KERN_INVALID_ADDRESS, kr);
  char *pages = calloc(3, (size_t)page);
  kr = mach_vm_write(task, (mach_vm_address_t)(uintptr_t)ro, (vm_offset_t)pages, (mach_msg_type_number_t)(3 * page));
  check("a large write to read-only pages is KERN_PROTECTION_FAILURE", kr == KERN_PROTECTION_FAILURE, kr);
  free(pages);
  kr = mach_vm_write(task, 4096, (vm_offset_t)msg, sizeof msg);
  check("a write to an unmapped address is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  c = 'g';
  check("the child is told to look", write(go[1], &c, 1) == 1, 0);
  check("the child sees what was written and copied", read(seen[0], &c, 1) == 1 && c == 'y', 0);

  /* Regions. */
  mach_vm_address_t start;
  mach_vm_size_t size;
  vm_region_basic_info_data_64_t info;
  int on_stack = 0;
  kr = region_of(task, (mach_vm_address_t)(uintptr_t)&on_stack, &start, &size, &info);
  check("mach_vm_region finds the child's stack, read-write, max all",
        kr == KERN_SUCCESS && start <= (uintptr_t)&on_stack && (uintptr_t)&on_stack < start + size && info.protection == VM_PROT_DEFAULT &&
            info.max_protection == VM_PROT_ALL && info.inheritance == VM_INHERIT_COPY && !info.shared,
        kr);
  kr = region_of(task, (mach_vm_address_t)(uintptr_t)&main, &start, &size, &info);
  check("mach_vm_region finds the child's text, read-execute", kr == KERN_SUCCESS && info.protection == (VM_PROT_READ | VM_PROT_EXECUTE), kr);
  kr = region_of(task, (mach_vm_address_t)(uintptr_t)none, &start, &size, &info);
  check("the PROT_NONE mapping is a region with no access", kr == KERN_SUCCESS && start == (uintptr_t)none && size == (mach_vm_size_t)(3 * page) && info.protection == VM_PROT_NONE, kr);
  vm_region_basic_info_data_t info32;
  mach_msg_type_number_t count32 = VM_REGION_BASIC_INFO_COUNT;
  mach_port_t object = MACH_PORT_NULL;
  vm_address_t a32 = (vm_address_t)(uintptr_t)ro;
  vm_size_t s32 = 0;
  kr = vm_region(task, &a32, &s32, VM_REGION_BASIC_INFO, (vm_region_info_t)&info32, &count32, &object);
  check("vm_region refuses a region above VM_MAX_ADDRESS (0xFFE00000), as xnu-3248 does", (uintptr_t)ro > 0xffe00000u ? kr == KERN_INVALID_ADDRESS : kr == KERN_SUCCESS, kr);
  mach_msg_type_number_t small = 2;
  start = 0;
  kr = mach_vm_region(task, &start, &size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&info, &small, &object);
  check("mach_vm_region with too little room is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  start = 0xffffffffffff0000ull;
  count = VM_REGION_BASIC_INFO_COUNT_64;
  kr = mach_vm_region(task, &start, &size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&info, &count, &object);
  check("mach_vm_region past the last region is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);

  /* A walk, as vmmap does: every region once, in order, the stack and the text among them. */
  int regions = 0, stack_seen = 0, text_seen = 0, ordered = 1;
  mach_vm_address_t at = 0, last_end = 0;
  for (;;) {
    vm_region_submap_info_data_64_t sub;
    mach_msg_type_number_t n = VM_REGION_SUBMAP_INFO_COUNT_64;
    natural_t depth = 0;
    mach_vm_size_t sz = 0;
    if (mach_vm_region_recurse(task, &at, &sz, &depth, (vm_region_recurse_info_t)&sub, &n) != KERN_SUCCESS) break;
    if (at < last_end || n != VM_REGION_SUBMAP_INFO_COUNT_64 || depth != 0) ordered = 0;
    regions++;
    if (at <= (uintptr_t)&on_stack && (uintptr_t)&on_stack < at + sz && sub.user_tag == VM_MEMORY_STACK && sub.share_mode == SM_PRIVATE) stack_seen = 1;
    if (at <= (uintptr_t)&main && (uintptr_t)&main < at + sz && sub.protection == (VM_PROT_READ | VM_PROT_EXECUTE) && sub.external_pager && sub.share_mode == SM_COW)
      text_seen = 1;
    last_end = at + sz;
    at += sz;
  }
  check("mach_vm_region_recurse walks the child's regions in order", regions > 5 && ordered, 0);
  check("the walk finds the stack (VM_MEMORY_STACK, private)", stack_seen, 0);
  check("the walk finds the text (read-execute, file-backed, copy-on-write)", text_seen, 0);

  /* What cannot be done to a process from outside. */
  mach_vm_address_t where = 0;
  kr = mach_vm_allocate(task, &where, (mach_vm_size_t)page, VM_FLAGS_ANYWHERE);
  check("mach_vm_allocate in another process is KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_protect(task, (mach_vm_address_t)(uintptr_t)ro, (mach_vm_size_t)page, FALSE, VM_PROT_DEFAULT);
  check("mach_vm_protect in another process is KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_deallocate(task, (mach_vm_address_t)(uintptr_t)ro, (mach_vm_size_t)page);
  check("mach_vm_deallocate in another process is KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_deallocate(task, (mach_vm_address_t)(uintptr_t)ro, 0);
  check("a size of 0 is success before the map would be touched", kr == KERN_SUCCESS, kr);
  kr = mach_vm_deallocate(task, (mach_vm_address_t)(uintptr_t)ro, ~(mach_vm_size_t)0);
  check("a range that wraps is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_deallocate(mach_task_self(), (mach_vm_address_t)(uintptr_t)ro, ~(mach_vm_size_t)0);
  check("so it is for the caller's own task, through the trap", kr == KERN_INVALID_ARGUMENT, kr);
  vm_address_t where32 = 0;
  kr = vm_allocate(task, &where32, (vm_size_t)page, VM_FLAGS_ANYWHERE);
  check("vm_allocate in another process is KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  where = 0;
  kr = mach_vm_map(task, &where, (mach_vm_size_t)page, 0, VM_FLAGS_ANYWHERE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map in another process is KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_read(mach_task_self(), (mach_vm_address_t)(uintptr_t)secret, 8, &data, &count);
  check("the caller's own task still reads after all that", kr == KERN_SUCCESS, kr);
  if (kr == KERN_SUCCESS) vm_deallocate(mach_task_self(), data, count);

  check("the child is told to exit", write(go[1], &c, 1) == 1, 0);
  int status = 0;
  check("the child exits cleanly", waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, 0);
  mach_port_deallocate(mach_task_self(), task);
  return failures ? 1 : 0;
}
