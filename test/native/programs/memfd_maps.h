/*
 * Whether an address lies in a machipc OOL memfd's mapping, read from /proc/self/maps (the
 * programs that check a region came by descriptor rather than as copied bytes).
 */
#ifndef MACHIPC_TEST_MEMFD_MAPS_H
#define MACHIPC_TEST_MEMFD_MAPS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Whether [p, p+1) lies in a mapping of a machipc memfd (/proc/self/maps names it "memfd:machipc-ool"):
 * 1 (its inode in *ino when asked), -1 another mapping, 0 none.
 */
static int memfd_mapped_ino(const void *p, unsigned long *ino) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  uintptr_t a = (uintptr_t)p;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi, inode = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &inode) >= 2 && a >= lo && a < hi) {
      found = strstr(line, "memfd:machipc-ool") != NULL ? 1 : -1;
      if (ino) *ino = found == 1 ? inode : 0;
      break;
    }
  }
  if (f) fclose(f);
  return found;
}

#endif
