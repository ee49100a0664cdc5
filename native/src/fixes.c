/*
 * Which of xnu-3248's bugs libmachipc reproduces on its own side (docs/xnu-bugs.md): all of them,
 * unless MACHIPC_FIXES asks for the later behaviour, as `machipc serve --fixes` does for the
 * kernel's. MACHIPC_FIXES is "1" or "all" for every fix, else a comma-separated list of names.
 */
#include "internal.h"

#include <stdlib.h>

int machipc_fix(const char *name) {
  const char *v = getenv("MACHIPC_FIXES");
  if (!v || !*v) return 0;
  if (strcmp(v, "1") == 0 || strcmp(v, "all") == 0) return 1;
  size_t n = strlen(name);
  for (const char *p = v; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}
