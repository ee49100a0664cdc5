/* What mach_port_space_info and friends report about a name space (src/ipc/mach_port.ts fills them). */
#ifndef _MACH_DEBUG_IPC_INFO_H_
#define _MACH_DEBUG_IPC_INFO_H_
#include <mach/boolean.h>
#include <mach/port.h>
#include <mach/machine/vm_types.h>

typedef struct ipc_info_space {
  natural_t iis_genno_mask;
  natural_t iis_table_size;
  natural_t iis_table_next;
  natural_t iis_tree_size;
  natural_t iis_tree_small;
  natural_t iis_tree_hash;
} ipc_info_space_t;

typedef struct ipc_info_space_basic {
  natural_t iisb_genno_mask;
  natural_t iisb_table_size;
  natural_t iisb_table_next;
  natural_t iisb_table_inuse;
  natural_t iisb_reserved[2];
} ipc_info_space_basic_t;

typedef struct ipc_info_name {
  mach_port_name_t iin_name;
  integer_t iin_collision;
  mach_port_type_t iin_type;
  mach_port_urefs_t iin_urefs;
  natural_t iin_object;
  natural_t iin_next;
  natural_t iin_hash;
} ipc_info_name_t;
typedef ipc_info_name_t *ipc_info_name_array_t;

typedef struct ipc_info_tree_name {
  ipc_info_name_t iitn_name;
  mach_port_name_t iitn_lchild;
  mach_port_name_t iitn_rchild;
} ipc_info_tree_name_t;
typedef ipc_info_tree_name_t *ipc_info_tree_name_array_t;
#endif
