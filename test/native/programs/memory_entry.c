/*
 * Memory entries from a C program, written as on macOS, answered by the kernel for a process
 * outside the server: a new object (MAP_MEM_NAMED_CREATE) and a copy of the program's own range
 * (MAP_MEM_VM_COPY) are made, a range of its own pages cannot be named and no entry can be mapped
 * into it from outside (KERN_NOT_SUPPORTED), the entry's send right goes with mach_port_deallocate
 * and the port with it. Prints "ok <check>" per check, or "FAIL <check>: ..." and exits 1.
 */
#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <mach/vm_map.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  task_t self = mach_task_self();
  kern_return_t kr;
  memory_object_size_t size = (memory_object_size_t)page + 1;
  mach_port_t entry = MACH_PORT_NULL;
  kr = mach_make_memory_entry_64(self, &size, 0, VM_PROT_READ | VM_PROT_WRITE | MAP_MEM_NAMED_CREATE, &entry, MACH_PORT_NULL);
  check("mach_make_memory_entry_64 MAP_MEM_NAMED_CREATE: an entry of the rounded size", kr == KERN_SUCCESS && entry != MACH_PORT_NULL && size == 2 * (memory_object_size_t)page, kr);
  mach_vm_address_t at = 0;
  kr = mach_vm_map(self, &at, (mach_vm_size_t)page, 0, VM_FLAGS_ANYWHERE, entry, 0, FALSE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_DEFAULT);
  check("mach_vm_map of an entry into the process: KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  kr = mach_vm_map(self, &at, (mach_vm_size_t)page, 0, VM_FLAGS_ANYWHERE, entry, 0, FALSE, VM_PROT_ALL, VM_PROT_ALL, VM_INHERIT_DEFAULT);
  check("mach_vm_map of an entry: the entry's protection first (KERN_INVALID_RIGHT)", kr == KERN_INVALID_RIGHT, kr);

  char *mine = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  strcpy(mine, "mine");
  vm_size_t small = (vm_size_t)page;
  mem_entry_name_port_t named = MACH_PORT_NULL;
  kr = mach_make_memory_entry(self, &small, (vm_offset_t)(uintptr_t)mine, VM_PROT_READ, &named, MACH_PORT_NULL);
  check("mach_make_memory_entry of the program's own pages: KERN_NOT_SUPPORTED", kr == KERN_NOT_SUPPORTED, kr);
  size = (memory_object_size_t)page;
  mach_port_t copy = MACH_PORT_NULL;
  kr = mach_make_memory_entry_64(self, &size, (memory_object_offset_t)(uintptr_t)mine, VM_PROT_READ | MAP_MEM_VM_COPY, &copy, MACH_PORT_NULL);
  check("mach_make_memory_entry_64 MAP_MEM_VM_COPY of its own range: a copy the kernel holds", kr == KERN_SUCCESS && copy != MACH_PORT_NULL, kr);
  size = (memory_object_size_t)page;
  kr = _mach_make_memory_entry(self, &size, 0, VM_PROT_READ, &named, MACH_PORT_NULL);
  check("_mach_make_memory_entry of an unmapped range: KERN_INVALID_ADDRESS", kr == KERN_INVALID_ADDRESS, kr);
  size = (memory_object_size_t)page;
  kr = _mach_make_memory_entry(self, &size, 0, VM_PROT_READ, &named, entry);
  check("_mach_make_memory_entry of a parent's range", kr == KERN_SUCCESS && named != MACH_PORT_NULL && named != entry, kr);

  kr = mach_port_deallocate(self, entry);
  mach_port_type_t type = 0;
  kern_return_t gone = mach_port_type(self, entry, &type);
  check("mach_port_deallocate of the entry's only send right: the name is gone", kr == KERN_SUCCESS && gone == KERN_INVALID_NAME, gone);
  kr = mach_port_deallocate(self, named);
  kern_return_t kr2 = mach_port_deallocate(self, copy);
  check("the other entries' rights deallocated", kr == KERN_SUCCESS && kr2 == KERN_SUCCESS, kr ? kr : kr2);
  return failures ? 1 : 0;
}
