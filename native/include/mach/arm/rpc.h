/* Nothing arm-specific for the old RPC types. */
#ifndef _MACH_ARM_RPC_H_
#define _MACH_ARM_RPC_H_
#endif
