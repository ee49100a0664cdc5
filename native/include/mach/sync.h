/* Semaphores (and, on macOS, lock sets). */
#include <mach/semaphore.h>
