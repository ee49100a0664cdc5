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

#include <errno.h>
#include <fcntl.h>
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
  /* A slot an ended thread's connection left (-1) is taken first, so threads coming and going stay within the bound. */
  int n = atomic_load(&g_nfds);
  for (int i = 0; i < n && i < MAX_TRACKED; i++) {
    int freed = -1;
    if (__atomic_compare_exchange_n(&g_fds[i], &freed, fd, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
  }
  int i = atomic_fetch_add(&g_nfds, 1);
  /* Past the bound a fork's child merely keeps an extra copy open: nothing breaks. */
  if (i < MAX_TRACKED) g_fds[i] = fd;
}

void machipc_untrack_fd(int fd) {
  int n = atomic_load(&g_nfds);
  for (int i = 0; i < n && i < MAX_TRACKED; i++)
    if (__atomic_load_n(&g_fds[i], __ATOMIC_SEQ_CST) == fd) __atomic_store_n(&g_fds[i], -1, __ATOMIC_SEQ_CST);
}

void machipc_fork_child_of(uint64_t parent_token) {
  g_parent_token = parent_token;
  g_forked = 1;
}

int machipc_fork_parent(uint64_t *token) {
  *token = g_parent_token;
  return g_forked;
}

/*
 * The lock is held across fork so the child's copy of the library's state is consistent. A task's
 * fork returns in the parent only once the child is a task (XNU's fork1 makes the child's task
 * before it returns), so the parent's next task_for_pid of the child finds it: the child says so
 * on a pipe once its FORK is answered, or by dying.
 */
static int g_fork_pipe[2] = {-1, -1};
static void before_fork(void) {
  pthread_mutex_lock(&machipc_lock);
  if (!machipc_have_task() || pipe2(g_fork_pipe, O_CLOEXEC) != 0) g_fork_pipe[0] = g_fork_pipe[1] = -1;
}
static void in_parent(void) {
  int rd = g_fork_pipe[0], wr = g_fork_pipe[1];
  g_fork_pipe[0] = g_fork_pipe[1] = -1;
  pthread_mutex_unlock(&machipc_lock);
  if (rd < 0) return;
  close(wr);
  char c;
  while (read(rd, &c, 1) < 0 && errno == EINTR) {}
  close(rd);
}

static void in_child(void) {
  int had = machipc_have_task();
  int told = g_fork_pipe[1];
  if (g_fork_pipe[0] >= 0) close(g_fork_pipe[0]);
  g_fork_pipe[0] = g_fork_pipe[1] = -1;
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
  if (told >= 0) {
    while (write(told, "", 1) < 0 && errno == EINTR) {}
    close(told);
  }
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
