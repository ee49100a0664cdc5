/*
 * Darwin's <libproc.h>, the calls Mach tools make of it (lsmp names each task's process): a
 * process's name as the kernel knows it, its executable's path, and the pids there are. The
 * headers it brings in (stdbool, stdint, unistd, sys/param.h's MIN and MAX) are the SDK's.
 */
#ifndef _LIBPROC_H_
#define _LIBPROC_H_
#include <stdbool.h>
#include <stdint.h>
#include <sys/param.h>
#include <sys/types.h>
#include <unistd.h>
#include <machipc/cdefs.h>

#define PROC_ALL_PIDS 1
#define PROC_PGRP_ONLY 2
#define PROC_TTY_ONLY 3
#define PROC_UID_ONLY 4
#define PROC_RUID_ONLY 5
#define PROC_PPID_ONLY 6

#define PROC_PIDPATHINFO_SIZE (MAXPATHLEN)
#define PROC_PIDPATHINFO_MAXSIZE (4 * MAXPATHLEN)

MACHIPC_BEGIN_DECLS
/* The process's name (what the kernel calls its task); its length, 0 when there is no such process. */
int proc_name(int pid, void *buffer, uint32_t buffersize);
/* The process's executable; its length, 0 (errno set) when unknown. */
int proc_pidpath(int pid, void *buffer, uint32_t buffersize);
/* The pids of every process (each a task of the served kernel or a process of this machine), as many as fit; how many there are. */
int proc_listallpids(void *buffer, int buffersize);
int proc_listpids(uint32_t type, uint32_t typeinfo, void *buffer, int buffersize);
MACHIPC_END_DECLS

#endif
