/*
 * posix_spawn: on macOS a spawned process's task is made from the parent's
 * (posix_spawn forks the task with ipc_task_init, then execs the image), so
 * the child inherits the bootstrap and other special ports, the task
 * exception ports and the registered ports, exactly as a fork's child does.
 * glibc's posix_spawn clones without running atfork handlers, so the parent
 * side here puts its task token in the child's environment
 * (MACHIPC_SPAWN_PARENT) and the new image's library presents it in FORK
 * instead of saying HELLO. The server makes the task only for a real child
 * of the token's process with the same ids, as for fork. A set-id image
 * (AT_SECURE) says HELLO: its ids are not the parent's, and a fresh task is
 * what exec_handle_sugid's reset comes closest to.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

extern char **environ;

static const char ENV_NAME[] = "MACHIPC_SPAWN_PARENT";

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[], char *const[]);

static int spawn_inheriting(const char *what, pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                            const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, what);
  if (!real) return ENOSYS;
  if (!machipc_have_task()) return real(pid, path, actions, attr, argv, envp);
  char entry[sizeof ENV_NAME + 24];
  snprintf(entry, sizeof entry, "%s=%016" PRIx64, ENV_NAME, machipc_task_token());
  char **env = machipc_env_with(envp ? envp : environ, ENV_NAME, entry);
  if (!env) return ENOMEM;
  int r = real(pid, path, actions, attr, argv, env);
  free(env);
  return r;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr, char *const argv[],
                char *const envp[]) {
  return spawn_inheriting("posix_spawn", pid, path, actions, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr, char *const argv[],
                 char *const envp[]) {
  return spawn_inheriting("posix_spawnp", pid, file, actions, attr, argv, envp);
}

int machipc_spawned_child(void) {
  const char *v = getenv(ENV_NAME);
  if (!v || !*v) return 0;
  char *end;
  errno = 0;
  unsigned long long token = strtoull(v, &end, 16);
  int good = errno == 0 && *end == '\0';
  /* The variable is this image's alone: its own children are spawned afresh. */
  unsetenv(ENV_NAME);
  if (!good || getauxval(AT_SECURE)) return 0;
  machipc_fork_child_of((uint64_t)token);
  return 1;
}
