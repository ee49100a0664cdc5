/*
 * CPU types, subtypes and thread types, and the CPU_STATE_* tick slots.
 * The values the kernel reports (x86_64 and arm64, CPU_STATE_*) come from
 * src/abi through machipc/constants.h; the others are declared here.
 */
#ifndef _MACH_MACHINE_H_
#define _MACH_MACHINE_H_
#include <stdint.h>
#include <mach/machine/vm_types.h>
#include <mach/boolean.h>
#include <machipc/constants.h>

typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;
typedef integer_t cpu_threadtype_t;

#define CPU_ARCH_MASK 0xff000000
#define CPU_TYPE_ANY ((cpu_type_t)-1)
#define CPU_TYPE_VAX ((cpu_type_t)1)
#define CPU_TYPE_MC680x0 ((cpu_type_t)6)
#define CPU_TYPE_I386 CPU_TYPE_X86
#define CPU_TYPE_MC98000 ((cpu_type_t)10)
#define CPU_TYPE_HPPA ((cpu_type_t)11)
#define CPU_TYPE_MC88000 ((cpu_type_t)13)
#define CPU_TYPE_SPARC ((cpu_type_t)14)
#define CPU_TYPE_I860 ((cpu_type_t)15)
#define CPU_TYPE_POWERPC ((cpu_type_t)18)
#define CPU_TYPE_POWERPC64 (CPU_TYPE_POWERPC | CPU_ARCH_ABI64)

#define CPU_SUBTYPE_MASK 0xff000000
#define CPU_SUBTYPE_LIB64 0x80000000
#define CPU_SUBTYPE_MULTIPLE ((cpu_subtype_t)-1)
#define CPU_SUBTYPE_LITTLE_ENDIAN ((cpu_subtype_t)0)
#define CPU_SUBTYPE_BIG_ENDIAN ((cpu_subtype_t)1)

#define CPU_SUBTYPE_INTEL(f, m) ((cpu_subtype_t)(f) + ((m) << 4))
#define CPU_SUBTYPE_INTEL_FAMILY(x) ((x) & 15)
#define CPU_SUBTYPE_INTEL_FAMILY_MAX 15
#define CPU_SUBTYPE_INTEL_MODEL(x) ((x) >> 4)
#define CPU_SUBTYPE_INTEL_MODEL_ALL 0
#define CPU_SUBTYPE_I386_ALL CPU_SUBTYPE_INTEL(3, 0)
#define CPU_SUBTYPE_386 CPU_SUBTYPE_INTEL(3, 0)
#define CPU_SUBTYPE_486 CPU_SUBTYPE_INTEL(4, 0)
#define CPU_SUBTYPE_486SX CPU_SUBTYPE_INTEL(4, 8)
#define CPU_SUBTYPE_586 CPU_SUBTYPE_INTEL(5, 0)
#define CPU_SUBTYPE_PENT CPU_SUBTYPE_INTEL(5, 0)
#define CPU_SUBTYPE_PENTPRO CPU_SUBTYPE_INTEL(6, 1)
#define CPU_SUBTYPE_PENTII_M3 CPU_SUBTYPE_INTEL(6, 3)
#define CPU_SUBTYPE_PENTII_M5 CPU_SUBTYPE_INTEL(6, 5)
#define CPU_SUBTYPE_CELERON CPU_SUBTYPE_INTEL(7, 6)
#define CPU_SUBTYPE_CELERON_MOBILE CPU_SUBTYPE_INTEL(7, 7)
#define CPU_SUBTYPE_PENTIUM_3 CPU_SUBTYPE_INTEL(8, 0)
#define CPU_SUBTYPE_PENTIUM_3_M CPU_SUBTYPE_INTEL(8, 1)
#define CPU_SUBTYPE_PENTIUM_3_XEON CPU_SUBTYPE_INTEL(8, 2)
#define CPU_SUBTYPE_PENTIUM_M CPU_SUBTYPE_INTEL(9, 0)
#define CPU_SUBTYPE_PENTIUM_4 CPU_SUBTYPE_INTEL(10, 0)
#define CPU_SUBTYPE_PENTIUM_4_M CPU_SUBTYPE_INTEL(10, 1)
#define CPU_SUBTYPE_ITANIUM CPU_SUBTYPE_INTEL(11, 0)
#define CPU_SUBTYPE_ITANIUM_2 CPU_SUBTYPE_INTEL(11, 1)
#define CPU_SUBTYPE_XEON CPU_SUBTYPE_INTEL(12, 0)
#define CPU_SUBTYPE_XEON_MP CPU_SUBTYPE_INTEL(12, 1)
#define CPU_SUBTYPE_X86_ALL ((cpu_subtype_t)3)
#define CPU_SUBTYPE_X86_ARCH1 ((cpu_subtype_t)4)

#define CPU_SUBTYPE_ARM_ALL ((cpu_subtype_t)0)
#define CPU_SUBTYPE_ARM_V4T ((cpu_subtype_t)5)
#define CPU_SUBTYPE_ARM_V6 ((cpu_subtype_t)6)
#define CPU_SUBTYPE_ARM_V5TEJ ((cpu_subtype_t)7)
#define CPU_SUBTYPE_ARM_XSCALE ((cpu_subtype_t)8)
#define CPU_SUBTYPE_ARM_V7 ((cpu_subtype_t)9)
#define CPU_SUBTYPE_ARM_V7F ((cpu_subtype_t)10)
#define CPU_SUBTYPE_ARM_V7S ((cpu_subtype_t)11)
#define CPU_SUBTYPE_ARM_V7K ((cpu_subtype_t)12)
#define CPU_SUBTYPE_ARM_V6M ((cpu_subtype_t)14)
#define CPU_SUBTYPE_ARM_V7M ((cpu_subtype_t)15)
#define CPU_SUBTYPE_ARM_V7EM ((cpu_subtype_t)16)
#define CPU_SUBTYPE_ARM_V8 ((cpu_subtype_t)13)

#define CPU_SUBTYPE_POWERPC_ALL ((cpu_subtype_t)0)
#define CPU_SUBTYPE_POWERPC_601 ((cpu_subtype_t)1)
#define CPU_SUBTYPE_POWERPC_602 ((cpu_subtype_t)2)
#define CPU_SUBTYPE_POWERPC_603 ((cpu_subtype_t)3)
#define CPU_SUBTYPE_POWERPC_603e ((cpu_subtype_t)4)
#define CPU_SUBTYPE_POWERPC_603ev ((cpu_subtype_t)5)
#define CPU_SUBTYPE_POWERPC_604 ((cpu_subtype_t)6)
#define CPU_SUBTYPE_POWERPC_604e ((cpu_subtype_t)7)
#define CPU_SUBTYPE_POWERPC_620 ((cpu_subtype_t)8)
#define CPU_SUBTYPE_POWERPC_750 ((cpu_subtype_t)9)
#define CPU_SUBTYPE_POWERPC_7400 ((cpu_subtype_t)10)
#define CPU_SUBTYPE_POWERPC_7450 ((cpu_subtype_t)11)
#define CPU_SUBTYPE_POWERPC_970 ((cpu_subtype_t)100)

#define CPUFAMILY_UNKNOWN 0
#endif
