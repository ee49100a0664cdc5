/*
 * fork: a child process is a new task. XNU's fork makes the child's task
 * with ipc_task_init from the parent's (a fresh space that inherits the host,
 * bootstrap and other special ports, the exception ports and the registered
 * ports); here the child's first act, in the atfork handler, is to connect
 * and present its parent's token (FORK), and the server makes that task.
 * Nothing of the parent's connections is the child's: it closes its copies
 * (so the parent's task still dies with the parent) and forgets the names it
 * had cached (the self port, the MIG reply port).
 *
 * Every process is a task from the start, as on macOS: when a server is
 * there, the library connects at load time, so bootstrap_port and the fault
 * handlers work before the program's first Mach call.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Connections a process holds: one per thread that made a call, and the fault handler's. */
enum { MAX_TRACKED = 1024 };
static int g_fds[MAX_TRACKED];
static atomic_int g_nfds;

static uint64_t g_parent_token;
static int g_forked;

/* Lock-free: the fault handler's JOIN records its connection from a signal handler. */
void machipc_track_fd(int fd) {
  int i = atomic_fetch_add(&g_nfds, 1);
  /* Past the bound a fork's child merely keeps an extra copy open: nothing breaks. */
  if (i < MAX_TRACKED) g_fds[i] = fd;
}

void machipc_fork_child_of(uint64_t parent_token) {
  g_parent_token = parent_token;
  g_forked = 1;
}

int machipc_fork_parent(uint64_t *token) {
  *token = g_parent_token;
  return g_forked;
}

/* The lock is held across fork so the child's copy of the library's state is consistent. */
static void before_fork(void) { pthread_mutex_lock(&machipc_lock); }
static void in_parent(void) { pthread_mutex_unlock(&machipc_lock); }

static void in_child(void) {
  int had = machipc_have_task();
  uint64_t token = machipc_task_token();
  int n = atomic_load(&g_nfds);
  for (int i = 0; i < n && i < MAX_TRACKED; i++) close(g_fds[i]);
  atomic_store(&g_nfds, 0);
  pthread_mutex_unlock(&machipc_lock);
  machipc_transport_forked();
  machipc_mig_reply_forked();
  machipc_faults_forked();
  machipc_task_forked();
  if (!had) return;
  g_parent_token = token;
  g_forked = 1;
  /* task_create_internal happens at fork: the child is its own task before it runs on. */
  (void)machipc_connect_thread();
}

/* libsystem's process start: a server that is there is connected to at once. */
static void start_process(void) {
  pthread_atfork(before_fork, in_parent, in_child);
  const char *path = getenv("MACHIPC_SOCKET");
  struct stat st;
  int spawned = !getenv("MACHIPC_TASK_FD") && machipc_spawned_child();
  if (spawned || getenv("MACHIPC_TASK_FD") || (path && *path && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))) (void)machipc_connect_thread();
  /* mach_task_self_ is a variable, as libsystem's: it must name the task before main runs, default server or not. */
  else if ((!path || !*path) && machipc_server_there()) (void)machipc_connect_quietly();
}

__attribute__((constructor(200))) static void machipc_process_init(void) { start_process(); }
