/*
 * libmachipc's private interface between its modules: the wire to the server
 * (frames whose layouts mirror src/server/protocol.ts), the per-thread
 * connection, and the byte helpers. Nothing here is part of the public API.
 */
#ifndef MACHIPC_INTERNAL_H
#define MACHIPC_INTERNAL_H

#include "machipc/mach.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Wire operations and traps, as src/server/protocol.ts numbers them. */
enum { OP_HELLO = 1, OP_JOIN = 2, OP_TRAP = 3, OP_MACH_MSG = 4, OP_ADMIN = 6, OP_TRAP_ARGS = 7, OP_RESULT = 0x80 };
enum { OP_FORK = 8, OP_EXCEPTION = 9, OP_ADOPT = 10, OP_OOL_CHANNEL = 11, OP_OOL_ATTACH = 12 };
enum { TRAP_REPLY_PORT = 26, TRAP_THREAD_SELF = 27, TRAP_TASK_SELF = 28, TRAP_HOST_SELF = 29 };
/* The traps with arguments (TRAP_ARGS), by mach_trap_table number as src/abi/traps.ts lists them. */
enum {
  TRAP_VM_ALLOCATE = 10,
  TRAP_VM_DEALLOCATE = 12,
  TRAP_VM_PROTECT = 14,
  TRAP_VM_MAP = 15,
  TRAP_PORT_ALLOCATE = 16,
  TRAP_PORT_DESTROY = 17,
  TRAP_PORT_DEALLOCATE = 18,
  TRAP_PORT_MOD_REFS = 19,
  TRAP_PORT_MOVE_MEMBER = 20,
  TRAP_PORT_INSERT_RIGHT = 21,
  TRAP_PORT_INSERT_MEMBER = 22,
  TRAP_PORT_EXTRACT_MEMBER = 23,
  TRAP_PORT_CONSTRUCT = 24,
  TRAP_PORT_DESTRUCT = 25,
  TRAP_SEMAPHORE_SIGNAL = 33,
  TRAP_SEMAPHORE_SIGNAL_ALL = 34,
  TRAP_SEMAPHORE_SIGNAL_THREAD = 35,
  TRAP_SEMAPHORE_WAIT = 36,
  TRAP_SEMAPHORE_WAIT_SIGNAL = 37,
  TRAP_SEMAPHORE_TIMEDWAIT = 38,
  TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL = 39,
  TRAP_PORT_GUARD = 41,
  TRAP_PORT_UNGUARD = 42,
  TRAP_TASK_NAME_FOR_PID = 44,
  TRAP_TASK_FOR_PID = 45,
  TRAP_PID_FOR_TASK = 46,
  TRAP_CLOCK_SLEEP = 62,
  TRAP_MK_TIMER_CREATE = 91,
  TRAP_MK_TIMER_DESTROY = 92,
  TRAP_MK_TIMER_ARM = 93,
  TRAP_MK_TIMER_CANCEL = 94,
};

/* What copyout answers for a bad user address (EFAULT), which a trap then returns as its kern_return_t. */
enum { MACHIPC_EFAULT = 14 };
/* A trap's copyout to a caller's pointer: 0 when the address is bad (nothing written, nothing faulted). */
int machipc_copyout(void *dst, const void *src, size_t n);

/* Little-endian loads and stores, as the wire and the Mach ABI lay out integers. */
static inline void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* One piece of a frame's payload; a frame is sent with one writev of all its parts. */
struct part {
  const void *p;
  size_t n;
};

/* Whether MACHIPC_FIXES asks for the later XNU's behaviour where xnu-3248 has bug `name` (fixes.c). */
int machipc_fix(const char *name);

/* Process-wide state shared by the modules (the task token, the allocation list). */
extern pthread_mutex_t machipc_lock;

/* This thread's connection to the server (made on first use), and its frame sequence number. */
int machipc_connect_thread(void);
int machipc_thread_fd(void);
uint32_t machipc_next_seq(void);

/* Send one frame (16-byte header, then the parts). 0 on success, -1 if the connection failed. */
int machipc_send_frame(int fd, uint32_t op, uint32_t seq, const struct part *parts, int nparts);
/* Read one RESULT frame: returns its payload (after the frame header), malloc'd, or NULL. */
unsigned char *machipc_recv_result(int fd, uint32_t *len);
/* The same, read in place when it can be (*owned 0: valid until the thread's next read), else malloc'd (*owned 1). */
const unsigned char *machipc_recv_result_view(int fd, uint32_t *len, int *owned);
/* A TRAP op: the port name it answers, or MACH_PORT_NULL if the server cannot be reached. */
mach_port_t machipc_trap(uint32_t which);

/*
 * Processes (proc.c, exec.c, faults.c): the task and thread this process is in
 * the server, the connections it holds (a fork's child closes its copies), and
 * what another module may set up for the transport.
 */
int machipc_have_task(void);
uint64_t machipc_task_token(void);
/* This thread's Linux thread id, which HELLO, JOIN, FORK and ADOPT carry (async-signal-safe). */
uint32_t machipc_gettid(void);
/* The server's id for this thread (0 before its connection is made): EXCEPTION names a thread by it. */
uint32_t machipc_thread_id(void);
/* The socket path of the last successful connect, for the fault handler (which cannot look it up). */
extern char machipc_server_path[108];
void machipc_track_fd(int fd);
/* A tracked connection is being closed: a fork's child must not close whatever reuses its number. */
void machipc_untrack_fd(int fd);
/* A thread is ending (pthread_np.c): its MIG reply port, its side channel, then its connection (and so its Mach thread) go. */
void machipc_mig_reply_thread_exit(void);
void machipc_ool_thread_exit(void);
void machipc_thread_exit(void);
/* A fork's child: forget the parent's task and connections (the transport's and the MIG reply port's state). */
void machipc_transport_forked(void);
void machipc_mig_reply_forked(void);
void machipc_faults_forked(void);
/* Set this thread's connection (made by the fault handler's JOIN or exec's adoption) and the task. */
void machipc_set_thread_connection(int fd, uint32_t thread_id);
void machipc_set_task(uint64_t token, uint32_t pid);
/* A fork's child: the parent's task token to present in FORK (0 if this process is not one). */
int machipc_fork_parent(uint64_t *token);
/* A new image after exec: carry on the task over the inherited connection; 0 on success. */
int machipc_exec_adopt(void);
/* Present `parent_token` in FORK at this process's first connect (a posix_spawn'd image; spawn.c). */
void machipc_fork_child_of(uint64_t parent_token);
/* A posix_spawn'd image: take the parent's token from the environment; 1 if there was one. */
int machipc_spawned_child(void);
/* A copy of envp (malloc'd array, same strings) with `entry` ("NAME=value") in place of any NAME=; NULL if out of memory. */
char **machipc_env_with(char *const envp[], const char *name, char *entry);
/* A thread's first connection is made: its alternate signal stack for faults (faults.c). */
void machipc_thread_started(void);
/* Whether the server's socket (MACHIPC_SOCKET, else the default path) is there, to connect to at load. */
int machipc_server_there(void);
/* machipc_connect_thread, saying nothing on stderr if it fails. */
int machipc_connect_quietly(void);
/* A fork's child: the parent's mach_task_self_ and bootstrap_port name nothing in the child until it is a task (mach_init.c). */
void machipc_task_forked(void);
/* The task is known (HELLO, FORK or ADOPT answered): libsystem's per-process setup (mach_task_self_, bootstrap_port). */
void machipc_task_started(void);

/*
 * A TRAP_ARGS op: trap `which` with `argc` argument slots; up to `nouts` copied-out slots land in
 * `outs`. Returns the trap's kern_return_t, or MACH_SEND_INVALID_DEST if the server cannot be reached.
 */
kern_return_t machipc_trap_args(uint32_t which, const uint64_t *args, uint32_t argc, uint64_t *outs, uint32_t nouts);

/*
 * Received out-of-line data, placed in fresh pages: at `hint` (where the kernel's vm_map_copyout put
 * it in the task's map) when that range is free, else wherever mmap finds room. vm_deallocate frees
 * exactly those pages. NULL if there is no memory.
 */
void *machipc_map_ool(uint64_t hint, const void *data, size_t n);
/* Names the server at the other end of `fd` this process's ptracer (Yama), so its mach_vm_read / write reach it (ptracer.c). */
void machipc_name_server_ptracer(int fd);

/*
 * OOL regions by file descriptor (ool_fd.c; src/server/protocol.ts has the same numbers): an OOL
 * region header's size with OOL_REGION_BY_FD set carries no bytes, its memfd goes on the side
 * channel; OOL_FDS_MAX descriptors at most per frame; OOL_CHANNEL's nonce is OOL_NONCE_BYTES long.
 */
enum { OOL_NONCE_BYTES = 16, OOL_FDS_MAX = 32 };
#define OOL_REGION_BY_FD 0x80000000u
/* The largest region sent by descriptor: a frame's largest (src/server/protocol.ts's MAX_FRAME). */
#define OOL_FD_MAX_BYTES (64u * 1024 * 1024)
/* Regions of at least this many bytes go by descriptor (MACHIPC_OOL_FD_MIN; 0: never). */
size_t machipc_ool_fd_min(void);
/* This thread's side channel, attached on first use; -1 when there is none. */
int machipc_ool_channel(void);
/* A sealed memfd holding a copy of [data, data+n); -2 when those bytes cannot be read, -1 on any other failure. */
int machipc_ool_memfd(const void *data, size_t n);
/* Pass n descriptors, tagged with a frame's seq; 0 on success. */
int machipc_ool_send_fds(int chan, uint32_t seq, const int *fds, int n);
/* Take the n descriptors tagged `seq` (queued before the RESULT naming them); 0 on success, else none kept. */
int machipc_ool_recv_fds(int chan, uint32_t seq, int *fds, int n);
/* Map a received region's memfd copy-on-write (near `hint`); NULL on failure. The caller closes fd. */
void *machipc_ool_map_fd(uint64_t hint, int fd, size_t n);
/* A fork's child: the parent's side channel is not this process's. */
void machipc_ool_forked(void);
/*
 * Received regions' memfds, kept while they stay mapped (ool_kept.c): keep takes `fd` for the
 * region mapped at addr; reuse answers the one kept for [addr, addr+n) when the mapping still
 * shows exactly its bytes (-1 otherwise: copy), lent until reuse_done(*slot); forget lets go of
 * those of a range unmapped or mapped over.
 */
void machipc_ool_keep(void *addr, size_t n, int fd);
int machipc_ool_reuse(const void *addr, size_t n, int *slot);
void machipc_ool_reuse_done(int slot);
void machipc_ool_forget(uint64_t start, uint64_t end);
void machipc_ool_kept_forked(void);

#endif
