/* macOS spelling of a Mach header: everything is in machipc/mach.h. */
#include <machipc/mach.h>
