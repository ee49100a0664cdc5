/* The VM calls on a task. */
#include <mach/vm_map.h>
