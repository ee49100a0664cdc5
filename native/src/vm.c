/*
 * A C task's memory is the process's own: received out-of-line data lands in
 * fresh pages (at the address the kernel's vm_map_copyout chose, when that
 * range is free), and vm_allocate / vm_deallocate / vm_protect work on the
 * process's mappings with mach_vm_allocate's checks. The server only says
 * whether the target names the caller's own task: the VM traps with a size of
 * zero do nothing else, and any other target is MACH_SEND_INVALID_DEST, so
 * the call goes on as the MIG message to that task (the generated
 * mach_vm_* wrappers, gen/mach_vm_user.c), as libsystem's does.
 */
#define _GNU_SOURCE
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

vm_size_t vm_page_size = 4096, vm_page_mask = 4095;
int vm_page_shift = 12;
vm_size_t vm_kernel_page_size = 4096, vm_kernel_page_mask = 4095;
int vm_kernel_page_shift = 12;

/* libsystem sets the page globals before main; so does libmachipc when it is loaded. */
__attribute__((constructor)) static void page_size_init(void) {
  long ps = sysconf(_SC_PAGESIZE);
  if (ps <= 0) return;
  vm_page_size = vm_kernel_page_size = (vm_size_t)ps;
  vm_page_mask = vm_kernel_page_mask = (vm_size_t)ps - 1;
  int shift = 0;
  while ((1L << shift) < ps) shift++;
  vm_page_shift = vm_kernel_page_shift = shift;
}

kern_return_t host_page_size(host_t host, vm_size_t *out_page_size) {
  (void)host;
  *out_page_size = vm_page_size;
  return KERN_SUCCESS;
}

static uint64_t trunc_pg(uint64_t a) { return a & ~(uint64_t)vm_page_mask; }
static uint64_t round_pg(uint64_t a) { return (a + vm_page_mask) & ~(uint64_t)vm_page_mask; }

void *machipc_map_ool(uint64_t hint, const void *data, size_t n) {
  size_t len = round_pg(n ? n : 1);
  void *want = (void *)(uintptr_t)trunc_pg(hint);
  /* Populated at once: the copy below touches every page, and one call filling them costs less than a fault per page. */
  void *p = mmap(want, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) return NULL;
  memcpy(p, data, n);
  return p;
}

/* The VM traps' first step: is `target` the caller's own task? (A size-0 deallocate changes nothing.) */
static kern_return_t self_target(mach_port_name_t target) {
  uint64_t a[] = {target, 0, 0};
  return machipc_trap_args(TRAP_VM_DEALLOCATE, a, 3, NULL, 0);
}

/*
 * A routine libmachipc does itself on its own task: `name` (the SDK's call) asks self_target
 * whether `target_task` is this process's task; another task's call is the MIG message
 * (`_kernelrpc_<name>`), this one's `local` on the remaining arguments.
 */
#define LOCAL_OR_KERNEL(name, local, addr_t, size_t_, third_t, third)                                   \
  kern_return_t name(vm_map_t target_task, addr_t address, size_t_ size, third_t third) {                \
    kern_return_t kr = self_target(target_task);                                                         \
    if (kr == MACH_SEND_INVALID_DEST) return _kernelrpc_##name(target_task, address, size, third);       \
    return kr != KERN_SUCCESS ? kr : local(address, size, third);                                        \
  }

kern_return_t _kernelrpc_mach_vm_allocate_trap(mach_port_name_t target, mach_vm_offset_t *addr, mach_vm_size_t size, int flags) {
  kern_return_t kr = self_target(target);
  if (kr != KERN_SUCCESS) return kr;
  if (!addr) return MACH_SEND_INVALID_DEST;
  if ((unsigned)flags & ~VM_FLAGS_USER_ALLOCATE) return KERN_INVALID_ARGUMENT;
  if (size == 0) return KERN_SUCCESS; /* the address is left as the caller gave it */
  uint64_t len = round_pg(size);
  if (len == 0 || len > (uint64_t)SIZE_MAX) return KERN_INVALID_ARGUMENT;
  int anywhere = (flags & VM_FLAGS_ANYWHERE) != 0;
  void *want = anywhere ? NULL : (void *)(uintptr_t)trunc_pg(*addr);
  int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_FIXED_NOREPLACE
  if (!anywhere) mflags |= MAP_FIXED_NOREPLACE;
#endif
  void *p = mmap(want, (size_t)len, PROT_READ | PROT_WRITE, mflags, -1, 0);
  if (p == MAP_FAILED) return errno == EEXIST ? KERN_NO_SPACE : KERN_RESOURCE_SHORTAGE;
  if (!anywhere && p != want) {
    munmap(p, (size_t)len);
    return KERN_NO_SPACE;
  }
  *addr = (mach_vm_offset_t)(uintptr_t)p;
  return KERN_SUCCESS;
}

kern_return_t _kernelrpc_mach_vm_deallocate_trap(mach_port_name_t target, mach_vm_address_t address, mach_vm_size_t size) {
  kern_return_t kr = self_target(target);
  if (kr != KERN_SUCCESS) return kr;
  if (address + size < address) return KERN_INVALID_ARGUMENT; /* vm_user.c: a range that wraps */
  if (size == 0) return KERN_SUCCESS;
  uint64_t start = trunc_pg(address), end = round_pg(address + size);
  if (end > start) munmap((void *)(uintptr_t)start, (size_t)(end - start));
  machipc_ool_forget(start, end);
  return KERN_SUCCESS;
}

kern_return_t _kernelrpc_mach_vm_protect_trap(mach_port_name_t target, mach_vm_address_t address, mach_vm_size_t size, boolean_t set_maximum,
                                              vm_prot_t new_protection) {
  kern_return_t kr = self_target(target);
  if (kr != KERN_SUCCESS) return kr;
  if (address + size < address || (new_protection & ~(VM_PROT_ALL | VM_PROT_COPY))) return KERN_INVALID_ARGUMENT;
  if (size == 0) return KERN_SUCCESS;
  /* Linux keeps no maximum protection: setting the maximum lowers the current one to it, as XNU's vm_map_protect does. */
  (void)set_maximum;
  uint64_t start = trunc_pg(address), end = round_pg(address + size);
  if (mprotect((void *)(uintptr_t)start, (size_t)(end - start), new_protection & VM_PROT_ALL) != 0)
    return errno == ENOMEM ? KERN_INVALID_ADDRESS : KERN_PROTECTION_FAILURE;
  return KERN_SUCCESS;
}

/*
 * _kernelrpc_mach_vm_map_trap: mach_vm_map with no memory object on the
 * process's own mappings, with the checks the kernel's mach_vm_map and
 * vm_map_enter make (as src/kern/vm_user.ts's machVmMap has them):
 * VM_FLAGS_USER_MAP's flags only, a protection within VM_PROT_ALL, a
 * non-zero size, superpages of 2 MB, the address aligned to mask + 1
 * (anywhere: the first such place the kernel finds, at or above the hint).
 */
enum { SUPERPAGE_BYTES = 2 * 1024 * 1024 };
kern_return_t _kernelrpc_mach_vm_map_trap(mach_port_name_t target, mach_vm_offset_t *addr, mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                                          vm_prot_t cur_protection) {
  kern_return_t kr = self_target(target);
  if (kr != KERN_SUCCESS) return kr;
  /* The kernel's copyin of *addr failing leaves the trap's MACH_SEND_INVALID_DEST. */
  if (!addr) return MACH_SEND_INVALID_DEST;
  if ((unsigned)flags & ~(unsigned)VM_FLAGS_USER_MAP) return KERN_INVALID_ARGUMENT;
  vm_prot_t cur = cur_protection & ~VM_PROT_IS_MASK;
  if ((cur & ~VM_PROT_ALL) || size == 0) return KERN_INVALID_ARGUMENT;
  uint64_t len = round_pg(size), align = mask;
  unsigned superpage = ((unsigned)flags & VM_FLAGS_SUPERPAGE_MASK) >> VM_FLAGS_SUPERPAGE_SHIFT;
  if (superpage) {
    if (superpage == SUPERPAGE_SIZE_ANY) len = (len + SUPERPAGE_BYTES - 1) & ~(uint64_t)(SUPERPAGE_BYTES - 1);
    else if (superpage != SUPERPAGE_SIZE_2MB) return KERN_INVALID_ARGUMENT;
    align = SUPERPAGE_BYTES - 1;
    if (len & (SUPERPAGE_BYTES - 1)) return KERN_INVALID_ARGUMENT;
  }
  if ((flags & VM_FLAGS_PURGABLE) && len > 0xfffff000ull) return KERN_INVALID_ARGUMENT;
  if (len == 0 || len > (uint64_t)SIZE_MAX / 2) return KERN_INVALID_ARGUMENT;
  align |= vm_page_mask;
  int prot = cur & VM_PROT_ALL; /* Linux's PROT_READ / WRITE / EXEC are VM_PROT_'s bits. */
  uint64_t start;
  if (flags & VM_FLAGS_ANYWHERE) {
    /* Room for the alignment, then only the aligned pages are kept. */
    uint64_t span = len + (align > vm_page_mask ? align + 1 : 0);
    if (span < len || span > (uint64_t)SIZE_MAX) return KERN_NO_SPACE;
    void *hint = (void *)(uintptr_t)trunc_pg(*addr);
    void *p = mmap(hint, (size_t)span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return KERN_NO_SPACE;
    uint64_t base = (uint64_t)(uintptr_t)p;
    start = (base + align) & ~align;
    if (start > base) munmap(p, (size_t)(start - base));
    if (base + span > start + len) munmap((void *)(uintptr_t)(start + len), (size_t)(base + span - start - len));
    if (mprotect((void *)(uintptr_t)start, (size_t)len, prot) != 0) {
      munmap((void *)(uintptr_t)start, (size_t)len);
      return KERN_NO_SPACE;
    }
  } else {
    start = trunc_pg(*addr);
    if (start & align) return KERN_NO_SPACE;
    if (start == 0 || start + len < start) return KERN_INVALID_ADDRESS;
    int mflags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_FIXED_NOREPLACE
    mflags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
#else
    if (flags & VM_FLAGS_OVERWRITE) mflags |= MAP_FIXED;
#endif
    void *p = mmap((void *)(uintptr_t)start, (size_t)len, prot, mflags, -1, 0);
    if (p == MAP_FAILED) return errno == EEXIST ? KERN_NO_SPACE : KERN_INVALID_ADDRESS;
    /* Mapped over (VM_FLAGS_OVERWRITE): a received region's memfd kept there no longer shows. */
    if (flags & VM_FLAGS_OVERWRITE) machipc_ool_forget(start, start + len);
    if ((uint64_t)(uintptr_t)p != start) {
      munmap(p, (size_t)len);
      return KERN_NO_SPACE;
    }
  }
  *addr = start;
  return KERN_SUCCESS;
}

/*
 * As libsystem's mach_vm_map and vm_map: anonymous memory with the default maximum and
 * inheritance goes through the trap, which serves the caller's own task; anything else (another
 * task, a memory object) is the MIG message (the generated _kernelrpc_ stubs of gen/mach_vm_user.c and vm_map_user.c).
 */
static int trap_can_map(mem_entry_name_port_t object, vm_prot_t max, vm_inherit_t inheritance) {
  return object == MACH_PORT_NULL && max == VM_PROT_ALL && inheritance == VM_INHERIT_DEFAULT;
}

kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address, mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                          mem_entry_name_port_t object, memory_object_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
                          vm_prot_t max_protection, vm_inherit_t inheritance) {
  kern_return_t kr = MACH_SEND_INVALID_DEST;
  if (trap_can_map(object, max_protection, inheritance)) kr = _kernelrpc_mach_vm_map_trap(target_task, address, size, mask, flags, cur_protection);
  if (kr == MACH_SEND_INVALID_DEST)
    kr = _kernelrpc_mach_vm_map(target_task, address, size, mask, flags, object, offset, copy, cur_protection, max_protection, inheritance);
  return kr;
}

kern_return_t vm_map(vm_map_t target_task, vm_address_t *address, vm_size_t size, vm_address_t mask, int flags, mem_entry_name_port_t object,
                     vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection, vm_prot_t max_protection, vm_inherit_t inheritance) {
  kern_return_t kr = MACH_SEND_INVALID_DEST;
  if (trap_can_map(object, max_protection, inheritance)) {
    mach_vm_offset_t a = *address;
    kr = _kernelrpc_mach_vm_map_trap(target_task, &a, size, mask, flags, cur_protection);
    if (kr == KERN_SUCCESS) *address = (vm_address_t)a;
  }
  if (kr == MACH_SEND_INVALID_DEST) kr = _kernelrpc_vm_map(target_task, address, size, mask, flags, object, offset, copy, cur_protection, max_protection, inheritance);
  return kr;
}

/*
 * What a macOS program sets on its own mappings with mach_vm_inherit, mach_vm_msync and
 * mach_vm_behavior_set (and their vm_* forms) is done here, on the process's own mappings, once
 * the server has said the target is the caller's own task: vm_user.c's checks first, then
 * vm_map.c's rules (which pages must be mapped, which codes) over /proc/self/maps, with the
 * Linux call that has the same effect. Any other target is the MIG message (the _kernelrpc_
 * stubs of gen/mach_vm_user.c and vm_map_user.c), which the kernel serves for that task.
 */

/* The top of a Linux process's user space: the map's end for vm_map_behavior_set's and VM_MAP_RANGE_CHECK's bounds. */
#define USER_MAP_END 0x0000800000000000ull

/* One mapping of /proc/self/maps that overlaps a range, cut to it. */
struct mapping {
  uint64_t start, end;
  int prot;
  int shared, file;
};

/*
 * The mappings overlapping [start, end) in address order, cut to it, in a malloc'd array the
 * caller frees (`*out`); the count, or -1 when the maps cannot be read. `*hole` says whether some
 * page of the range is mapped by none.
 */
static int mappings_in(uint64_t start, uint64_t end, struct mapping **out, int *hole) {
  *out = NULL;
  *hole = 1;
  if (start >= end) return 0;
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f) return -1;
  char line[512];
  int n = 0, room = 0;
  uint64_t at = start;
  *hole = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long long a, b, inode;
    char perms[8];
    if (sscanf(line, "%llx-%llx %7s %*s %*s %llu", &a, &b, perms, &inode) != 4) continue;
    if (b <= start || a >= end) continue;
    if (n == room) {
      struct mapping *more = realloc(*out, sizeof **out * (size_t)(room = room ? 2 * room : 16));
      if (!more) {
        free(*out);
        *out = NULL;
        fclose(f);
        return -1;
      }
      *out = more;
    }
    if (a > at) *hole = 1;
    struct mapping *m = &(*out)[n++];
    m->start = a > start ? a : start;
    m->end = b < end ? b : end;
    m->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
    m->shared = perms[3] == 's';
    m->file = inode != 0;
    at = m->end;
  }
  fclose(f);
  if (at < end) *hole = 1;
  return n;
}

/*
 * A private mapping made shared in place, its bytes and protection kept: a shared anonymous
 * mapping filled with them is moved over it (mremap), so VM_INHERIT_SHARE means what it means in
 * XNU, the child of a fork seeing the same pages. A received region kept by its memfd is no
 * longer that memfd's.
 */
static int make_shared(const struct mapping *m) {
  size_t len = (size_t)(m->end - m->start);
  void *at = (void *)(uintptr_t)m->start;
  void *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (copy == MAP_FAILED) return -1;
  if (!(m->prot & PROT_READ) && mprotect(at, len, m->prot | PROT_READ) != 0) {
    munmap(copy, len);
    return -1;
  }
  memcpy(copy, at, len);
  if (mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, at) == MAP_FAILED) {
    if (!(m->prot & PROT_READ)) mprotect(at, len, m->prot);
    munmap(copy, len);
    return -1;
  }
  mprotect(at, len, m->prot);
  machipc_ool_forget(m->start, m->end);
  return 0;
}

/*
 * vm_map_inherit on the process: every mapping in the range takes the inheritance, holes passed
 * over. VM_INHERIT_NONE is MADV_DONTFORK (the child has nothing there); VM_INHERIT_COPY is
 * MADV_DOFORK for a private mapping (fork copies it); VM_INHERIT_SHARE is MADV_DOFORK for a shared
 * one, and a private one is made shared first. A shared mapping cannot be made to copy at fork:
 * KERN_NOT_SUPPORTED, before anything changes.
 */
static kern_return_t inherit_local(mach_vm_address_t address, mach_vm_size_t size, vm_inherit_t inheritance) {
  if (address + size < address || (unsigned)inheritance > VM_INHERIT_LAST_VALID) return KERN_INVALID_ARGUMENT;
  if (size == 0) return KERN_SUCCESS;
  uint64_t start = trunc_pg(address), end = round_pg(address + size);
  if (end > USER_MAP_END || end == 0) end = USER_MAP_END;
  if (start >= end) return KERN_SUCCESS;
  struct mapping *ms;
  int hole, n = mappings_in(start, end, &ms, &hole);
  if (n < 0) return KERN_RESOURCE_SHORTAGE;
  kern_return_t kr = KERN_SUCCESS;
  if (inheritance == VM_INHERIT_COPY)
    for (int i = 0; i < n; i++)
      if (ms[i].shared) kr = KERN_NOT_SUPPORTED;
  for (int i = 0; i < n && kr == KERN_SUCCESS; i++) {
    void *at = (void *)(uintptr_t)ms[i].start;
    size_t len = (size_t)(ms[i].end - ms[i].start);
    if (inheritance == VM_INHERIT_SHARE && !ms[i].shared && make_shared(&ms[i]) != 0) kr = KERN_RESOURCE_SHORTAGE;
    else if (madvise(at, len, inheritance == VM_INHERIT_NONE ? MADV_DONTFORK : MADV_DOFORK) != 0) kr = KERN_FAILURE;
  }
  free(ms);
  return kr;
}

LOCAL_OR_KERNEL(mach_vm_inherit, inherit_local, mach_vm_address_t, mach_vm_size_t, vm_inherit_t, new_inheritance)
LOCAL_OR_KERNEL(vm_inherit, inherit_local, vm_address_t, vm_size_t, vm_inherit_t, new_inheritance)

/*
 * vm_map_msync on the process: both kinds of sync refused, the range page-rounded; a mapping of a
 * file shared is written back (msync(2), MS_SYNC or MS_ASYNC, MS_INVALIDATE) unless the flags
 * ask to kill or deactivate pages instead (MADV_FREE for private anonymous memory, whose pages
 * may then be dropped, and MADV_COLD); anonymous and private memory has no pager to clean to. A
 * hole is KERN_INVALID_ADDRESS only with VM_SYNC_CONTIGUOUS.
 */
static kern_return_t msync_local(mach_vm_address_t address, mach_vm_size_t size, vm_sync_t flags) {
  if ((flags & VM_SYNC_ASYNCHRONOUS) && (flags & VM_SYNC_SYNCHRONOUS)) return KERN_INVALID_ARGUMENT;
  uint64_t start = trunc_pg(address), len = round_pg(address + size) - start;
  if (len == 0) return KERN_SUCCESS;
  uint64_t end = start + len < start || start + len > USER_MAP_END ? USER_MAP_END : start + len;
  struct mapping *ms;
  int hole, n = mappings_in(start, end, &ms, &hole);
  if (n < 0) return KERN_RESOURCE_SHORTAGE;
  if (end != start + len) hole = 1;
  kern_return_t kr = KERN_SUCCESS;
  int ms_flags = (flags & VM_SYNC_SYNCHRONOUS ? MS_SYNC : 0) | (flags & VM_SYNC_ASYNCHRONOUS ? MS_ASYNC : 0) | (flags & VM_SYNC_INVALIDATE ? MS_INVALIDATE : 0);
  for (int i = 0; i < n; i++) {
    void *at = (void *)(uintptr_t)ms[i].start;
    size_t piece = (size_t)(ms[i].end - ms[i].start);
    if (flags & (VM_SYNC_KILLPAGES | VM_SYNC_DEACTIVATE)) {
      /* Advice: a mapping the call does not fit (MADV_FREE is for private anonymous memory only) is left as it is. */
      if (flags & VM_SYNC_KILLPAGES && !ms[i].shared && !ms[i].file) (void)madvise(at, piece, MADV_FREE);
#ifdef MADV_COLD
      else if (flags & VM_SYNC_DEACTIVATE) (void)madvise(at, piece, MADV_COLD);
#endif
      continue;
    }
    if (ms[i].shared && ms[i].file && ms_flags && msync(at, piece, ms_flags) != 0) {
      /* A locked mapping refuses MS_INVALIDATE; XNU has no such rule: the write-back alone. */
      if (errno != EBUSY || msync(at, piece, ms_flags & ~MS_INVALIDATE) != 0) kr = KERN_FAILURE;
    }
  }
  free(ms);
  if (kr != KERN_SUCCESS) return kr;
  return hole && (flags & VM_SYNC_CONTIGUOUS) ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
}

LOCAL_OR_KERNEL(mach_vm_msync, msync_local, mach_vm_address_t, mach_vm_size_t, vm_sync_t, sync_flags)
LOCAL_OR_KERNEL(vm_msync, msync_local, vm_address_t, vm_size_t, vm_sync_t, sync_flags)

/*
 * vm_map_behavior_set on the process: the range within the map (KERN_NO_SPACE), then by
 * behavior. The lasting ones need every page mapped and are madvise's paging hints (Linux has
 * none for reverse sequential, which reads as the default, and zero-wired-pages is a flag for
 * deallocation that changes nothing here); will-need is MADV_WILLNEED; don't-need and free are
 * msync's deactivate and kill with VM_SYNC_CONTIGUOUS; reusable lets private anonymous pages go
 * (MADV_FREE), reuse and can-reuse only check the range. A development kernel's pageout and
 * anything else is KERN_INVALID_ARGUMENT.
 */
static kern_return_t behavior_local(mach_vm_address_t address, mach_vm_size_t size, vm_behavior_t behavior) {
  if (address + size < address) return KERN_INVALID_ARGUMENT;
  if (size == 0) return KERN_SUCCESS;
  uint64_t start = trunc_pg(address), end = round_pg(address + size);
  if (start > end || end > USER_MAP_END) return KERN_NO_SPACE;
  int advice;
  switch (behavior) {
    case VM_BEHAVIOR_DEFAULT:
    case VM_BEHAVIOR_RSEQNTL:
    case VM_BEHAVIOR_ZERO_WIRED_PAGES:
      advice = MADV_NORMAL;
      break;
    case VM_BEHAVIOR_RANDOM:
      advice = MADV_RANDOM;
      break;
    case VM_BEHAVIOR_SEQUENTIAL:
      advice = MADV_SEQUENTIAL;
      break;
    case VM_BEHAVIOR_WILLNEED:
      advice = MADV_WILLNEED;
      break;
    case VM_BEHAVIOR_DONTNEED:
      return msync_local(start, end - start, VM_SYNC_DEACTIVATE | VM_SYNC_CONTIGUOUS);
    case VM_BEHAVIOR_FREE:
      return msync_local(start, end - start, VM_SYNC_KILLPAGES | VM_SYNC_CONTIGUOUS);
    case VM_BEHAVIOR_REUSABLE:
    case VM_BEHAVIOR_REUSE:
    case VM_BEHAVIOR_CAN_REUSE:
      advice = -1;
      break;
    default:
      return KERN_INVALID_ARGUMENT;
  }
  struct mapping *ms;
  int hole, n = mappings_in(start, end, &ms, &hole);
  if (n < 0) return KERN_RESOURCE_SHORTAGE;
  kern_return_t kr = hole ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
  int acts = behavior != VM_BEHAVIOR_ZERO_WIRED_PAGES && behavior != VM_BEHAVIOR_REUSE && behavior != VM_BEHAVIOR_CAN_REUSE;
  for (int i = 0; i < n && kr == KERN_SUCCESS && acts; i++) {
    void *at = (void *)(uintptr_t)ms[i].start;
    size_t piece = (size_t)(ms[i].end - ms[i].start);
    if (behavior == VM_BEHAVIOR_REUSABLE) {
      if (!ms[i].shared && !ms[i].file) (void)madvise(at, piece, MADV_FREE);
    } else if (madvise(at, piece, advice) != 0 && behavior != VM_BEHAVIOR_WILLNEED) {
      kr = KERN_FAILURE;
    }
  }
  free(ms);
  return kr;
}

LOCAL_OR_KERNEL(mach_vm_behavior_set, behavior_local, mach_vm_address_t, mach_vm_size_t, vm_behavior_t, new_behavior)
LOCAL_OR_KERNEL(vm_behavior_set, behavior_local, vm_address_t, vm_size_t, vm_behavior_t, new_behavior)

/*
 * mach_vm_read_list / vm_read_list: the kernel cannot give this process new memory from outside,
 * so each entry is read with mach_vm_read, whose out-of-line data lands in fresh pages here as
 * vm_map_copyout would put it (an entry above 4 GiB is refused as mach_vm_read refuses it). The
 * map is checked first (a read of 0 bytes), then the count; a failed entry reads {0, 0} and the
 * call answers the last non-empty entry's code, as vm_user.c's loop does.
 */
#define READ_LIST(NAME, ENTRY_T)                                                                   \
  kern_return_t NAME(vm_map_t target_task, ENTRY_T data_list, natural_t count) {                   \
    vm_offset_t data;                                                                              \
    mach_msg_type_number_t n;                                                                      \
    kern_return_t kr = mach_vm_read(target_task, 0, 0, &data, &n);                                 \
    if (kr != KERN_SUCCESS) return kr;                                                             \
    if (count > VM_MAP_ENTRY_MAX) return KERN_INVALID_ARGUMENT;                                    \
    for (natural_t i = 0; i < count; i++) {                                                        \
      if (data_list[i].size != 0) {                                                                \
        kr = mach_vm_read(target_task, data_list[i].address, data_list[i].size, &data, &n);        \
        if (kr == KERN_SUCCESS) {                                                                  \
          data_list[i].address = data;                                                             \
          continue;                                                                                \
        }                                                                                          \
      }                                                                                            \
      data_list[i].address = 0;                                                                    \
      data_list[i].size = 0;                                                                       \
    }                                                                                              \
    return kr;                                                                                     \
  }
READ_LIST(mach_vm_read_list, mach_vm_read_entry_t)
READ_LIST(vm_read_list, vm_read_entry_t)

/*
 * mach_vm_remap / vm_remap with both tasks the process's own, done here as vm_map_remap does it:
 * vm_user.c's flag filter, the inheritance and a non-zero size, the size rounded (over the data's
 * pages with VM_FLAGS_RETURN_DATA_ADDR), the source's mappings from /proc/self/maps (a page mapped
 * by none is KERN_INVALID_ADDRESS; the current protection answered is their AND, the maximum
 * VM_PROT_ALL, as Linux keeps none), then the target (anywhere: the first place the kernel finds
 * at or above the hint, aligned to mask + 1; fixed: aligned, within the map, free unless
 * VM_FLAGS_OVERWRITE). The new pages are made in a staging range first and moved into place
 * mapping by mapping (mremap), so a remap over its own source finds the source intact:
 *   copy TRUE: fresh private pages, the bytes read through /proc/self/mem (which reads pages
 *   without read access too), each piece given its source mapping's protection;
 *   copy FALSE: each private source mapping is made shared in place (make_shared), then mapped a
 *   second time with mremap(old_size 0), which maps the same pages: a write through either
 *   address is seen through the other, and in both after a fork.
 * VM_INHERIT_NONE is MADV_DONTFORK on the new pages; VM_INHERIT_SHARE of copied pages makes them
 * shared. Shared pages (copy FALSE) stay shared in a fork's child whatever the inheritance says:
 * Linux has no copy-at-fork for a shared mapping.
 */
static kern_return_t remap_local(mach_vm_address_t *target_address, mach_vm_size_t size, mach_vm_offset_t mask, int flags, mach_vm_address_t memory_address,
                                 boolean_t copy, vm_prot_t *cur_protection, vm_prot_t *max_protection, vm_inherit_t inheritance) {
  if ((unsigned)flags & ~(unsigned)VM_FLAGS_USER_REMAP) return KERN_INVALID_ARGUMENT;
  if ((unsigned)inheritance > VM_INHERIT_LAST_VALID || size == 0) return KERN_INVALID_ARGUMENT;
  uint64_t offset_in_mapping = 0, len;
  if (flags & VM_FLAGS_RETURN_DATA_ADDR) {
    offset_in_mapping = memory_address - trunc_pg(memory_address);
    len = round_pg(memory_address + size - trunc_pg(memory_address));
  } else {
    len = round_pg(size);
  }
  /* The source: every page mapped. */
  uint64_t src = trunc_pg(memory_address);
  if (len == 0 || src + len < src || src + len > USER_MAP_END || len > (uint64_t)SIZE_MAX / 2) return KERN_INVALID_ADDRESS;
  struct mapping *ms;
  int hole, n = mappings_in(src, src + len, &ms, &hole);
  if (n < 0) return KERN_RESOURCE_SHORTAGE;
  if (hole) {
    free(ms);
    return KERN_INVALID_ADDRESS;
  }
  vm_prot_t cur = VM_PROT_ALL;
  for (int i = 0; i < n; i++) cur &= ms[i].prot;
  /* The target range's checks (vm_map_remap_range_allocate), before anything changes. */
  int anywhere = (flags & VM_FLAGS_ANYWHERE) != 0;
  uint64_t align = mask | vm_page_mask, at = trunc_pg(*target_address);
  kern_return_t kr = KERN_SUCCESS;
  if (!anywhere) {
    if (at & mask) kr = KERN_NO_SPACE;
    else if (at == 0 || at + len < at || at + len > USER_MAP_END) kr = KERN_INVALID_ADDRESS;
    else if (!(flags & VM_FLAGS_OVERWRITE)) {
      struct mapping *there;
      int gap, busy = mappings_in(at, at + len, &there, &gap);
      free(there);
      if (busy != 0) kr = busy < 0 ? KERN_RESOURCE_SHORTAGE : KERN_NO_SPACE;
    }
  }
  /*
   * The staging range: where the new pages are made (for anywhere, where they stay: aligned). For
   * a fixed target it must not meet the target range's free pages: a place that does is held
   * while another is asked for.
   */
  uint64_t stage = 0, span = len + (anywhere && align > vm_page_mask ? align + 1 : 0);
  if (kr == KERN_SUCCESS && (span < len || span > (uint64_t)SIZE_MAX)) kr = KERN_NO_SPACE;
  void *held[8];
  int nheld = 0;
  while (kr == KERN_SUCCESS && stage == 0) {
    void *hint = anywhere ? (void *)(uintptr_t)at : NULL;
    void *p = mmap(hint, (size_t)span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      kr = KERN_NO_SPACE;
      break;
    }
    uint64_t base = (uint64_t)(uintptr_t)p;
    if (!anywhere && base < at + len && at < base + span) {
      if (nheld == (int)(sizeof held / sizeof held[0])) {
        munmap(p, (size_t)span);
        kr = KERN_NO_SPACE;
      } else {
        held[nheld++] = p;
      }
      continue;
    }
    stage = anywhere ? (base + align) & ~align : base;
    if (stage > base) munmap(p, (size_t)(stage - base));
    if (base + span > stage + len) munmap((void *)(uintptr_t)(stage + len), (size_t)(base + span - stage - len));
  }
  while (nheld > 0) munmap(held[--nheld], (size_t)span);
  if (kr == KERN_SUCCESS && copy) {
    /* Fresh pages with the source's bytes, then each piece's protection. */
    int fd = -1;
    if (mmap((void *)(uintptr_t)stage, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
        (fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC)) < 0 || pread(fd, (void *)(uintptr_t)stage, (size_t)len, (off_t)src) != (ssize_t)len)
      kr = KERN_RESOURCE_SHORTAGE;
    if (fd >= 0) close(fd);
    for (int i = 0; i < n && kr == KERN_SUCCESS; i++)
      if (mprotect((void *)(uintptr_t)(stage + ms[i].start - src), (size_t)(ms[i].end - ms[i].start), ms[i].prot) != 0) kr = KERN_RESOURCE_SHORTAGE;
  } else if (kr == KERN_SUCCESS) {
    /* The source's own pages: shared in place where private, then mapped again in the staging range. */
    for (int i = 0; i < n && kr == KERN_SUCCESS; i++) {
      if (!ms[i].shared && make_shared(&ms[i]) != 0) kr = KERN_RESOURCE_SHORTAGE;
      else if (mremap((void *)(uintptr_t)ms[i].start, 0, (size_t)(ms[i].end - ms[i].start), MREMAP_MAYMOVE | MREMAP_FIXED,
                      (void *)(uintptr_t)(stage + ms[i].start - src)) == MAP_FAILED)
        kr = KERN_FAILURE;
    }
  }
  if (kr == KERN_SUCCESS && !anywhere) {
    /* Into place, mapping by mapping (mremap moves one mapping at a time), over whatever VM_FLAGS_OVERWRITE lets go. */
    for (int i = 0; i < n && kr == KERN_SUCCESS; i++) {
      uint64_t off = ms[i].start - src, piece = ms[i].end - ms[i].start;
      if (mremap((void *)(uintptr_t)(stage + off), (size_t)piece, (size_t)piece, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(uintptr_t)(at + off)) == MAP_FAILED)
        kr = KERN_FAILURE;
    }
    if (kr == KERN_SUCCESS) {
      munmap((void *)(uintptr_t)stage, (size_t)len); /* what is left of the staging range: nothing */
      machipc_ool_forget(at, at + len);
    }
  } else if (kr == KERN_SUCCESS) {
    at = stage;
  }
  if (kr != KERN_SUCCESS) {
    if (stage) munmap((void *)(uintptr_t)stage, (size_t)len);
    free(ms);
    return kr;
  }
  if (flags & VM_FLAGS_RESILIENT_CODESIGN) {
    mprotect((void *)(uintptr_t)at, (size_t)len, PROT_READ);
    cur = VM_PROT_READ;
  }
  for (int i = 0; i < n; i++) {
    struct mapping m = ms[i];
    m.start = at + (ms[i].start - src);
    m.end = at + (ms[i].end - src);
    if (flags & VM_FLAGS_RESILIENT_CODESIGN) m.prot = PROT_READ;
    if (inheritance == VM_INHERIT_SHARE && copy) (void)make_shared(&m);
    (void)madvise((void *)(uintptr_t)m.start, (size_t)(m.end - m.start), inheritance == VM_INHERIT_NONE ? MADV_DONTFORK : MADV_DOFORK);
  }
  free(ms);
  *target_address = at + offset_in_mapping;
  *cur_protection = cur;
  *max_protection = (flags & VM_FLAGS_RESILIENT_CODESIGN) ? VM_PROT_READ : VM_PROT_ALL;
  return KERN_SUCCESS;
}

/* Whether both tasks are the caller's own: then the remap is done here, else it is the MIG message. */
static int remap_is_local(vm_map_t target_task, vm_map_t src_task) {
  return self_target(target_task) == KERN_SUCCESS && (src_task == target_task || self_target(src_task) == KERN_SUCCESS);
}

kern_return_t mach_vm_remap(vm_map_t target_task, mach_vm_address_t *target_address, mach_vm_size_t size, mach_vm_offset_t mask, int flags, vm_map_t src_task,
                            mach_vm_address_t src_address, boolean_t copy, vm_prot_t *cur_protection, vm_prot_t *max_protection, vm_inherit_t inheritance) {
  if (!remap_is_local(target_task, src_task))
    return _kernelrpc_mach_vm_remap(target_task, target_address, size, mask, flags, src_task, src_address, copy, cur_protection, max_protection, inheritance);
  return remap_local(target_address, size, mask, flags, src_address, copy, cur_protection, max_protection, inheritance);
}

kern_return_t vm_remap(vm_map_t target_task, vm_address_t *target_address, vm_size_t size, vm_address_t mask, int flags, vm_map_t src_task, vm_address_t src_address,
                       boolean_t copy, vm_prot_t *cur_protection, vm_prot_t *max_protection, vm_inherit_t inheritance) {
  if (!remap_is_local(target_task, src_task))
    return _kernelrpc_vm_remap(target_task, target_address, size, mask, flags, src_task, src_address, copy, cur_protection, max_protection, inheritance);
  mach_vm_address_t a = *target_address;
  kern_return_t kr = remap_local(&a, size, mask, flags, src_address, copy, cur_protection, max_protection, inheritance);
  if (kr == KERN_SUCCESS) *target_address = (vm_address_t)a;
  return kr;
}

/* vm_map.defs skips these on the user side: libsystem's are the mach_vm_* calls. */
kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size, int flags) {
  mach_vm_address_t a = *address;
  kern_return_t kr = mach_vm_allocate(target_task, &a, size, flags);
  *address = (vm_address_t)a;
  return kr;
}
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size) { return mach_vm_deallocate(target_task, address, size); }
kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size, boolean_t set_maximum, vm_prot_t new_protection) {
  return mach_vm_protect(target_task, address, size, set_maximum, new_protection);
}

/* mig_allocate / mig_deallocate: how MIG server code gets and frees out-of-line buffers (anywhere, page-rounded). */
void mig_allocate(vm_address_t *addr_p, vm_size_t size) {
  if (vm_allocate(mach_task_self(), addr_p, size, VM_FLAGS_ANYWHERE) != KERN_SUCCESS) *addr_p = 0;
}
void mig_deallocate(vm_address_t addr, vm_size_t size) { (void)vm_deallocate(mach_task_self(), addr, size); }
