/* MIG's return codes (values from src/abi) and the error reply every MIG server can send. */
#ifndef _MACH_MIG_ERRORS_H_
#define _MACH_MIG_ERRORS_H_
#include <mach/mig.h>
#include <mach/ndr.h>
#include <mach/message.h>
#include <mach/kern_return.h>

#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
} mig_reply_error_t;
#pragma pack(pop)

/* Both machines machipc serves share one data representation, so there is nothing to convert. */
#define __NDR_convert__mig_reply_error_t__defined
static __inline__ void __NDR_convert__mig_reply_error_t(mig_reply_error_t *x) { (void)x; }
#endif
