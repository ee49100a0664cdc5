/*
 * The C types job.defs' user stubs (native/src/gen/job.h) are declared with,
 * as liblaunch's own headers give them: the job port as the stubs take it,
 * and a uuid as 16 bytes. Private to libmachipc.
 */
#ifndef MACHIPC_JOB_TYPES_H
#define MACHIPC_JOB_TYPES_H

#include <mach/mach_types.h>
#include <servers/bootstrap.h>

typedef mach_port_t vproc_mig_t;
typedef unsigned char uuid_t[16];

#endif
