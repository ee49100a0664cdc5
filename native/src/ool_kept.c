/*
 * Received regions that came as sealed memfds keep their descriptor while
 * they stay mapped, so that a region handed on unchanged (a server answering
 * with the region it was given, a pipeline stage passing it along) goes on as
 * the same memfd: no copy, no new memfd, no pages allocated and freed. A
 * sealed memfd cannot change, and the receiver's mapping is private, so the
 * memfd still holds the bytes as they were received; whether the mapping
 * still shows exactly them is asked of the kernel at each send:
 *  - PROCMAP_QUERY (Linux 6.11): the mapping at the region's address is one
 *    readable private mapping, exactly the region's pages, of this memfd's
 *    inode at offset 0 (so nothing was unmapped, moved, protected or mapped
 *    over since);
 *  - /proc/self/pagemap: none of its pages was written (a written page of a
 *    private file mapping is an anonymous copy: present or swapped, and not
 *    the file's).
 * Any doubt (an older kernel, a written page, a guard page) and the region is
 * copied into a new memfd as before, and the memfd is let go (it would not
 * pass again). At most KEPT_MAX descriptors and KEPT_BYTES_MAX bytes are kept
 * per process (the oldest is let go past them: its region just loses the
 * shortcut), and each is closed when its region is deallocated.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef PROCMAP_QUERY
/* linux/fs.h of 6.11; older headers lack it, and an older kernel answers ENOTTY. */
struct procmap_query {
  uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
  uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
  uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE 0x01
#define PROCMAP_QUERY_VMA_SHARED 0x08
#endif

enum { KEPT_MAX = 64, PAGEMAP_BATCH = 512 };
/* One frame's largest region (OOL_FD_MAX_BYTES). */
#define KEPT_BYTES_MAX (64ull * 1024 * 1024)
/* /proc/self/pagemap's bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)
#define PM_GUARD (1ull << 58)

struct kept {
  uint64_t start, end; /* the mapping's pages; 0, 0 once let go (closed when no send uses it) */
  size_t size;         /* the memfd's bytes (the region's size as it came) */
  int fd;              /* -1: a free slot */
  int busy;            /* sends passing fd now: it is closed after the last */
  uint64_t age;        /* the order they came, so that the one let go past KEPT_MAX is the oldest */
  uint64_t ino, dev;   /* the memfd's, once asked (ino 0: not yet) */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept g_kept[KEPT_MAX] = {[0 ... KEPT_MAX - 1] = {.fd = -1}};
static uint64_t g_age;
/* /proc/self/maps and /proc/self/pagemap, opened on first use (-1); -2: not available, no shortcut. */
static int g_maps = -1, g_pagemap = -1;
/* The kernel does not answer PROCMAP_QUERY (before 6.11): every region is copied. */
static volatile int g_no_query;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

static void lock_before_fork(void) { pthread_mutex_lock(&g_lock); }
static void unlock_after_fork(void) { pthread_mutex_unlock(&g_lock); }
static void register_atfork(void) { pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork); }

/* Called with the lock held: slot i's region is gone; its descriptor is closed now, or after the sends passing it. */
static void let_go(int i) {
  struct kept *k = &g_kept[i];
  k->start = k->end = 0;
  if (k->busy > 0) return;
  close(k->fd);
  k->fd = -1;
}

void machipc_ool_forget(uint64_t start, uint64_t end) {
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < KEPT_MAX; i++)
    if (g_kept[i].fd >= 0 && g_kept[i].start < end && start < g_kept[i].end) let_go(i);
  pthread_mutex_unlock(&g_lock);
}

/* Called with the lock held: the kept bytes, and the oldest slot no send is using (-1: none). */
static uint64_t kept_bytes(int *oldest) {
  uint64_t total = 0;
  *oldest = -1;
  for (int i = 0; i < KEPT_MAX; i++) {
    struct kept *k = &g_kept[i];
    if (k->fd < 0) continue;
    total += k->size;
    if (k->busy == 0 && k->end != 0 && (*oldest < 0 || k->age < g_kept[*oldest].age)) *oldest = i;
  }
  return total;
}

void machipc_ool_keep(void *addr, size_t n, int fd) {
  pthread_once(&g_atfork_once, register_atfork);
  uint64_t start = (uint64_t)(uintptr_t)addr, end = start + ((n + vm_page_mask) & ~(uint64_t)vm_page_mask);
  pthread_mutex_lock(&g_lock);
  /* What was kept for these pages is stale: the kernel gave them out again, so they had been unmapped. */
  for (int i = 0; i < KEPT_MAX; i++)
    if (g_kept[i].fd >= 0 && g_kept[i].start < end && start < g_kept[i].end) let_go(i);
  /*
   * Room: a free slot and, with this one, at most KEPT_BYTES_MAX kept. A mapping holds its file
   * anyway, so a kept descriptor costs nothing while its region is mapped; the bound is for those
   * whose region went by munmap rather than vm_deallocate, whose memfds it alone still holds.
   */
  int slot = -1, oldest;
  for (;;) {
    uint64_t total = kept_bytes(&oldest);
    slot = -1;
    for (int i = 0; i < KEPT_MAX && slot < 0; i++)
      if (g_kept[i].fd < 0) slot = i;
    if (slot >= 0 && total + n <= KEPT_BYTES_MAX) break;
    if (oldest < 0) {
      slot = -1;
      break;
    }
    let_go(oldest);
  }
  if (slot >= 0) g_kept[slot] = (struct kept){start, end, n, fd, 0, ++g_age, 0, 0};
  else close(fd);
  pthread_mutex_unlock(&g_lock);
}

/* Called with the lock held. */
static int proc_fd(int *slot, const char *path) {
  if (*slot == -1) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *slot = fd >= 0 ? fd : -2;
  }
  return *slot;
}

/* Whether [start, end) is still exactly a private, readable, unwritten mapping of the memfd (ino, dev) at offset 0. */
static int unchanged(uint64_t start, uint64_t end, uint64_t ino, uint64_t dev, int maps, int pagemap) {
  struct procmap_query q;
  memset(&q, 0, sizeof q);
  q.size = sizeof q;
  q.query_addr = start;
  if (ioctl(maps, PROCMAP_QUERY, &q) != 0) {
    if (errno == ENOTTY || errno == EINVAL) g_no_query = 1;
    return 0;
  }
  if (q.vma_start != start || q.vma_end != end || q.vma_offset != 0 || q.inode != ino || (uint64_t)makedev(q.dev_major, q.dev_minor) != dev ||
      !(q.vma_flags & PROCMAP_QUERY_VMA_READABLE) || (q.vma_flags & PROCMAP_QUERY_VMA_SHARED))
    return 0;
  uint64_t pm[PAGEMAP_BATCH];
  uint64_t page = vm_page_size;
  for (uint64_t a = start; a < end;) {
    uint64_t k = (end - a) / page;
    if (k > PAGEMAP_BATCH) k = PAGEMAP_BATCH;
    ssize_t r = pread(pagemap, pm, k * 8, (off_t)(a / page * 8));
    if (r != (ssize_t)(k * 8)) return 0;
    for (uint64_t i = 0; i < k; i++)
      if ((pm[i] & PM_GUARD) || ((pm[i] & (PM_PRESENT | PM_SWAPPED)) && !(pm[i] & PM_FILE))) return 0;
    a += k * page;
  }
  return 1;
}

int machipc_ool_reuse(const void *addr, size_t n, int *slot) {
  uint64_t start = (uint64_t)(uintptr_t)addr;
  *slot = -1;
  if ((start & vm_page_mask) || g_no_query) return -1;
  uint64_t end = start + ((n + vm_page_mask) & ~(uint64_t)vm_page_mask);
  int i = 0, maps = -2, pagemap = -2;
  pthread_mutex_lock(&g_lock);
  /* The whole mapping, and no more of it than the memfd holds (the server checks the memfd is that big). */
  while (i < KEPT_MAX && (g_kept[i].fd < 0 || g_kept[i].start != start || g_kept[i].end != end || n > g_kept[i].size)) i++;
  if (i < KEPT_MAX) {
    maps = proc_fd(&g_maps, "/proc/self/maps");
    pagemap = maps >= 0 ? proc_fd(&g_pagemap, "/proc/self/pagemap") : -2;
  }
  struct stat st;
  /* Busy: the descriptor stays open through this send, whatever another thread deallocates meanwhile. */
  int ok = i < KEPT_MAX && pagemap >= 0 && (g_kept[i].ino != 0 || fstat(g_kept[i].fd, &st) == 0);
  if (ok && g_kept[i].ino == 0) g_kept[i].ino = st.st_ino, g_kept[i].dev = st.st_dev;
  if (ok) g_kept[i].busy++;
  struct kept k = ok ? g_kept[i] : (struct kept){0};
  pthread_mutex_unlock(&g_lock);
  if (!ok) return -1;
  if (!unchanged(start, end, k.ino, k.dev, maps, pagemap)) {
    /* Written, mapped over or unmapped: it would not pass again. */
    pthread_mutex_lock(&g_lock);
    if (g_kept[i].fd == k.fd && g_kept[i].start == start) g_kept[i].start = g_kept[i].end = 0;
    pthread_mutex_unlock(&g_lock);
    machipc_ool_reuse_done(i);
    return -1;
  }
  *slot = i;
  return k.fd;
}

void machipc_ool_reuse_done(int slot) {
  pthread_mutex_lock(&g_lock);
  struct kept *k = &g_kept[slot];
  if (--k->busy == 0 && k->end == 0) let_go(slot);
  pthread_mutex_unlock(&g_lock);
}

void machipc_ool_kept_forked(void) {
  /* The parent's /proc/self files describe the parent's memory; the descriptors kept are the child's too (its pages are copies of the same). */
  if (g_maps >= 0) close(g_maps);
  if (g_pagemap >= 0) close(g_pagemap);
  g_maps = g_pagemap = -1;
  /* The sends that had a descriptor lent were other threads', which the child does not have. */
  for (int i = 0; i < KEPT_MAX; i++) {
    g_kept[i].busy = 0;
    if (g_kept[i].fd >= 0 && g_kept[i].end == 0) let_go(i);
  }
}
