/*
 * rendezvous: two processes passing a port right through a third.
 *   rendezvous registrar      holds a receive right published as a host special port; keeps names
 *   rendezvous serve NAME     registers a port under NAME, then waits for one message on it
 *   rendezvous call NAME TEXT looks NAME up, gets a send right, and sends TEXT to it
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOT HOST_AUTOMOUNTD_PORT
#define MSG_REGISTER 100
#define MSG_LOOKUP 101
#define MSG_TEXT 102

typedef struct {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  char name[32];
} reg_msg_t;

typedef struct {
  mach_msg_header_t header;
  char text[64];
} text_msg_t;

typedef struct {
  union {
    reg_msg_t reg;
    text_msg_t text;
  } m;
  mach_msg_trailer_t trailer;
  char room[64];
} rcv_buf_t;

static mach_port_t registrar_port(void) {
  mach_port_t p = MACH_PORT_NULL;
  for (int i = 0; i < 200 && p == MACH_PORT_NULL; i++) {
    host_get_special_port(mach_host_self(), HOST_LOCAL_NODE, SLOT, &p);
    if (p == MACH_PORT_NULL) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  return p;
}

static int registrar(void) {
  mach_port_t port;
  if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) return 1;
  mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
  kern_return_t kr = host_set_special_port(mach_host_self(), SLOT, port);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "host_set_special_port: %s\n", mach_error_string(kr));
    return 1;
  }
  printf("registrar ready\n");
  fflush(stdout);
  char names[8][32];
  mach_port_t ports[8];
  int n = 0;
  for (int served = 0; served < 2;) {
    rcv_buf_t buf;
    memset(&buf, 0, sizeof buf);
    if (mach_msg(&buf.m.reg.header, MACH_RCV_MSG, 0, sizeof buf, port, 0, 0) != MACH_MSG_SUCCESS) return 1;
    reg_msg_t *m = &buf.m.reg;
    if (m->header.msgh_id == MSG_REGISTER && n < 8) {
      memcpy(names[n], m->name, 32);
      ports[n++] = m->port.name;
      printf("registered %s\n", m->name);
      served++;
    } else if (m->header.msgh_id == MSG_LOOKUP) {
      reg_msg_t reply;
      memset(&reply, 0, sizeof reply);
      reply.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX;
      reply.header.msgh_size = sizeof reply;
      reply.header.msgh_remote_port = m->header.msgh_remote_port;
      reply.header.msgh_id = MSG_LOOKUP + 100;
      reply.body.msgh_descriptor_count = 1;
      for (int i = 0; i < n; i++)
        if (strncmp(names[i], m->name, 32) == 0) reply.port.name = ports[i];
      reply.port.disposition = MACH_MSG_TYPE_COPY_SEND;
      reply.port.type = MACH_MSG_PORT_DESCRIPTOR;
      memcpy(reply.name, m->name, 32);
      mach_msg(&reply.header, MACH_SEND_MSG, sizeof reply, 0, 0, 0, 0);
      printf("looked up %s\n", m->name);
      served++;
    }
    fflush(stdout);
  }
  return 0;
}

static int serve(const char *name) {
  mach_port_t port;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  reg_msg_t m;
  memset(&m, 0, sizeof m);
  m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
  m.header.msgh_size = sizeof m;
  m.header.msgh_remote_port = registrar_port();
  m.header.msgh_id = MSG_REGISTER;
  m.body.msgh_descriptor_count = 1;
  m.port.name = port;
  m.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
  m.port.type = MACH_MSG_PORT_DESCRIPTOR;
  snprintf(m.name, sizeof m.name, "%s", name);
  if (mach_msg(&m.header, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0) != MACH_MSG_SUCCESS) return 1;
  printf("serving %s\n", name);
  fflush(stdout);
  rcv_buf_t buf;
  memset(&buf, 0, sizeof buf);
  if (mach_msg(&buf.m.text.header, MACH_RCV_MSG, 0, sizeof buf, port, 0, 0) != MACH_MSG_SUCCESS) return 1;
  printf("received \"%s\" (id %d)\n", buf.m.text.text, buf.m.text.header.msgh_id);
  return 0;
}

static int call(const char *name, const char *text) {
  mach_port_t reply = mig_get_reply_port();
  union {
    reg_msg_t m;
    rcv_buf_t r;
  } u;
  memset(&u, 0, sizeof u);
  u.m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX;
  u.m.header.msgh_size = sizeof u.m;
  u.m.header.msgh_remote_port = registrar_port();
  u.m.header.msgh_local_port = reply;
  u.m.header.msgh_id = MSG_LOOKUP;
  u.m.body.msgh_descriptor_count = 1;
  u.m.port.name = MACH_PORT_NULL;
  u.m.port.disposition = MACH_MSG_TYPE_COPY_SEND;
  snprintf(u.m.name, sizeof u.m.name, "%s", name);
  mach_msg_return_t mr = mach_msg(&u.m.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof u.m, sizeof u, reply, 0, 0);
  if (mr != MACH_MSG_SUCCESS || u.m.port.name == MACH_PORT_NULL) {
    fprintf(stderr, "lookup of %s failed (0x%x)\n", name, mr);
    return 1;
  }
  text_msg_t t;
  memset(&t, 0, sizeof t);
  t.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  t.header.msgh_size = sizeof t;
  t.header.msgh_remote_port = u.m.port.name;
  t.header.msgh_id = MSG_TEXT;
  snprintf(t.text, sizeof t.text, "%s", text);
  mr = mach_msg(&t.header, MACH_SEND_MSG, sizeof t, 0, 0, 0, 0);
  printf("sent to %s: %s\n", name, mr == MACH_MSG_SUCCESS ? "ok" : "failed");
  return mr == MACH_MSG_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "registrar") == 0) return registrar();
  if (argc >= 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "call") == 0) return call(argv[2], argv[3]);
  fprintf(stderr, "usage: rendezvous registrar | serve NAME | call NAME TEXT\n");
  return 2;
}
