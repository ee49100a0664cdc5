/*
 * MIG user stubs for the calls libmachipc offers, laid out as MIG-generated
 * 64-bit clients lay out their messages.
 */
#include "internal.h"

#include <stddef.h>

NDR_record_t NDR_record = {0, 0, 0, 0, 1, 0, 0, 0};

#define BITS_SIMPLE MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE)
#define BITS_COMPLEX (BITS_SIMPLE | MACH_MSGH_BITS_COMPLEX)

/* Send `req` and wait for the reply in `rep` (rep_size bytes of room); then MIG's generic checks. */
static kern_return_t mig_rpc(void *req, mach_msg_size_t req_size, void *rep, mach_msg_size_t rep_size, mach_port_t target, mach_msg_id_t id,
                             int complex) {
  mach_msg_header_t *h = req;
  h->msgh_bits = complex ? BITS_COMPLEX : BITS_SIMPLE;
  h->msgh_size = req_size;
  h->msgh_remote_port = target;
  h->msgh_local_port = mig_get_reply_port();
  h->msgh_voucher_port = 0;
  h->msgh_id = id;
  mach_msg_return_t mr = mach_msg_overwrite(req, MACH_SEND_MSG | MACH_RCV_MSG, req_size, rep_size, h->msgh_local_port, 0, 0, rep, rep_size);
  if (mr != MACH_MSG_SUCCESS) {
    if ((mr & 0xffffc000) == 0x10004000) mig_dealloc_reply_port(h->msgh_local_port);
    return mr;
  }
  mach_msg_header_t *r = rep;
  if (r->msgh_id == 71) return MIG_SERVER_DIED;
  if (r->msgh_id != id + 100) return MIG_REPLY_MISMATCH;
  if (!(r->msgh_bits & MACH_MSGH_BITS_COMPLEX) && r->msgh_size == sizeof(mig_reply_error_t)) {
    kern_return_t kr = ((mig_reply_error_t *)rep)->RetCode;
    if (kr != KERN_SUCCESS) return kr;
  }
  return KERN_SUCCESS;
}

#pragma pack(push, 4)
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a; } req1_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a, b; } req2_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; uint32_t a, b, c; } req3_t;
typedef struct { mach_msg_header_t Head; NDR_record_t NDR; kern_return_t RetCode; uint32_t v; mach_msg_trailer_t t; } rep1_t;
typedef struct { mach_msg_header_t Head; mach_msg_body_t body; mach_msg_port_descriptor_t port; mach_msg_trailer_t t; } rep_port_t;
#pragma pack(pop)

static kern_return_t simple_call(mach_port_t target, mach_msg_id_t id, int nargs, uint32_t a, uint32_t b, uint32_t c, uint32_t *out) {
  union {
    req3_t req;
    rep1_t rep;
    mig_reply_error_t err;
    unsigned char pad[256];
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = a;
  u.req.b = b;
  u.req.c = c;
  mach_msg_size_t size = (mach_msg_size_t)(sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4 * nargs);
  kern_return_t kr = mig_rpc(&u, size, &u, sizeof u, target, id, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (out) {
    if (u.rep.Head.msgh_size != 40) return MIG_TYPE_ERROR;
    *out = u.rep.v;
  }
  return KERN_SUCCESS;
}

kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right, mach_port_name_t *name) {
  return simple_call(task, 3204, 1, right, 0, 0, name);
}
kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name) { return simple_call(task, 3205, 1, name, 0, 0, NULL); }
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name) { return simple_call(task, 3206, 1, name, 0, 0, NULL); }
kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta) {
  return simple_call(task, 3208, 3, name, right, (uint32_t)delta, NULL);
}
kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype) {
  return simple_call(task, 3201, 1, name, 0, 0, ptype);
}

kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly) {
#pragma pack(push, 4)
  struct {
    mach_msg_header_t Head;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t poly;
    NDR_record_t NDR;
    mach_port_name_t name;
  } req;
#pragma pack(pop)
  union {
    mig_reply_error_t err;
    unsigned char pad[128];
  } rep;
  memset(&req, 0, sizeof req);
  req.body.msgh_descriptor_count = 1;
  req.poly.name = poly;
  req.poly.disposition = polyPoly;
  req.poly.type = MACH_MSG_PORT_DESCRIPTOR;
  req.NDR = NDR_record;
  req.name = name;
  return mig_rpc(&req, sizeof req, &rep, sizeof rep, task, 3214, 1);
}

/* A reply carrying an array of integers after RetCode and a count. */
static kern_return_t info_call(mach_port_t target, mach_msg_id_t id, int flavor, integer_t *out, mach_msg_type_number_t *cnt, int max) {
  union {
    req2_t req;
    struct {
      mach_msg_header_t Head;
      NDR_record_t NDR;
      kern_return_t RetCode;
      mach_msg_type_number_t Cnt;
      integer_t data[68];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)flavor;
  u.req.b = *cnt < (mach_msg_type_number_t)max ? *cnt : (mach_msg_type_number_t)max;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, target, id, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.Cnt;
  if (n > (mach_msg_type_number_t)max || u.rep.Head.msgh_size != 40 + 4 * n) return MIG_TYPE_ERROR;
  if (n > *cnt) {
    memcpy(out, u.rep.data, *cnt * 4);
    *cnt = n;
    return -307; /* MIG_ARRAY_TOO_LARGE */
  }
  memcpy(out, u.rep.data, n * 4);
  *cnt = n;
  return KERN_SUCCESS;
}

kern_return_t host_info(host_t host, host_flavor_t flavor, host_info_t host_info_out, mach_msg_type_number_t *host_info_outCnt) {
  return info_call(host, 200, flavor, host_info_out, host_info_outCnt, HOST_INFO_MAX);
}

kern_return_t host_kernel_version(host_t host, kernel_version_t kernel_version) {
  union {
    mach_msg_header_t req;
    struct {
      mach_msg_header_t Head;
      NDR_record_t NDR;
      kern_return_t RetCode;
      uint32_t Offset, Cnt;
      char s[512];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host, 201, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (u.rep.Cnt > 512) return MIG_TYPE_ERROR;
  memcpy(kernel_version, u.rep.s, u.rep.Cnt);
  kernel_version[511] = 0;
  return KERN_SUCCESS;
}

kern_return_t host_get_special_port(host_priv_t host_priv, int node, int which, mach_port_t *port) {
  union {
    req2_t req;
    rep_port_t rep;
    mig_reply_error_t err;
    unsigned char pad[128];
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)node;
  u.req.b = (uint32_t)which;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 412, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.body.msgh_descriptor_count != 1 || u.rep.port.disposition != 17) return MIG_TYPE_ERROR;
  *port = u.rep.port.name;
  return KERN_SUCCESS;
}

/* header | body | one port descriptor | NDR | ints */
#pragma pack(push, 4)
typedef struct {
  mach_msg_header_t Head;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
  NDR_record_t NDR;
  uint32_t a, b, c;
} req_port3_t;
#pragma pack(pop)

static kern_return_t port_call(mach_port_t target, mach_msg_id_t id, mach_port_t port, int nargs, uint32_t a, uint32_t b, uint32_t c) {
  req_port3_t req;
  union {
    mig_reply_error_t err;
    unsigned char pad[128];
  } rep;
  memset(&req, 0, sizeof req);
  req.body.msgh_descriptor_count = 1;
  req.port.name = port;
  req.port.disposition = MACH_MSG_TYPE_COPY_SEND;
  req.port.type = MACH_MSG_PORT_DESCRIPTOR;
  req.NDR = NDR_record;
  req.a = a;
  req.b = b;
  req.c = c;
  mach_msg_size_t size = (mach_msg_size_t)(offsetof(req_port3_t, a) + 4 * nargs);
  return mig_rpc(&req, size, &rep, sizeof rep, target, id, 1);
}

kern_return_t host_set_special_port(host_priv_t host_priv, int which, mach_port_t port) {
  return port_call(host_priv, 413, port, 1, (uint32_t)which, 0, 0);
}

kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, mach_port_t new_port, exception_behavior_t behavior,
                                       thread_state_flavor_t new_flavor) {
  return port_call(host_priv, 414, new_port, 3, exception_mask, (uint32_t)behavior, (uint32_t)new_flavor);
}

kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, exception_mask_array_t masks,
                                       mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers,
                                       exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors) {
  union {
    req1_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_port_descriptor_t handlers[32];
      NDR_record_t NDR;
      mach_msg_type_number_t masksCnt;
      uint32_t rest[96];
      mach_msg_trailer_t t;
    } rep;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = exception_mask;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 415, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.masksCnt;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.body.msgh_descriptor_count != 32 || n > 32 ||
      u.rep.Head.msgh_size != 424 + 12 * n)
    return MIG_TYPE_ERROR;
  if (n > *masksCnt) return -307; /* MIG_ARRAY_TOO_LARGE */
  for (mach_msg_type_number_t i = 0; i < n; i++) {
    masks[i] = u.rep.rest[i];
    old_handlers[i] = u.rep.handlers[i].name;
    old_behaviors[i] = (exception_behavior_t)u.rep.rest[n + i];
    old_flavors[i] = (thread_state_flavor_t)u.rep.rest[2 * n + i];
  }
  *masksCnt = n;
  return KERN_SUCCESS;
}

kern_return_t host_processors(host_priv_t host_priv, processor_array_t *out_processor_list, mach_msg_type_number_t *out_processor_listCnt) {
  union {
    mach_msg_header_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_ool_ports_descriptor_t list;
      NDR_record_t NDR;
      mach_msg_type_number_t Cnt;
      mach_msg_trailer_t t;
    } rep;
    unsigned char pad[128];
  } u;
  memset(&u, 0, sizeof u);
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, host_priv, 407, 0);
  if (kr != KERN_SUCCESS) return kr;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || u.rep.list.type != MACH_MSG_OOL_PORTS_DESCRIPTOR) return MIG_TYPE_ERROR;
  *out_processor_list = u.rep.list.address;
  *out_processor_listCnt = u.rep.list.count;
  return KERN_SUCCESS;
}

kern_return_t processor_info(processor_t processor, processor_flavor_t flavor, host_t *host, processor_info_t processor_info_out,
                             mach_msg_type_number_t *processor_info_outCnt) {
  union {
    req2_t req;
    struct {
      mach_msg_header_t Head;
      mach_msg_body_t body;
      mach_msg_port_descriptor_t host;
      NDR_record_t NDR;
      mach_msg_type_number_t Cnt;
      integer_t data[12];
      mach_msg_trailer_t t;
    } rep;
    mig_reply_error_t err;
  } u;
  memset(&u, 0, sizeof u);
  u.req.NDR = NDR_record;
  u.req.a = (uint32_t)flavor;
  u.req.b = *processor_info_outCnt < PROCESSOR_INFO_MAX ? *processor_info_outCnt : PROCESSOR_INFO_MAX;
  kern_return_t kr = mig_rpc(&u, sizeof u.req, &u, sizeof u, processor, 3002, 0);
  if (kr != KERN_SUCCESS) return kr;
  mach_msg_type_number_t n = u.rep.Cnt;
  if (!(u.rep.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || n > 12 || u.rep.Head.msgh_size != 52 + 4 * n) return MIG_TYPE_ERROR;
  if (n > *processor_info_outCnt) return -307;
  *host = u.rep.host.name;
  memcpy(processor_info_out, u.rep.data, 4 * n);
  *processor_info_outCnt = n;
  return KERN_SUCCESS;
}
