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
