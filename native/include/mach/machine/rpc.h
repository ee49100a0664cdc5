/* The rpc.h of the machine the program is built for. */
#ifndef _MACH_MACHINE_RPC_H_
#define _MACH_MACHINE_RPC_H_
#include <machipc/cdefs.h>
#if MACHIPC_ARCH_X86
#include <mach/i386/rpc.h>
#else
#include <mach/arm/rpc.h>
#endif
#endif
