/*
 * mach_voucher.defs (5400...): the voucher routines, with the SDK's
 * prototypes. machipc's kernel has no vouchers; the calls are sent as MIG
 * messages and get the kernel's answer (MIG_BAD_ID from a task port,
 * MACH_SEND_INVALID_DEST for a null voucher).
 */
#ifndef _mach_voucher_user_
#define _mach_voucher_user_
#include <mach/ndr.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/notify.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/port.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
kern_return_t mach_voucher_extract_attr_content(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_content_t content,
                                                mach_msg_type_number_t *contentCnt);
kern_return_t mach_voucher_extract_attr_recipe(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_raw_recipe_t recipe,
                                               mach_msg_type_number_t *recipeCnt);
kern_return_t mach_voucher_extract_all_attr_recipes(ipc_voucher_t voucher, mach_voucher_attr_raw_recipe_array_t recipes,
                                                    mach_msg_type_number_t *recipesCnt);
kern_return_t mach_voucher_attr_command(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_command_t command,
                                        mach_voucher_attr_content_t in_content, mach_msg_type_number_t in_contentCnt,
                                        mach_voucher_attr_content_t out_content, mach_msg_type_number_t *out_contentCnt);
kern_return_t mach_voucher_debug_info(ipc_space_t task, mach_port_name_t voucher_name, mach_voucher_attr_raw_recipe_array_t recipes,
                                      mach_msg_type_number_t *recipesCnt);
MACHIPC_END_DECLS
#endif
