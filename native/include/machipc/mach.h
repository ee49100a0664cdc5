/*
 * libmachipc: the Mach calls a C program makes, served by a machipc server.
 * The <mach/...> headers are laid out as the OS X 10.11 SDK's, with its
 * types, layouts and values (the values from src/abi, in constants.h); this
 * header includes them all.
 */
#ifndef MACHIPC_MACH_H
#define MACHIPC_MACH_H

#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mach_time.h>
#include <mach/mach_vm.h>
#include <mach/notify.h>
#include <machipc/cdefs.h>

#endif
