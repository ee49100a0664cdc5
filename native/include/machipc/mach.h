/*
 * libmachipc: the Mach calls a C program makes, served by a machipc server.
 * Types, layouts and constants are the 64-bit ones of xnu-3248, so code
 * written against macOS's Mach headers for these calls compiles unchanged.
 */
#ifndef MACHIPC_MACH_H
#define MACHIPC_MACH_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int kern_return_t;
typedef kern_return_t mach_msg_return_t;
typedef unsigned int natural_t;
typedef int integer_t;
typedef int boolean_t;
typedef natural_t mach_port_name_t;
typedef natural_t mach_port_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t task_t;
typedef mach_port_t thread_act_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t processor_t;
typedef mach_port_t processor_set_name_t;
typedef mach_port_t *processor_array_t;
typedef natural_t mach_port_right_t;
typedef natural_t mach_port_type_t;
typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef unsigned int mach_msg_bits_t;
typedef natural_t mach_msg_size_t;
typedef integer_t mach_msg_id_t;
typedef integer_t mach_msg_option_t;
typedef natural_t mach_msg_timeout_t;
typedef unsigned int mach_msg_type_name_t;
typedef unsigned int mach_msg_copy_options_t;
typedef unsigned int mach_msg_descriptor_type_t;
typedef natural_t mach_msg_type_number_t;
typedef unsigned int mach_msg_trailer_type_t;
typedef unsigned int mach_msg_trailer_size_t;
typedef integer_t host_flavor_t;
typedef integer_t *host_info_t;
typedef integer_t processor_flavor_t;
typedef integer_t *processor_info_t;
typedef integer_t *processor_info_array_t;
typedef unsigned int exception_mask_t;
typedef int exception_behavior_t;
typedef int thread_state_flavor_t;
typedef exception_mask_t *exception_mask_array_t;
typedef mach_port_t *exception_handler_array_t;
typedef exception_behavior_t *exception_behavior_array_t;
typedef thread_state_flavor_t *exception_flavor_array_t;
typedef uintptr_t vm_address_t;
typedef uintptr_t vm_size_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef char kernel_version_t[512];

#define MACH_PORT_NULL ((mach_port_t)0)
#define MACH_PORT_DEAD ((mach_port_t)~0)
#define MACH_PORT_VALID(n) (((n) != MACH_PORT_NULL) && ((n) != MACH_PORT_DEAD))

#pragma pack(push, 4)
typedef struct {
  mach_msg_bits_t msgh_bits;
  mach_msg_size_t msgh_size;
  mach_port_t msgh_remote_port;
  mach_port_t msgh_local_port;
  mach_port_name_t msgh_voucher_port;
  mach_msg_id_t msgh_id;
} mach_msg_header_t;

typedef struct {
  mach_msg_size_t msgh_descriptor_count;
} mach_msg_body_t;

typedef struct {
  mach_port_t name;
  mach_msg_size_t pad1;
  unsigned int pad2 : 16;
  mach_msg_type_name_t disposition : 8;
  mach_msg_descriptor_type_t type : 8;
} mach_msg_port_descriptor_t;

typedef struct {
  void *address;
  boolean_t deallocate : 8;
  mach_msg_copy_options_t copy : 8;
  unsigned int pad1 : 8;
  mach_msg_descriptor_type_t type : 8;
  mach_msg_size_t size;
} mach_msg_ool_descriptor_t;

typedef struct {
  void *address;
  boolean_t deallocate : 8;
  mach_msg_copy_options_t copy : 8;
  mach_msg_type_name_t disposition : 8;
  mach_msg_descriptor_type_t type : 8;
  mach_msg_size_t count;
} mach_msg_ool_ports_descriptor_t;

typedef struct {
  natural_t pad1;
  mach_msg_size_t pad2;
  unsigned int pad3 : 24;
  mach_msg_descriptor_type_t type : 8;
} mach_msg_type_descriptor_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
} mach_msg_trailer_t;

typedef struct {
  unsigned char mig_vers, if_vers, reserved1, mig_encoding, int_rep, char_rep, float_rep, reserved2;
} NDR_record_t;

typedef struct {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
} mig_reply_error_t;

struct host_basic_info {
  integer_t max_cpus;
  integer_t avail_cpus;
  natural_t memory_size;
  integer_t cpu_type;
  integer_t cpu_subtype;
  integer_t cpu_threadtype;
  integer_t physical_cpu;
  integer_t physical_cpu_max;
  integer_t logical_cpu;
  integer_t logical_cpu_max;
  uint64_t max_mem;
};
typedef struct host_basic_info host_basic_info_data_t;

struct processor_basic_info {
  integer_t cpu_type;
  integer_t cpu_subtype;
  boolean_t running;
  int slot_num;
  boolean_t is_master;
};
typedef struct processor_basic_info processor_basic_info_data_t;
#pragma pack(pop)

extern NDR_record_t NDR_record;

/* Dispositions */
#define MACH_MSG_TYPE_MOVE_RECEIVE 16
#define MACH_MSG_TYPE_MOVE_SEND 17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE 18
#define MACH_MSG_TYPE_COPY_SEND 19
#define MACH_MSG_TYPE_MAKE_SEND 20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE 21
#define MACH_MSG_TYPE_PORT_RECEIVE MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE MACH_MSG_TYPE_MOVE_SEND_ONCE
#define MACH_MSG_PORT_DESCRIPTOR 0
#define MACH_MSG_OOL_DESCRIPTOR 1
#define MACH_MSG_OOL_PORTS_DESCRIPTOR 2
#define MACH_MSG_PHYSICAL_COPY 0
#define MACH_MSG_VIRTUAL_COPY 1
#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits) ((bits) & 0x1f)
#define MACH_MSGH_BITS_LOCAL(bits) (((bits) >> 8) & 0x1f)
#define MACH_MSGH_BITS_COMPLEX 0x80000000U

/* Options and return codes */
#define MACH_MSG_OPTION_NONE 0x00000000
#define MACH_SEND_MSG 0x00000001
#define MACH_RCV_MSG 0x00000002
#define MACH_RCV_LARGE 0x00000004
#define MACH_SEND_TIMEOUT 0x00000010
#define MACH_RCV_TIMEOUT 0x00000100
#define MACH_MSG_TIMEOUT_NONE 0
#define MACH_MSG_SUCCESS 0x00000000
#define MACH_SEND_INVALID_DATA 0x10000002
#define MACH_SEND_INVALID_DEST 0x10000003
#define MACH_SEND_TIMED_OUT 0x10000004
#define MACH_RCV_INVALID_NAME 0x10004002
#define MACH_RCV_TIMED_OUT 0x10004003
#define MACH_RCV_TOO_LARGE 0x10004004
#define MACH_RCV_PORT_DIED 0x10004009

#define KERN_SUCCESS 0
#define KERN_INVALID_ADDRESS 1
#define KERN_INVALID_ARGUMENT 4
#define KERN_FAILURE 5
#define KERN_NO_ACCESS 8
#define KERN_INVALID_NAME 15
#define KERN_INVALID_RIGHT 17
#define KERN_INVALID_VALUE 18
#define KERN_INVALID_HOST 22
#define MIG_TYPE_ERROR -300
#define MIG_REPLY_MISMATCH -301
#define MIG_BAD_ID -303
#define MIG_BAD_ARGUMENTS -304
#define MIG_SERVER_DIED -308

#define MACH_PORT_RIGHT_SEND 0
#define MACH_PORT_RIGHT_RECEIVE 1
#define MACH_PORT_RIGHT_SEND_ONCE 2
#define MACH_PORT_RIGHT_PORT_SET 3
#define MACH_PORT_RIGHT_DEAD_NAME 4
#define MACH_PORT_TYPE_SEND 0x00010000
#define MACH_PORT_TYPE_RECEIVE 0x00020000
#define MACH_PORT_TYPE_SEND_ONCE 0x00040000
#define MACH_PORT_TYPE_PORT_SET 0x00080000
#define MACH_PORT_TYPE_DEAD_NAME 0x00100000

/* Host */
#define HOST_LOCAL_NODE -1
#define HOST_PORT 1
#define HOST_PRIV_PORT 2
#define HOST_AUTOMOUNTD_PORT 11
#define HOST_BASIC_INFO 1
#define HOST_BASIC_INFO_COUNT ((mach_msg_type_number_t)(sizeof(host_basic_info_data_t) / sizeof(integer_t)))
#define HOST_INFO_MAX 68
#define PROCESSOR_BASIC_INFO 1
#define PROCESSOR_BASIC_INFO_COUNT ((mach_msg_type_number_t)(sizeof(processor_basic_info_data_t) / sizeof(natural_t)))
#define PROCESSOR_INFO_MAX 12

/* Exceptions */
#define EXC_BAD_ACCESS 1
#define EXC_MASK_BAD_ACCESS (1 << 1)
#define EXC_MASK_BAD_INSTRUCTION (1 << 2)
#define EXC_MASK_ARITHMETIC (1 << 3)
#define EXC_MASK_BREAKPOINT (1 << 6)
#define EXC_MASK_ALL 0x00001bfe
#define EXC_TYPES_COUNT 14
#define EXCEPTION_DEFAULT 1
#define EXCEPTION_STATE 2
#define EXCEPTION_STATE_IDENTITY 3
#define MACH_EXCEPTION_CODES 0x80000000
#define THREAD_STATE_NONE 13

/* The traps */
mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify);
mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                     mach_port_name_t rcv_name, mach_msg_timeout_t timeout, mach_port_name_t notify, mach_msg_header_t *rcv_msg,
                                     mach_msg_size_t rcv_limit);
mach_port_name_t mach_reply_port(void);
mach_port_t mach_task_self(void);
mach_port_t mach_host_self(void);
mach_port_t mach_thread_self(void);
mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t reply_port);
void mig_put_reply_port(mach_port_t reply_port);

/* mach_port */
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name);
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta);
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly);

/* mach_host, host_priv, processor */
kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t host_info_out, mach_msg_type_number_t *host_info_outCnt);
kern_return_t host_kernel_version(host_t host, kernel_version_t kernel_version);
kern_return_t host_get_special_port(host_priv_t host_priv, int node, int which, mach_port_t *port);
kern_return_t host_set_special_port(host_priv_t host_priv, int which, mach_port_t port);
kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, mach_port_t new_port,
                                       exception_behavior_t behavior, thread_state_flavor_t new_flavor);
kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, exception_mask_array_t masks,
                                       mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers,
                                       exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors);
kern_return_t host_processors(host_priv_t host_priv, processor_array_t *out_processor_list, mach_msg_type_number_t *out_processor_listCnt);
kern_return_t processor_info(processor_t processor, processor_flavor_t flavor, host_t *host, processor_info_t processor_info_out,
                             mach_msg_type_number_t *processor_info_outCnt);
kern_return_t vm_deallocate(task_t target_task, vm_address_t address, vm_size_t size);

/* "KERN_INVALID_ARGUMENT" and the like. */
const char *mach_error_string(kern_return_t kr);

#ifdef __cplusplus
}
#endif
#endif
