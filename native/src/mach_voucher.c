/*
 * The voucher routines of mach_voucher.defs as MIG user stubs: every request
 * is a few 32-bit words (and for attr_command an inline byte array), every
 * reply a RetCode and an inline byte array with its count, checked as MIG's
 * user code checks it.
 */
#include "gen/gen.h"

enum { VOUCHER_BASE = 5400, MAX_CONTENT = 4096, MAX_RECIPES = 5120 };

static kern_return_t voucher_rpc(mach_port_t target, mach_msg_id_t id, const uint32_t *words, int nwords, const uint8_t *in, uint32_t inCnt,
                                 uint8_t *out, mach_msg_type_number_t *outCnt, uint32_t max) {
  union {
    mach_msg_header_t head;
    unsigned char bytes[24 + 8 + 16 + 4 + MAX_CONTENT + 4 + MAX_RECIPES + 68];
  } m;
  unsigned char *b = m.bytes;
  memset(b, 0, 64);
  memcpy(b + 24, &NDR_record, 8);
  size_t o = 32;
  for (int i = 0; i < nwords; i++, o += 4) put32(b + o, words[i]);
  if (in) {
    if (inCnt > MAX_CONTENT) return MIG_ARRAY_TOO_LARGE;
    put32(b + o, inCnt);
    memcpy(b + o + 4, in, inCnt);
    o += 4 + ((inCnt + 3) & ~3u);
  }
  put32(b + o, *outCnt < max ? *outCnt : max);
  o += 4;
  mach_msg_return_t mr = machipc_mig_rpc(&m.head, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), (mach_msg_size_t)o,
                                         sizeof m, target, id);
  if (mr != MACH_MSG_SUCCESS) return mr;
  if (m.head.msgh_id == MACH_NOTIFY_SEND_ONCE) return MIG_SERVER_DIED;
  if (m.head.msgh_id != id + 100) return MIG_REPLY_MISMATCH;
  uint32_t size = m.head.msgh_size;
  if ((m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || size < 36) return MIG_TYPE_ERROR;
  kern_return_t ret = (kern_return_t)get32(b + 32);
  if (size == 36) return ret != KERN_SUCCESS ? ret : MIG_TYPE_ERROR;
  uint32_t n = get32(b + 36);
  if (ret != KERN_SUCCESS || n > max || size != 40 + ((n + 3) & ~3u)) return MIG_TYPE_ERROR;
  if (n > *outCnt) {
    memcpy(out, b + 40, *outCnt);
    *outCnt = n;
    return MIG_ARRAY_TOO_LARGE;
  }
  memcpy(out, b + 40, n);
  *outCnt = n;
  return KERN_SUCCESS;
}

kern_return_t mach_voucher_extract_attr_content(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_content_t content,
                                                mach_msg_type_number_t *contentCnt) {
  uint32_t w[] = {key};
  return voucher_rpc(voucher, VOUCHER_BASE, w, 1, NULL, 0, content, contentCnt, MAX_CONTENT);
}

kern_return_t mach_voucher_extract_attr_recipe(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_raw_recipe_t recipe,
                                               mach_msg_type_number_t *recipeCnt) {
  uint32_t w[] = {key};
  return voucher_rpc(voucher, VOUCHER_BASE + 1, w, 1, NULL, 0, recipe, recipeCnt, MAX_CONTENT);
}

kern_return_t mach_voucher_extract_all_attr_recipes(ipc_voucher_t voucher, mach_voucher_attr_raw_recipe_array_t recipes,
                                                    mach_msg_type_number_t *recipesCnt) {
  return voucher_rpc(voucher, VOUCHER_BASE + 2, NULL, 0, NULL, 0, recipes, recipesCnt, MAX_RECIPES);
}

kern_return_t mach_voucher_attr_command(ipc_voucher_t voucher, mach_voucher_attr_key_t key, mach_voucher_attr_command_t command,
                                        mach_voucher_attr_content_t in_content, mach_msg_type_number_t in_contentCnt,
                                        mach_voucher_attr_content_t out_content, mach_msg_type_number_t *out_contentCnt) {
  uint32_t w[] = {key, command};
  return voucher_rpc(voucher, VOUCHER_BASE + 3, w, 2, in_content ? in_content : (const uint8_t *)"", in_contentCnt, out_content, out_contentCnt,
                     MAX_CONTENT);
}

kern_return_t mach_voucher_debug_info(ipc_space_t task, mach_port_name_t voucher_name, mach_voucher_attr_raw_recipe_array_t recipes,
                                      mach_msg_type_number_t *recipesCnt) {
  uint32_t w[] = {voucher_name};
  return voucher_rpc(task, VOUCHER_BASE + 4, w, 1, NULL, 0, recipes, recipesCnt, MAX_RECIPES);
}
