/* Memory protections (vm_protect, vm_region); the VM_PROT_* values are src/abi/vm.ts's, through constants.h. */
#ifndef _MACH_VM_PROT_H_
#define _MACH_VM_PROT_H_
#include <machipc/constants.h>
typedef int vm_prot_t;
#define VM_PROT_MEMORY_TAG_MASK 0xFF000000
#define VM_PROT_MEMORY_TAG_SHIFT 24
#define VM_PROT_MEMORY_TAG(x) (((x) >> VM_PROT_MEMORY_TAG_SHIFT) & 0xFF)
#define VM_PROT_MEMORY_TAG_MAKE(x) (((x) & 0xFF) << VM_PROT_MEMORY_TAG_SHIFT)
#endif
