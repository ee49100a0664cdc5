/*
 * libmachipc: the Mach calls a C program makes, served by a machipc server.
 * Types, layouts and constants are the 64-bit ones of xnu-3248, so code
 * written against macOS's Mach headers for these calls compiles unchanged.
 */
#ifndef MACHIPC_MACH_H
#define MACHIPC_MACH_H

#include <stdint.h>
#include <stddef.h>

/* Every number of src/abi, generated (KERN_*, MACH_*, MIG_*, EXC_*, HOST_*, x86_*, ...). */
#include "constants.h"

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
typedef mach_port_t *mach_port_array_t;
typedef mach_port_name_t *mach_port_name_array_t;
typedef mach_port_type_t *mach_port_type_array_t;
typedef mach_port_t thread_t;
typedef mach_port_t *thread_act_array_t;
typedef mach_port_t *task_array_t;
typedef mach_port_t processor_set_t;
typedef mach_port_t processor_set_control_t;
typedef mach_port_t clock_serv_t;
typedef mach_port_t io_master_t;
typedef mach_port_t exception_handler_t;
typedef natural_t mach_port_seqno_t;
typedef natural_t mach_port_mscount_t;
typedef natural_t mach_port_msgcount_t;
typedef natural_t mach_port_rights_t;
typedef unsigned int mach_port_srights_t;
typedef uint64_t mach_port_context_t;
typedef int mach_port_flavor_t;
typedef integer_t *mach_port_info_t;
typedef natural_t mach_msg_trailer_type_t;
typedef integer_t exception_type_t;
typedef integer_t exception_data_type_t;
typedef int64_t mach_exception_data_type_t;
typedef exception_data_type_t *exception_data_t;
typedef mach_exception_data_type_t *mach_exception_data_t;
typedef natural_t *thread_state_t;
typedef integer_t task_flavor_t;
typedef integer_t *task_info_t;
typedef natural_t thread_flavor_t;
typedef integer_t *thread_info_t;
typedef integer_t processor_set_flavor_t;
typedef integer_t *processor_set_info_t;
typedef integer_t policy_t;

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
  unsigned char mig_vers, if_vers, reserved1, mig_encoding, int_rep, char_rep, float_rep, reserved2;
} NDR_record_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
} mach_msg_trailer_t;

typedef struct {
  unsigned int val[2];
} security_token_t;

typedef struct {
  unsigned int val[8];
} audit_token_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
  mach_port_seqno_t msgh_seqno;
} mach_msg_seqno_trailer_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
  mach_port_seqno_t msgh_seqno;
  security_token_t msgh_sender;
} mach_msg_security_trailer_t;
typedef mach_msg_security_trailer_t mach_msg_format_0_trailer_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
  mach_port_seqno_t msgh_seqno;
  security_token_t msgh_sender;
  audit_token_t msgh_audit;
} mach_msg_audit_trailer_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
  mach_port_seqno_t msgh_seqno;
  security_token_t msgh_sender;
  audit_token_t msgh_audit;
  mach_port_context_t msgh_context;
} mach_msg_context_trailer_t;

typedef struct {
  mach_port_name_t sender;
} msg_labels_t;

typedef struct {
  mach_msg_trailer_type_t msgh_trailer_type;
  mach_msg_trailer_size_t msgh_trailer_size;
  mach_port_seqno_t msgh_seqno;
  security_token_t msgh_sender;
  audit_token_t msgh_audit;
  mach_port_context_t msgh_context;
  int msgh_ad;
  msg_labels_t msgh_labels;
} mach_msg_mac_trailer_t;
typedef mach_msg_mac_trailer_t mach_msg_max_trailer_t;

typedef struct {
  mach_msg_header_t header;
} mach_msg_empty_send_t;

typedef struct {
  mach_msg_header_t header;
  mach_msg_trailer_t trailer;
} mach_msg_empty_rcv_t;

typedef union {
  mach_msg_empty_send_t send;
  mach_msg_empty_rcv_t rcv;
} mach_msg_empty_t;

typedef union {
  mach_msg_port_descriptor_t port;
  mach_msg_ool_descriptor_t out_of_line;
  mach_msg_ool_ports_descriptor_t ool_ports;
  mach_msg_type_descriptor_t type;
} mach_msg_descriptor_t;

/* Port status and attributes (mach/port.h). */
typedef struct mach_port_status {
  mach_port_rights_t mps_pset;
  mach_port_seqno_t mps_seqno;
  mach_port_mscount_t mps_mscount;
  mach_port_msgcount_t mps_qlimit;
  mach_port_msgcount_t mps_msgcount;
  mach_port_rights_t mps_sorights;
  boolean_t mps_srights;
  boolean_t mps_pdrequest;
  boolean_t mps_nsrequest;
  natural_t mps_flags;
} mach_port_status_t;

typedef struct mach_port_limits {
  mach_port_msgcount_t mpl_qlimit;
} mach_port_limits_t;

typedef struct mach_port_options {
  uint32_t flags;
  mach_port_limits_t mpl;
  uint64_t reserved[2];
} mach_port_options_t;
typedef mach_port_options_t *mach_port_options_ptr_t;

/* Notifications the kernel sends (mach/notify.h). */
typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_body_t not_body;
  mach_msg_port_descriptor_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_msg_type_number_t not_count;
  mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  NDR_record_t NDR;
  mach_port_name_t not_port;
  mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;

/* Host and processor information (mach/host_info.h, mach/processor_info.h, mach/vm_statistics.h). */
typedef struct time_value {
  integer_t seconds;
  integer_t microseconds;
} time_value_t;

struct host_sched_info {
  integer_t min_timeout;
  integer_t min_quantum;
};
typedef struct host_sched_info host_sched_info_data_t;

struct host_priority_info {
  integer_t kernel_priority;
  integer_t system_priority;
  integer_t server_priority;
  integer_t user_priority;
  integer_t depress_priority;
  integer_t idle_priority;
  integer_t minimum_priority;
  integer_t maximum_priority;
};
typedef struct host_priority_info host_priority_info_data_t;

struct host_load_info {
  integer_t avenrun[3];
  integer_t mach_factor[3];
};
typedef struct host_load_info host_load_info_data_t;

struct host_cpu_load_info {
  natural_t cpu_ticks[CPU_STATE_MAX];
};
typedef struct host_cpu_load_info host_cpu_load_info_data_t;

struct processor_cpu_load_info {
  unsigned int cpu_ticks[CPU_STATE_MAX];
};
typedef struct processor_cpu_load_info processor_cpu_load_info_data_t;

struct processor_set_basic_info {
  int processor_count;
  int default_policy;
};
typedef struct processor_set_basic_info processor_set_basic_info_data_t;

struct processor_set_load_info {
  integer_t task_count;
  integer_t thread_count;
  integer_t load_average;
  integer_t mach_factor;
};
typedef struct processor_set_load_info processor_set_load_info_data_t;

struct vm_statistics {
  natural_t free_count;
  natural_t active_count;
  natural_t inactive_count;
  natural_t wire_count;
  natural_t zero_fill_count;
  natural_t reactivations;
  natural_t pageins;
  natural_t pageouts;
  natural_t faults;
  natural_t cow_faults;
  natural_t lookups;
  natural_t hits;
  natural_t purgeable_count;
  natural_t purges;
  natural_t speculative_count;
};
typedef struct vm_statistics vm_statistics_data_t;

struct vm_statistics64 {
  natural_t free_count;
  natural_t active_count;
  natural_t inactive_count;
  natural_t wire_count;
  uint64_t zero_fill_count;
  uint64_t reactivations;
  uint64_t pageins;
  uint64_t pageouts;
  uint64_t faults;
  uint64_t cow_faults;
  uint64_t lookups;
  uint64_t hits;
  uint64_t purges;
  natural_t purgeable_count;
  natural_t speculative_count;
  uint64_t decompressions;
  uint64_t compressions;
  uint64_t swapins;
  uint64_t swapouts;
  natural_t compressor_page_count;
  natural_t throttled_count;
  natural_t external_page_count;
  natural_t internal_page_count;
  uint64_t total_uncompressed_pages_in_compressor;
} __attribute__((aligned(8)));
typedef struct vm_statistics64 vm_statistics64_data_t;
typedef integer_t *host_info64_t;


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


#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#define MACH_PORT_NAME_NULL ((mach_port_name_t)0)
#define MACH_PORT_NAME_DEAD ((mach_port_name_t)~0)
#define MACH_PORT_NAME_VALID(n) MACH_PORT_VALID(n)
#define CAST_MACH_NAME_TO_PORT(n) ((mach_port_t)(n))
#define CAST_MACH_PORT_TO_NAME(p) ((mach_port_name_t)(p))
#define MACH_PORT_TYPE(right) ((mach_port_type_t)(((mach_port_type_t)1) << ((right) + ((mach_port_right_t)16))))

#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_SET_PORTS(remote, local, voucher) \
  (((remote) & MACH_MSGH_BITS_REMOTE_MASK) | (((local) << 8) & MACH_MSGH_BITS_LOCAL_MASK) | (((voucher) << 16) & MACH_MSGH_BITS_VOUCHER_MASK))
#define MACH_MSGH_BITS_SET(remote, local, voucher, other) (MACH_MSGH_BITS_SET_PORTS((remote), (local), (voucher)) | ((other) & ~MACH_MSGH_BITS_PORTS_MASK))
#define MACH_MSGH_BITS_REMOTE(bits) ((bits) & MACH_MSGH_BITS_REMOTE_MASK)
#define MACH_MSGH_BITS_LOCAL(bits) (((bits) & MACH_MSGH_BITS_LOCAL_MASK) >> 8)
#define MACH_MSGH_BITS_VOUCHER(bits) (((bits) & MACH_MSGH_BITS_VOUCHER_MASK) >> 16)
#define MACH_MSGH_BITS_PORTS(bits) ((bits) & MACH_MSGH_BITS_PORTS_MASK)
#define MACH_MSGH_BITS_OTHER(bits) ((bits) & ~MACH_MSGH_BITS_PORTS_MASK)
#define MACH_MSGH_BITS_HAS_REMOTE(bits) (MACH_MSGH_BITS_REMOTE(bits) != MACH_MSGH_BITS_ZERO)
#define MACH_MSGH_BITS_HAS_LOCAL(bits) (MACH_MSGH_BITS_LOCAL(bits) != MACH_MSGH_BITS_ZERO)
#define MACH_MSGH_BITS_HAS_VOUCHER(bits) (MACH_MSGH_BITS_VOUCHER(bits) != MACH_MSGH_BITS_ZERO)
#define MACH_MSG_TYPE_PORT_ANY(x) (((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_SEND(x) (((x) >= MACH_MSG_TYPE_MOVE_SEND) && ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_RIGHT(x) (((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && ((x) <= MACH_MSG_TYPE_MOVE_SEND_ONCE))

/* Trailers a receiver asks for. */
#define MACH_RCV_TRAILER_TYPE(x) (((x) & 0xf) << 28)
#define MACH_RCV_TRAILER_ELEMENTS(x) (((x) & 0xf) << 24)
#define GET_RCV_ELEMENTS(y) (((y) >> 24) & 0xf)
#define MACH_MSG_TRAILER_FORMAT_0_SIZE 20
#define REQUESTED_TRAILER_SIZE(y)                                                                   \
  ((mach_msg_trailer_size_t)((GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_NULL)      ? 8            \
                             : (GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_SEQNO)   ? 12           \
                             : (GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_SENDER)  ? 20           \
                             : (GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_AUDIT)   ? 52           \
                             : (GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_CTX)     ? 60           \
                             : (GET_RCV_ELEMENTS(y) == MACH_RCV_TRAILER_AV)      ? 68           \
                                                                                 : 68))

/* The thread state flavors of the machine the program is built for, as macOS's headers choose them. */
#if defined(__aarch64__) || defined(__arm64__)
#define THREAD_STATE_NONE THREAD_STATE_NONE_ARM
#define MACHINE_THREAD_STATE ARM_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT ARM_THREAD_STATE64_COUNT
#else
#define THREAD_STATE_NONE THREAD_STATE_NONE_X86
#define MACHINE_THREAD_STATE x86_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT x86_THREAD_STATE64_COUNT
#endif
#define THREAD_STATE_FLAVOR_LIST 0
#define THREAD_STATE_MAX 224

#define TASK_PORT_REGISTER_MAX 3
#define TASK_KERNEL_PORT 1
#define TASK_HOST_PORT 2
#define TASK_NAME_PORT 3
#define TASK_BOOTSTRAP_PORT 4
#define THREAD_KERNEL_PORT 1

#define mach_task_self_ (mach_task_self())
#define current_task() mach_task_self()

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
