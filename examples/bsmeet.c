/*
 * Two unrelated processes meet through the bootstrap namespace, the way most
 * multi-process Mach code finds its server:
 *
 *   bsmeet serve NAME        bootstrap_check_in, then answer one request
 *   bsmeet call NAME TEXT    bootstrap_look_up, send TEXT, print the answer
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <servers/bootstrap.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  mach_msg_header_t head;
  char text[128];
} text_msg_t;

typedef struct {
  text_msg_t msg;
  mach_msg_trailer_t trailer;
} text_rcv_t;

static int serve(const char *name) {
  mach_port_t port;
  kern_return_t kr = bootstrap_check_in(bootstrap_port, name, &port);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "bsmeet: bootstrap_check_in %s: %s\n", name, bootstrap_strerror(kr));
    return 1;
  }
  printf("serving %s\n", name);
  fflush(stdout);
  text_rcv_t in;
  kr = mach_msg(&in.msg.head, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "bsmeet: receive: %s\n", mach_error_string(kr));
    return 1;
  }
  in.msg.text[sizeof in.msg.text - 1] = 0;
  printf("received \"%s\"\n", in.msg.text);
  text_msg_t out;
  memset(&out, 0, sizeof out);
  out.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in.msg.head.msgh_bits), 0);
  out.head.msgh_remote_port = in.msg.head.msgh_remote_port;
  out.head.msgh_size = sizeof out;
  out.head.msgh_id = in.msg.head.msgh_id + 100;
  snprintf(out.text, sizeof out.text, "%.100s, back", in.msg.text);
  kr = mach_msg(&out.head, MACH_SEND_MSG, sizeof out, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  return kr == KERN_SUCCESS ? 0 : 1;
}

static int call(const char *name, const char *text) {
  mach_port_t service;
  kern_return_t kr = bootstrap_look_up(bootstrap_port, name, &service);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "bsmeet: bootstrap_look_up %s: %s\n", name, bootstrap_strerror(kr));
    return 1;
  }
  mach_port_t reply = mig_get_reply_port();
  text_rcv_t m;
  memset(&m, 0, sizeof m);
  m.msg.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.msg.head.msgh_remote_port = service;
  m.msg.head.msgh_local_port = reply;
  m.msg.head.msgh_size = sizeof m.msg;
  m.msg.head.msgh_id = 500;
  snprintf(m.msg.text, sizeof m.msg.text, "%s", text);
  kr = mach_msg(&m.msg.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.msg, sizeof m, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "bsmeet: call: %s\n", mach_error_string(kr));
    return 1;
  }
  m.msg.text[sizeof m.msg.text - 1] = 0;
  printf("answer (id %d): \"%s\"\n", m.msg.head.msgh_id, m.msg.text);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if (argc == 4 && strcmp(argv[1], "call") == 0) return call(argv[2], argv[3]);
  fprintf(stderr, "usage: bsmeet serve NAME | bsmeet call NAME TEXT\n");
  return 2;
}
