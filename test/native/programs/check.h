/*
 * The native test programs' one check: a line per check, "ok" or "FAIL" with
 * the code's text, and a count of failures for main's exit status. Flushed at
 * once, so a program that dies midway still shows how far it got.
 */
#ifndef MACHIPC_TEST_CHECK_H
#define MACHIPC_TEST_CHECK_H

#include <mach/mach_error.h>
#include <stdio.h>

static int failures;

static void check(const char *what, int ok, kern_return_t kr) {
  if (ok)
    printf("ok %s\n", what);
  else {
    printf("FAIL %s: %s (0x%x)\n", what, mach_error_string(kr), kr);
    failures++;
  }
  fflush(stdout);
}

#endif
