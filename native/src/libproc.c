/*
 * libproc's calls that Mach tools make (lsmp names each task's process with proc_name): a
 * process's name is what the served kernel calls its task (so launchd is launchd, pid 1, as
 * task_for_pid(1) finds it), else this machine's; its path and the pid list are this machine's,
 * with the kernel's tasks among them. Answers follow Libc's libproc.c: proc_name copies at most
 * 2 * MAXCOMLEN characters and returns their count, 0 when there is no such process.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libproc.h>
#include <stdio.h>
#include <stdlib.h>

/* The longest name a BSD process has (pbi_name: 2 * MAXCOMLEN). */
enum { NAME_MAX_CHARS = 32 };
/* ADMIN's command for a task's name by pid (src/server/protocol.ts's ADMIN_PROC_NAME). */
enum { ADMIN_PROC_NAME = 7 };

/* The served kernel's name for pid's task into out (NUL-terminated); 0 when it has none. */
static int kernel_name(int pid, char *out, size_t size) {
  if (pid < 0 || machipc_connect_quietly() < 0) return 0;
  unsigned char a[8];
  put32(a, ADMIN_PROC_NAME);
  put32(a + 4, (uint32_t)pid);
  struct part p[1] = {{a, sizeof a}};
  if (machipc_send_frame(machipc_thread_fd(), OP_ADMIN, machipc_next_seq(), p, 1) < 0) return 0;
  uint32_t len = 0;
  unsigned char *r = machipc_recv_result(machipc_thread_fd(), &len);
  if (!r) return 0;
  /* The answer is JSON: {"name":"..."} or {}. Only \" and \\ can appear escaped in a task's name that matters here. */
  uint64_t at = 16 + (((uint64_t)get32(r + 4) + 3) & ~(uint64_t)3);
  uint32_t n = len >= 16 ? get32(r + 12) : 0;
  int got = 0;
  if (at + n <= len) {
    const char *t = (const char *)r + at, *end = t + n;
    const char *key = memmem(t, n, "\"name\":\"", 8);
    if (key) {
      size_t o = 0;
      for (const char *c = key + 8; c < end && *c != '"' && o + 1 < size; c++) {
        if (*c == '\\' && c + 1 < end) c++;
        out[o++] = *c;
      }
      out[o] = 0;
      got = 1;
    }
  }
  free(r);
  return got;
}

static int local_comm(int pid, char *out, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(out, 1, size - 1, f);
  fclose(f);
  while (n > 0 && out[n - 1] == '\n') n--;
  out[n] = 0;
  return n > 0;
}

int proc_name(int pid, void *buffer, uint32_t buffersize) {
  char name[NAME_MAX_CHARS + 1];
  if (!kernel_name(pid, name, sizeof name) && !local_comm(pid, name, sizeof name)) return 0;
  if (!buffer || buffersize == 0) return 0;
  size_t n = strlen(name);
  if (n >= buffersize) n = buffersize - 1;
  memcpy(buffer, name, n);
  ((char *)buffer)[n] = 0;
  return (int)n;
}

int proc_pidpath(int pid, void *buffer, uint32_t buffersize) {
  if (!buffer || buffersize < PROC_PIDPATHINFO_SIZE) return errno = ENOMEM, 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  ssize_t n = readlink(path, buffer, buffersize - 1);
  if (n <= 0) return errno = ESRCH, 0;
  ((char *)buffer)[n] = 0;
  return (int)n;
}

/* /proc/PID/stat's fields after the name: state, ppid, pgrp, session, tty_nr. */
static int stat_fields(int pid, long *ppid, long *pgrp, long *tty) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *c = strrchr(buf, ')');
  long session;
  char state;
  return c && sscanf(c + 1, " %c %ld %ld %ld %ld", &state, ppid, pgrp, &session, tty) == 5;
}

static int uid_of(int pid, int real, uid_t *uid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  int ok = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long r, e;
    if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
      *uid = (uid_t)(real ? r : e);
      ok = 1;
      break;
    }
  }
  fclose(f);
  return ok;
}

static int matches(int pid, uint32_t type, uint32_t info) {
  long ppid = 0, pgrp = 0, tty = 0;
  uid_t uid;
  switch (type) {
  case PROC_ALL_PIDS: return 1;
  case PROC_PGRP_ONLY: return stat_fields(pid, &ppid, &pgrp, &tty) && pgrp == (long)info;
  case PROC_TTY_ONLY: return stat_fields(pid, &ppid, &pgrp, &tty) && tty == (long)info;
  case PROC_PPID_ONLY: return stat_fields(pid, &ppid, &pgrp, &tty) && ppid == (long)info;
  case PROC_UID_ONLY: return uid_of(pid, 0, &uid) && uid == info;
  case PROC_RUID_ONLY: return uid_of(pid, 1, &uid) && uid == info;
  }
  return 0;
}

/* Bytes of pids written (or, with no buffer, about how many are needed), as the kernel's listpids answers. */
int proc_listpids(uint32_t type, uint32_t typeinfo, void *buffer, int buffersize) {
  if (type < PROC_ALL_PIDS || type > PROC_PPID_ONLY) return errno = EINVAL, -1;
  DIR *d = opendir("/proc");
  if (!d) return -1;
  int count = 0, room = buffer && buffersize > 0 ? buffersize / (int)sizeof(int) : 0;
  /* kernel_task, pid 0, is always there (type ALL only: it has no uid, tty or parent of its own). */
  if (type == PROC_ALL_PIDS && (!buffer || room > 0)) {
    if (buffer) ((int *)buffer)[0] = 0;
    count++;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    int pid = atoi(e->d_name);
    if (!matches(pid, type, typeinfo)) continue;
    if (buffer && count >= room) break;
    if (buffer) ((int *)buffer)[count] = pid;
    count++;
  }
  closedir(d);
  /* With no buffer: room for the processes there are, and some that may start meanwhile. */
  return buffer ? count * (int)sizeof(int) : (count + 20) * (int)sizeof(int);
}

int proc_listallpids(void *buffer, int buffersize) {
  int n = proc_listpids(PROC_ALL_PIDS, 0, buffer, buffersize);
  return n < 0 ? n : n / (int)sizeof(int);
}
