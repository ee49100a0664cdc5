/*
 * exec: on macOS a process keeps its task, its space and every right in it
 * across exec (kern_exec.c reuses the task), which is how a launcher hands
 * ports to the program it runs. Here the task is the server's side of a
 * connection, so that connection must outlive the image: the exec functions
 * keep the calling thread's connection open across the exec (its close-on-exec
 * flag cleared, its number in MACHIPC_TASK_FD) and the new image's library
 * adopts it (ADOPT) before anything else. Every other connection closes at
 * exec, so the task's other threads end, as exec ends them. A set-id image
 * says so (AT_SECURE) and the server resets the task's ports as
 * exec_handle_sugid does; if the exec fails, nothing has changed.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char ENV_NAME[] = "MACHIPC_TASK_FD";

/* The connection to keep: this thread's (made now if the process has a task), or -1. */
static int keep_connection(void) {
  if (!machipc_have_task() || machipc_connect_thread() < 0) return -1;
  int fd = machipc_thread_fd();
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return -1;
  return fd;
}

static void keep_undone(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

char **machipc_env_with(char *const envp[], const char *name, char *entry) {
  size_t nl = strlen(name), count = 0;
  while (envp && envp[count]) count++;
  char **out = malloc((count + 2) * sizeof *out);
  if (!out) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < count; i++)
    if (strncmp(envp[i], name, nl) != 0 || envp[i][nl] != '=') out[k++] = envp[i];
  out[k++] = entry;
  out[k] = NULL;
  return out;
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

/* Run the real exec `fn` with the connection kept; on failure everything is as it was. */
static int exec_keeping(execve_fn fn, const char *what, const char *path, char *const argv[], char *const envp[]) {
  execve_fn real = fn ? fn : (execve_fn)dlsym(RTLD_NEXT, what);
  if (!real) {
    errno = ENOSYS;
    return -1;
  }
  int fd = keep_connection();
  if (fd < 0) return real(path, argv, envp);
  char entry[sizeof ENV_NAME + 16];
  snprintf(entry, sizeof entry, "%s=%d", ENV_NAME, fd);
  char **env = machipc_env_with(envp, ENV_NAME, entry);
  if (!env) {
    keep_undone(fd);
    errno = ENOMEM;
    return -1;
  }
  int r = real(path, argv, env);
  int e = errno;
  free(env);
  keep_undone(fd);
  errno = e;
  return r;
}

int execve(const char *path, char *const argv[], char *const envp[]) { return exec_keeping(NULL, "execve", path, argv, envp); }
int execv(const char *path, char *const argv[]) { return exec_keeping(NULL, "execve", path, argv, environ); }
int execvpe(const char *file, char *const argv[], char *const envp[]) { return exec_keeping(NULL, "execvpe", file, argv, envp); }
int execvp(const char *file, char *const argv[]) { return exec_keeping(NULL, "execvpe", file, argv, environ); }

/* execl and friends: the variadic list as an argv (and for execle, the envp after its NULL). */
#define COLLECT_ARGS(arg0, ap, argv, envp_out)            \
  size_t argc_ = 1;                                       \
  va_start(ap, arg0);                                     \
  while (va_arg(ap, const char *)) argc_++;               \
  va_end(ap);                                             \
  const char *argv[argc_ + 1];                            \
  argv[0] = arg0;                                         \
  va_start(ap, arg0);                                     \
  for (size_t i_ = 1; i_ <= argc_; i_++) argv[i_] = va_arg(ap, const char *); \
  envp_out;                                               \
  va_end(ap)

int execl(const char *path, const char *arg, ...) {
  va_list ap;
  COLLECT_ARGS(arg, ap, argv, (void)0);
  return execv(path, (char *const *)argv);
}

int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  COLLECT_ARGS(arg, ap, argv, (void)0);
  return execvp(file, (char *const *)argv);
}

int execle(const char *path, const char *arg, ...) {
  va_list ap;
  char *const *envp;
  COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char *const *));
  return execve(path, (char *const *)argv, envp);
}

int machipc_exec_adopt(void) {
  const char *v = getenv(ENV_NAME);
  if (!v || !*v) return -1;
  char *end;
  long fd = strtol(v, &end, 10);
  /* The variable is this image's alone: its own children start afresh. */
  unsetenv(ENV_NAME);
  struct stat st;
  if (*end || fd < 0 || fd > 1 << 20 || fstat((int)fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return -1;
  fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  char name[64];
  snprintf(name, sizeof name, "c:%d", (int)getpid());
  size_t nl = strlen(name);
  unsigned char payload[24 + 64];
  put32(payload, (uint32_t)geteuid());
  put32(payload + 4, (uint32_t)getegid());
  put32(payload + 8, (uint32_t)getpid());
  put32(payload + 12, (uint32_t)getauxval(AT_SECURE));
  put32(payload + 16, (uint32_t)nl);
  put32(payload + 20, machipc_gettid());
  memcpy(payload + 24, name, nl);
  struct part p[1] = {{payload, 24 + nl}};
  uint32_t len = 0;
  unsigned char *r = machipc_send_frame((int)fd, OP_ADOPT, 0, p, 1) == 0 ? machipc_recv_result((int)fd, &len) : NULL;
  /* Success: the pid, and the task token and thread id as extra bytes. */
  uint64_t at = r && len >= 16 ? 16 + ((get32(r + 4) + 3) & ~(uint64_t)3) : 0;
  if (!r || len < 16 || get32(r + 12) < 12 || at + 12 > len || get32(r) != (uint32_t)getpid()) {
    free(r);
    close((int)fd);
    return -1;
  }
  machipc_set_task(get64(r + at), get32(r));
  machipc_set_thread_connection((int)fd, get32(r + at + 8));
  free(r);
  machipc_track_fd((int)fd);
  machipc_thread_started();
  machipc_task_started();
  return 0;
}
