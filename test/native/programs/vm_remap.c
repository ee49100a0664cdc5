/*
 * mach_vm_remap and vm_remap of a program's own memory, written as on macOS: with copy FALSE the
 * same physical pages are seen at both addresses (a write through either is read through the
 * other, in this process and in a fork's child), with copy TRUE the new pages are a copy made at
 * the call; XNU's codes for bad arguments in vm_map_remap's order, fixed and anywhere placement,
 * VM_FLAGS_OVERWRITE (also over the source itself), page rounding and VM_FLAGS_RETURN_DATA_ADDR,
 * the protections answered and given. Prints "ok <check>" per check, or "FAIL <check>: ..." and
 * exits 1.
 */
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

/* The permissions /proc/self/maps shows for the mapping holding `p` ("rw-p" and so on), into `out`. */
static int perms_of(void *p, char out[5]) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[512];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    unsigned long a, b;
    if (sscanf(line, "%lx-%lx %4s", &a, &b, out) == 3 && (uintptr_t)p >= a && (uintptr_t)p < b) found = 1;
  }
  fclose(f);
  return found;
}

static char *fresh(int pages, const char *text) {
  char *p = mmap(NULL, (size_t)pages * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(2);
  strcpy(p, text);
  return p;
}

int main(void) {
  page = sysconf(_SC_PAGESIZE);
  task_t self = mach_task_self();
  kern_return_t kr;
  vm_prot_t cur = -1, max = -1;
  mach_vm_address_t to = 0;

  /* copy FALSE: the same pages at two addresses. */
  char *src = fresh(2, "the source's bytes");
  src[page] = 'P';
  kr = mach_vm_remap(self, &to, 2 * page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)src, FALSE, &cur, &max, VM_INHERIT_SHARE);
  char *shared = (char *)(uintptr_t)to;
  check("mach_vm_remap copy FALSE: success at a new address", kr == KERN_SUCCESS && to != 0 && shared != src, kr);
  check("mach_vm_remap copy FALSE: read-write now, VM_PROT_ALL at most", cur == VM_PROT_DEFAULT && max == VM_PROT_ALL, kr);
  check("mach_vm_remap copy FALSE: the source's bytes at the new address", strcmp(shared, "the source's bytes") == 0 && shared[page] == 'P', kr);
  strcpy(shared + 100, "written through the new address");
  check("mach_vm_remap copy FALSE: a write through the new address is read through the source", strcmp(src + 100, "written through the new address") == 0, kr);
  strcpy(src + page + 1, "and the other way");
  check("mach_vm_remap copy FALSE: a write through the source is read through the new address", strcmp(shared + page + 1, "and the other way") == 0, kr);
  pid_t child = fork();
  if (child == 0) {
    strcpy(shared + 200, "from the child");
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  check("mach_vm_remap copy FALSE: a fork's child writing the new address writes the source's pages", strcmp(src + 200, "from the child") == 0, kr);

  /* copy TRUE: a copy made now. */
  char *orig = fresh(1, "before the copy");
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)orig, TRUE, &cur, &max, VM_INHERIT_COPY);
  char *copied = (char *)(uintptr_t)to;
  check("mach_vm_remap copy TRUE: success with the source's bytes", kr == KERN_SUCCESS && strcmp(copied, "before the copy") == 0, kr);
  strcpy(orig, "the source changed");
  strcpy(copied + 100, "the copy's own");
  check("mach_vm_remap copy TRUE: later writes stay on their side", strcmp(copied, "before the copy") == 0 && orig[100] == 0, kr);

  /* The protections: the new pages keep the source's; the answer is their AND. */
  char *ro = fresh(2, "read only");
  mprotect(ro + page, (size_t)page, PROT_READ);
  to = 0;
  kr = mach_vm_remap(self, &to, 2 * page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)ro, TRUE, &cur, &max, VM_INHERIT_DEFAULT);
  char p0[5] = "", p1[5] = "";
  int seen = perms_of((void *)(uintptr_t)to, p0) && perms_of((void *)(uintptr_t)(to + page), p1);
  check("mach_vm_remap: the answer is the ANDed protection, each page keeps its own", kr == KERN_SUCCESS && cur == VM_PROT_READ && seen && strncmp(p0, "rw", 2) == 0 && strncmp(p1, "r-", 2) == 0, kr);
  mprotect(ro, (size_t)page, PROT_NONE);
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)ro, TRUE, &cur, &max, VM_INHERIT_DEFAULT);
  mprotect((void *)(uintptr_t)to, (size_t)page, PROT_READ);
  check("mach_vm_remap copy TRUE of pages without read access: copied all the same", kr == KERN_SUCCESS && cur == VM_PROT_NONE && strcmp((char *)(uintptr_t)to, "read only") == 0, kr);
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_RESILIENT_CODESIGN, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  seen = perms_of((void *)(uintptr_t)to, p0);
  check("mach_vm_remap VM_FLAGS_RESILIENT_CODESIGN: read-only, answered as such", kr == KERN_SUCCESS && cur == VM_PROT_READ && max == VM_PROT_READ && seen && strncmp(p0, "r-", 2) == 0, kr);

  /* Rounding: whole pages from the truncated address; VM_FLAGS_RETURN_DATA_ADDR covers the data's pages and answers its address. */
  char *two = fresh(2, "");
  strcpy(two + page - 4, "straddling");
  to = 0;
  kr = mach_vm_remap(self, &to, 0x10, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR, self, (mach_vm_address_t)(uintptr_t)(two + page - 4), FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap VM_FLAGS_RETURN_DATA_ADDR: the data's own address, both pages", kr == KERN_SUCCESS && (to & (mach_vm_address_t)(page - 1)) == (mach_vm_address_t)(page - 4) && strcmp((char *)(uintptr_t)to, "straddling") == 0, kr);
  char *room = mmap(NULL, 2 * (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  to = (mach_vm_address_t)(uintptr_t)room;
  kr = mach_vm_remap(self, &to, 0x10, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, self, (mach_vm_address_t)(uintptr_t)(two + page - 4), FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  char p2[5] = "";
  seen = perms_of(room + page, p2);
  check("mach_vm_remap without it: the first page only", kr == KERN_SUCCESS && memcmp(room + page - 4, "stra", 4) == 0 && seen && strncmp(p2, "---", 3) == 0, kr);

  /* Fixed addresses: the mask, the map's bounds, a mapped range, VM_FLAGS_OVERWRITE. */
  char *hole = mmap(NULL, 8 * (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole, 8 * (size_t)page);
  mach_vm_address_t want = ((mach_vm_address_t)(uintptr_t)hole + 2 * (mach_vm_address_t)page) & ~(mach_vm_address_t)(2 * page - 1);
  to = want + page;
  kr = mach_vm_remap(self, &to, page, 2 * page - 1, VM_FLAGS_FIXED, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap fixed: not aligned to the mask is KERN_NO_SPACE", kr == KERN_NO_SPACE, kr);
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_FIXED, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap fixed: address 0 is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  to = (mach_vm_address_t)(uintptr_t)copied;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_FIXED, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap fixed: a mapped address is KERN_NO_SPACE", kr == KERN_NO_SPACE && strcmp(copied, "before the copy") == 0, kr);
  to = want + 1;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_FIXED, self, (mach_vm_address_t)(uintptr_t)orig, TRUE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap fixed: at the truncated address", kr == KERN_SUCCESS && to == want && strcmp((char *)(uintptr_t)want, "the source changed") == 0, kr);
  to = (mach_vm_address_t)(uintptr_t)copied;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  strcpy(copied, "overwritten, now shared");
  check("mach_vm_remap VM_FLAGS_OVERWRITE: the old mapping replaced by the shared pages", kr == KERN_SUCCESS && strcmp(orig, "overwritten, now shared") == 0, kr);
  to = (mach_vm_address_t)(uintptr_t)src;
  kr = mach_vm_remap(self, &to, 2 * page, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, self, (mach_vm_address_t)(uintptr_t)src, TRUE, &cur, &max, VM_INHERIT_DEFAULT);
  strcpy(src + 300, "a copy in place");
  check("mach_vm_remap over its own source, copy TRUE: its bytes kept, no longer the other mapping's", kr == KERN_SUCCESS && strcmp(src + 100, "written through the new address") == 0 && shared[300] == 0, kr);

  /* The checks, in vm_user.c's and vm_map_remap's order. */
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap: a flag that is not a remap's is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, 3);
  check("mach_vm_remap: past VM_INHERIT_LAST_VALID is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  kr = mach_vm_remap(self, &to, 0, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap: a size of 0 is KERN_INVALID_ARGUMENT", kr == KERN_INVALID_ARGUMENT, kr);
  to = 0;
  kr = mach_vm_remap(self, &to, page, 0, VM_FLAGS_FIXED, self, (mach_vm_address_t)(uintptr_t)hole, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap: an unmapped source is KERN_INVALID_ADDRESS, before the target is looked at", kr == KERN_INVALID_ADDRESS, kr);
  char *edge = fresh(2, "");
  munmap(edge + page, (size_t)page);
  kr = mach_vm_remap(self, &to, 2 * page, 0, VM_FLAGS_ANYWHERE, self, (mach_vm_address_t)(uintptr_t)edge, FALSE, &cur, &max, VM_INHERIT_DEFAULT);
  check("mach_vm_remap: a source running into a hole is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);

  /* vm_remap: the same in vm_address_t terms. */
  vm_address_t v = 0;
  kr = vm_remap(self, &v, page, 0, VM_FLAGS_ANYWHERE, self, (vm_address_t)(uintptr_t)orig, FALSE, &cur, &max, VM_INHERIT_NONE);
  check("vm_remap copy FALSE: the same pages", kr == KERN_SUCCESS && v != 0 && strcmp((char *)(uintptr_t)v, "overwritten, now shared") == 0, kr);
  kr = vm_remap(self, &v, page, 0, VM_FLAGS_ANYWHERE, self, (vm_address_t)(uintptr_t)hole, TRUE, &cur, &max, VM_INHERIT_NONE);
  check("vm_remap: an unmapped source is KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  return failures ? 1 : 0;
}
