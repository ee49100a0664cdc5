/**
 * Memory protections and vm_allocate flags (osfmk/mach/vm_prot.h, vm_statistics.h): what the
 * kernel's mach_vm_allocate / mach_vm_protect check, and what C programs pass.
 */
export const VM_PROT_NONE = 0x00;
export const VM_PROT_READ = 0x01;
export const VM_PROT_WRITE = 0x02;
export const VM_PROT_EXECUTE = 0x04;
export const VM_PROT_DEFAULT = VM_PROT_READ | VM_PROT_WRITE;
export const VM_PROT_ALL = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE;
export const VM_PROT_NO_CHANGE = 0x08;
export const VM_PROT_COPY = 0x10;
export const VM_PROT_WANTS_COPY = 0x10;
export const VM_PROT_IS_MASK = 0x40;

export const VM_FLAGS_FIXED = 0x0000;
export const VM_FLAGS_ANYWHERE = 0x0001;
export const VM_FLAGS_PURGABLE = 0x0002;
export const VM_FLAGS_NO_CACHE = 0x0010;
export const VM_FLAGS_OVERWRITE = 0x4000;
export const VM_FLAGS_SUPERPAGE_MASK = 0x70000;
export const VM_FLAGS_ALIAS_MASK = 0xff000000;
/** The flags a user may pass to mach_vm_allocate; any other is KERN_INVALID_ARGUMENT. */
export const VM_FLAGS_USER_ALLOCATE =
  (VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE | VM_FLAGS_NO_CACHE | VM_FLAGS_OVERWRITE | VM_FLAGS_SUPERPAGE_MASK | VM_FLAGS_ALIAS_MASK) >>> 0;
