/* The debugging interfaces' types (mach_port_space_info, zone and VM info). */
#ifndef _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#define _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#include <mach_debug/ipc_info.h>
#include <mach_debug/vm_info.h>
#include <mach_debug/zone_info.h>
#include <mach_debug/page_info.h>
#include <mach_debug/hash_info.h>
#include <mach_debug/lockgroup_info.h>

typedef char symtab_name_t[32];

struct mach_core_fileheader {
  uint64_t signature;
  uint64_t log_offset;
  uint64_t log_length;
  uint64_t gzip_offset;
  uint64_t gzip_length;
};
#define MACH_CORE_FILEHEADER_SIGNATURE 0x0063614d20646153ULL
#endif
