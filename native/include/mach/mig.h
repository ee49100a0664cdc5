/*
 * What MIG-generated code expects of the system: the server routine and
 * subsystem types, and libsystem's MIG helpers. __MigTypeCheck and
 * __MigPackStructs are on as in the SDK: without them MIG output packs its
 * 64-bit fields differently from the kernel and skips its reply checks.
 */
#ifndef _MACH_MIG_H_
#define _MACH_MIG_H_
#include <stdint.h>
#include <mach/port.h>
#include <mach/message.h>
#include <mach/vm_types.h>
#include <machipc/cdefs.h>

#if !defined(__MigTypeCheck)
#if defined(TypeCheck)
#define __MigTypeCheck TypeCheck
#else
#define __MigTypeCheck 1
#endif
#endif
#define __MigPackStructs 1

typedef void (*mig_stub_routine_t)(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);
typedef mig_stub_routine_t mig_routine_t;
typedef mig_routine_t (*mig_server_routine_t)(mach_msg_header_t *InHeadP);
typedef kern_return_t (*mig_impl_routine_t)(void);

typedef mach_msg_type_descriptor_t routine_arg_descriptor;
typedef mach_msg_type_descriptor_t *routine_arg_descriptor_t;
typedef mach_msg_type_descriptor_t *mig_routine_arg_descriptor_t;
#define MIG_ROUTINE_ARG_DESCRIPTOR_NULL ((mig_routine_arg_descriptor_t)0)

struct routine_descriptor {
  mig_impl_routine_t impl_routine;
  mig_stub_routine_t stub_routine;
  unsigned int argc;
  unsigned int descr_count;
  routine_arg_descriptor_t arg_descr;
  unsigned int max_reply_msg;
};
typedef struct routine_descriptor *routine_descriptor_t;
typedef struct routine_descriptor mig_routine_descriptor;
typedef mig_routine_descriptor *mig_routine_descriptor_t;
#define MIG_ROUTINE_DESCRIPTOR_NULL ((mig_routine_descriptor_t)0)

typedef struct mig_subsystem {
  mig_server_routine_t server;
  mach_msg_id_t start;
  mach_msg_id_t end;
  mach_msg_size_t maxsize;
  vm_address_t reserved;
  mig_routine_descriptor routine[1];
} *mig_subsystem_t;
#define MIG_SUBSYSTEM_NULL ((mig_subsystem_t)0)

typedef struct mig_symtab {
  char *ms_routine_name;
  int ms_routine_number;
  void (*ms_routine)(void);
} mig_symtab_t;

MACHIPC_BEGIN_DECLS
extern mach_port_t mig_get_reply_port(void);
extern void mig_dealloc_reply_port(mach_port_t reply_port);
extern void mig_put_reply_port(mach_port_t reply_port);
extern int mig_strncpy(char *dest, const char *src, int len);
extern void mig_allocate(vm_address_t *, vm_size_t);
extern void mig_deallocate(vm_address_t, vm_size_t);
MACHIPC_END_DECLS
#endif
