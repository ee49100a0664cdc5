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
enum { OP_HELLO = 1, OP_JOIN = 2, OP_TRAP = 3, OP_MACH_MSG = 4, OP_RESULT = 0x80 };
enum { TRAP_REPLY_PORT = 26, TRAP_THREAD_SELF = 27, TRAP_TASK_SELF = 28, TRAP_HOST_SELF = 29 };

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
/* A TRAP op: the port name it answers, or MACH_PORT_NULL if the server cannot be reached. */
mach_port_t machipc_trap(uint32_t which);

/* Keep a copy of received out-of-line data that vm_deallocate will free; NULL if out of memory. */
void *machipc_remember(const void *data, size_t n);

#endif
