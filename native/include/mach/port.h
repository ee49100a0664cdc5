/*
 * Port names, rights and their types; port status, limits and options.
 * The MACH_PORT_RIGHT_* / MACH_PORT_TYPE_* / MACH_PORT_QLIMIT_* values are
 * src/abi's, through machipc/constants.h.
 */
#ifndef _MACH_PORT_H_
#define _MACH_PORT_H_
#include <stdint.h>
#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <machipc/constants.h>

typedef natural_t mach_port_name_t;
typedef mach_port_name_t *mach_port_name_array_t;
typedef mach_port_name_t mach_port_t;
typedef mach_port_t *mach_port_array_t;

#define MACH_PORT_NULL 0
#define MACH_PORT_DEAD ((mach_port_name_t)~0)
#define MACH_PORT_VALID(name) (((name) != MACH_PORT_NULL) && ((name) != MACH_PORT_DEAD))

#define MACH_PORT_INDEX(name) ((name) >> 8)
#define MACH_PORT_GEN(name) (((name) & 0xff) << 24)
#define MACH_PORT_MAKE(index, gen) (((index) << 8) | (gen) >> 24)

typedef natural_t mach_port_right_t;
typedef natural_t mach_port_type_t;
typedef mach_port_type_t *mach_port_type_array_t;
#define MACH_PORT_TYPE(right) ((mach_port_type_t)(((mach_port_type_t)1) << ((right) + ((mach_port_right_t)16))))

typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_seqno_t;
typedef natural_t mach_port_mscount_t;
typedef natural_t mach_port_msgcount_t;
typedef natural_t mach_port_rights_t;

#define MACH_PORT_SRIGHTS_NONE 0
#define MACH_PORT_SRIGHTS_PRESENT 1
typedef unsigned int mach_port_srights_t;

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

typedef struct mach_port_info_ext {
  mach_port_status_t mpie_status;
  mach_port_msgcount_t mpie_boost_cnt;
  uint32_t reserved[6];
} mach_port_info_ext_t;

typedef integer_t *mach_port_info_t;
typedef int mach_port_flavor_t;

typedef struct mach_port_qos {
  unsigned int name : 1;
  unsigned int prealloc : 1;
  boolean_t pad1 : 30;
  natural_t len;
} mach_port_qos_t;

typedef struct mach_port_options {
  uint32_t flags;
  mach_port_limits_t mpl;
  uint64_t reserved[2];
} mach_port_options_t;
typedef mach_port_options_t *mach_port_options_ptr_t;

#define GUARD_TYPE_MACH_PORT 0x1
enum mach_port_guard_exception_codes {
  kGUARD_EXC_DESTROY = 1u << 0,
  kGUARD_EXC_MOD_REFS = 1u << 1,
  kGUARD_EXC_SET_CONTEXT = 1u << 2,
  kGUARD_EXC_UNGUARDED = 1u << 3,
  kGUARD_EXC_INCORRECT_GUARD = 1u << 4
};

#endif
