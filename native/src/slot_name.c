/*
 * slot_name: a CPU type's name and description, as libsystem's
 * NXGetArchInfoFromCpuType gives them (what hostinfo prints).
 */
#include "internal.h"

static const struct {
  cpu_type_t type;
  cpu_subtype_t subtype;
  const char *name, *description;
} ARCHS[] = {
    {CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_ALL, "x86_64", "Intel x86-64"},
    {CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_H, "x86_64h", "Intel x86-64h Haswell"},
    {CPU_TYPE_I386, CPU_SUBTYPE_I386_ALL, "i386", "Intel 80x86"},
    {CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_ALL, "arm64", "ARM64"},
    {CPU_TYPE_ARM, CPU_SUBTYPE_ARM_ALL, "arm", "ARM"},
    {CPU_TYPE_POWERPC, CPU_SUBTYPE_POWERPC_ALL, "ppc", "PowerPC"},
};

void slot_name(cpu_type_t cpu_type, cpu_subtype_t cpu_subtype, char **cpu_name, char **cpu_subname) {
  const char *name = "Unknown CPU", *sub = "";
  int found = 0;
  cpu_subtype_t want = cpu_subtype & ~CPU_SUBTYPE_MASK;
  /* An exact subtype first, else the type's first entry. */
  for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0] && !found; i++)
    if (ARCHS[i].type == cpu_type && ARCHS[i].subtype == want) name = ARCHS[i].name, sub = ARCHS[i].description, found = 1;
  for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0] && !found; i++)
    if (ARCHS[i].type == cpu_type) name = ARCHS[i].name, sub = ARCHS[i].description, found = 1;
  *cpu_name = (char *)name;
  *cpu_subname = (char *)sub;
}
