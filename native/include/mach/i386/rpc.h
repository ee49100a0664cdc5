/* Nothing i386-specific for the old RPC types. */
#ifndef _MACH_I386_RPC_H_
#define _MACH_I386_RPC_H_
#endif
