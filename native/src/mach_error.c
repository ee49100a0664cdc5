/*
 * mach_error_string, mach_error_type and mach_error: libsystem's lookup of a
 * code's system / subsystem / code in its tables, with the old codes moved to
 * their systems first. The tables are src/abi/mach_error_text.ts rendered.
 */
#include "internal.h"

#include <stdio.h>

struct error_subsystem {
  const char *name;
  int max_code;
  const char *const *codes;
};

struct error_system {
  int system;
  int max_sub;
  const char *bad_sub;
  const struct error_subsystem *subsystems;
};

#include "mach_error_text.inc"

enum { SEND_MOD = (3 << 26) | (0 << 14), RCV_MOD = (3 << 26) | (1 << 14), MIG_MOD = (4 << 26) | (2 << 14) };
enum { NETNAME_MOD = (2 << 26) | (0 << 14), ENV_MOD = (2 << 26) | (1 << 14), EXECD_MOD = (2 << 26) | (2 << 14) };

static mach_error_t compat(mach_error_t err) {
  if (-200 < err && err <= -100) return -(err + 100) | SEND_MOD;
  if (-300 < err && err <= -200) return -(err + 200) | RCV_MOD;
  if (-400 < err && err <= -300) return -(err + 300) | MIG_MOD;
  if (1000 <= err && err < 1100) return (err - 1000) | NETNAME_MOD;
  if (1600 <= err && err < 1700) return (err - 1600) | ENV_MOD;
  if (27600 <= err && err < 27700) return (err - 27600) | EXECD_MOD;
  return err;
}

static const struct error_system *system_of(int system) {
  for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++)
    if (systems[i].system == system) return &systems[i];
  return NULL;
}

/* The text of a code; *diag says whether mach_error should add the type and number (every miss). */
static const char *lookup(mach_error_t err, int *diag) {
  err = compat(err);
  int system = err_get_system(err), sub = err_get_sub(err), code = err_get_code(err);
  *diag = 1;
  const struct error_system *s = system_of(system);
  if (!s) return NULL;
  if (sub >= s->max_sub) return s->bad_sub;
  const struct error_subsystem *sp = &s->subsystems[sub];
  if (code >= sp->max_code) return "unknown error code";
  *diag = 0;
  return sp->codes[code];
}

char *mach_error_string(mach_error_t err) {
  int diag;
  return (char *)lookup(err, &diag);
}

char *mach_error_type(mach_error_t err) {
  err = compat(err);
  const struct error_system *s = system_of(err_get_system(err));
  int sub = err_get_sub(err);
  if (!s || sub >= s->max_sub) return (char *)"(?/?)";
  return (char *)s->subsystems[sub].name;
}

void mach_error(const char *str, mach_error_t err) {
  int diag;
  const char *text = lookup(err, &diag);
  const char *type = mach_error_type(err);
  if (diag)
    fprintf(stderr, "%s %s %s (%x)\n", str, type ? type : "(null)", text ? text : "(null)", (unsigned)err);
  else
    fprintf(stderr, "%s %s\n", str, text);
}
