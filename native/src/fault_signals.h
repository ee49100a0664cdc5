/* The fault signals' dispositions as the program sets them (fault_signals.c), for faults.c. */
#ifndef MACHIPC_FAULT_SIGNALS_H
#define MACHIPC_FAULT_SIGNALS_H
#include <signal.h>

/* libc's own sigaction, past the interposed one. */
int machipc_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* From now on the program's sigaction and signal for the fault signals are kept apart. */
void machipc_fault_signals_take(void);
/* An exception ended in signal `sig`: the program's handler runs on the faulting context `uc`, or the process dies of it. */
void machipc_fault_signal(int sig, const siginfo_t *si, void *uc);

#endif
