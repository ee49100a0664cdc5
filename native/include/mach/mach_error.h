/* libsystem's text for Mach error codes. */
#ifndef _MACH_ERROR_
#define _MACH_ERROR_ 1
#include <mach/error.h>
#include <machipc/cdefs.h>

MACHIPC_BEGIN_DECLS
/* "(os/kern) invalid argument" and the like, as libsystem words them. */
char *mach_error_string(mach_error_t error_value);
/* Prints "str text (0xcode)" on stderr. */
void mach_error(const char *str, mach_error_t error_value);
/* "(os/kern)", "(ipc/send)"...: the system and subsystem of a code. */
char *mach_error_type(mach_error_t error_value);
MACHIPC_END_DECLS
#endif
