/*
 * Out-of-line memory the server handed this process: malloc'd copies, kept on
 * a list so that vm_deallocate frees exactly what a receive delivered.
 */
#include "internal.h"

#include <stdlib.h>

struct alloc {
  void *p;
  struct alloc *next;
};
static struct alloc *g_allocs;

void *machipc_remember(const void *data, size_t n) {
  void *p = malloc(n ? n : 1);
  struct alloc *a = malloc(sizeof *a);
  if (!p || !a) {
    free(p);
    free(a);
    return NULL;
  }
  memcpy(p, data, n);
  a->p = p;
  pthread_mutex_lock(&machipc_lock);
  a->next = g_allocs;
  g_allocs = a;
  pthread_mutex_unlock(&machipc_lock);
  return p;
}

kern_return_t vm_deallocate(task_t target_task, vm_address_t address, vm_size_t size) {
  (void)target_task;
  (void)size;
  pthread_mutex_lock(&machipc_lock);
  for (struct alloc **pp = &g_allocs; *pp; pp = &(*pp)->next) {
    if ((vm_address_t)(*pp)->p == address) {
      struct alloc *a = *pp;
      *pp = a->next;
      pthread_mutex_unlock(&machipc_lock);
      free(a->p);
      free(a);
      return KERN_SUCCESS;
    }
  }
  pthread_mutex_unlock(&machipc_lock);
  return KERN_SUCCESS;
}
