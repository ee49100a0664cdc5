/**
 * The mach_port subsystem (3200), served on task ports (ipc_space_t).
 * Parameter lists follow xnu-3248's mach_port.defs; the work is in src/ipc/mach_port.ts.
 */
import { KERN_INVALID_TASK, KERN_SUCCESS, KERN_INVALID_VALUE, KERN_NOT_SUPPORTED } from "../abi/kern_return.js";
import { viewOf } from "../abi/layout.js";
import * as mp from "../ipc/mach_port.js";
import { ipValid } from "../ipc/port.js";
import type { Routine } from "../mig/routine.js";
import { array, bytes, inoutP, inP, int32, ool, oolFixed, outP, polyPort, sendOncePort, sendPort, uint32, uint64 } from "../mig/types.js";
import type { KernelCall } from "../kern/kernel.js";
import { big, num, portArg, routine, spaceOf } from "./common.js";

export const MACH_PORT_BASE = 3200;
export const MACH_PORT_END = 3236;

const name = inP("name", uint32);
const sp = (call: KernelCall) => spaceOf(call.port);
const u32Array = (xs: number[]): Uint8Array => {
  const out = new Uint8Array(xs.length * 4);
  const v = viewOf(out);
  xs.forEach((x, i) => v.setUint32(i * 4, x >>> 0, true));
  return out;
};

/** mach_port_qos_t: name:1, prealloc:1, pad:30, then len. */
function qosOf(b: Uint8Array): mp.MachPortQos {
  return { name: (b[0]! & 1) !== 0, prealloc: (b[0]! & 2) !== 0, len: viewOf(b).getUint32(4, true) };
}

export const machPortRoutines: Routine<KernelCall>[] = [
  routine(3200, "mach_port_names", [outP("names", ool(4)), outP("types", ool(4))], (call) => {
    const r = mp.machPortNames(sp(call));
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { names: u32Array(r.names!), types: u32Array(r.types!) };
  }),
  routine(3201, "mach_port_type", [name, outP("ptype", uint32)], (call, a) => mp.machPortType(sp(call), num(a, "name"))),
  routine(3202, "mach_port_rename", [inP("old_name", uint32), inP("new_name", uint32)], (call) =>
    // xnu-3248 keeps the slot but no longer renames.
    sp(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_TASK,
  ),
  routine(3203, "mach_port_allocate_name", [inP("right", uint32), name], (call, a) =>
    mp.machPortAllocateName(sp(call), num(a, "right"), num(a, "name")),
  ),
  routine(3204, "mach_port_allocate", [inP("right", uint32), outP("name", uint32)], (call, a) =>
    mp.machPortAllocate(sp(call), num(a, "right")),
  ),
  routine(3205, "mach_port_destroy", [name], (call, a) => mp.machPortDestroy(sp(call), num(a, "name"))),
  routine(3206, "mach_port_deallocate", [name], (call, a) => mp.machPortDeallocate(sp(call), num(a, "name"))),
  routine(3207, "mach_port_get_refs", [name, inP("right", uint32), outP("refs", uint32)], (call, a) =>
    mp.machPortGetRefs(sp(call), num(a, "name"), num(a, "right")),
  ),
  routine(3208, "mach_port_mod_refs", [name, inP("right", uint32), inP("delta", int32)], (call, a) =>
    mp.machPortModRefs(sp(call), num(a, "name"), num(a, "right"), num(a, "delta")),
  ),
  routine(
    3209,
    "mach_port_peek",
    [
      name,
      inP("trailer_type", uint32),
      inoutP("request_seqnop", uint32),
      outP("msg_sizep", uint32),
      outP("msg_idp", int32),
      outP("trailer_infop", array(1, 68), { countInOut: true }),
    ],
    (call, a) => mp.machPortPeek(sp(call), num(a, "name"), num(a, "trailer_type"), num(a, "request_seqnop"), num(a, "trailer_infopCnt")),
  ),
  routine(3210, "mach_port_set_mscount", [name, inP("mscount", uint32)], (call, a) =>
    mp.machPortSetMscount(sp(call), num(a, "name"), num(a, "mscount")),
  ),
  routine(3211, "mach_port_get_set_status", [name, outP("members", ool(4))], (call, a) => {
    const r = mp.machPortGetSetStatus(sp(call), num(a, "name"));
    return r.kr !== KERN_SUCCESS ? r.kr : { members: u32Array(r.members!) };
  }),
  routine(3212, "mach_port_move_member", [inP("member", uint32), inP("after", uint32)], (call, a) =>
    mp.machPortMoveMember(sp(call), num(a, "member"), num(a, "after")),
  ),
  routine(
    3213,
    "mach_port_request_notification",
    [name, inP("msgid", int32), inP("sync", uint32), inP("notify", sendOncePort), outP("previous", sendOncePort)],
    (call, a) => {
      const r = mp.machPortRequestNotification(sp(call), num(a, "name"), num(a, "msgid"), num(a, "sync"), portArg(a, "notify").port);
      if (r.kr !== KERN_SUCCESS) return r.kr;
      return { previous: r.previous ?? null };
    },
  ),
  routine(3214, "mach_port_insert_right", [name, inP("poly", polyPort)], (call, a) => {
    const p = portArg(a, "poly");
    return mp.machPortInsertRight(sp(call), num(a, "name"), p.port, p.type);
  }),
  routine(3215, "mach_port_extract_right", [name, inP("msgt_name", uint32), outP("poly", polyPort)], (call, a) => {
    const r = mp.machPortExtractRight(sp(call), num(a, "name"), num(a, "msgt_name"));
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { poly: { port: r.port!, type: r.type! } };
  }),
  routine(3216, "mach_port_set_seqno", [name, inP("seqno", uint32)], (call, a) =>
    mp.machPortSetSeqno(sp(call), num(a, "name"), num(a, "seqno")),
  ),
  routine(
    3217,
    "mach_port_get_attributes",
    [name, inP("flavor", int32), outP("port_info_out", array(4, 17), { countInOut: true })],
    (call, a) => {
      const cap = Math.min(num(a, "port_info_outCnt"), 17);
      const r = mp.machPortGetAttributes(sp(call), num(a, "name"), num(a, "flavor"), cap);
      return r.kr !== KERN_SUCCESS ? r.kr : { port_info_out: r.info! };
    },
  ),
  routine(3218, "mach_port_set_attributes", [name, inP("flavor", int32), inP("port_info", array(4, 17))], (call, a) =>
    mp.machPortSetAttributes(sp(call), num(a, "name"), num(a, "flavor"), a["port_info"] as number[]),
  ),
  routine(3219, "mach_port_allocate_qos", [inP("right", uint32), inoutP("qos", bytes(8)), outP("name", uint32)], (call, a) => {
    const r = mp.machPortAllocateQos(sp(call), num(a, "right"), qosOf(a["qos"] as Uint8Array));
    return r.kr !== KERN_SUCCESS ? r.kr : { qos: a["qos"], name: r.name };
  }),
  routine(
    3220,
    "mach_port_allocate_full",
    [inP("right", uint32), inP("proto", sendPort), inoutP("qos", bytes(8)), inoutP("name", uint32)],
    (call, a) => {
      const r = mp.machPortAllocateFull(sp(call), num(a, "right"), ipValid(portArg(a, "proto").port), qosOf(a["qos"] as Uint8Array), num(a, "name"));
      return r.kr !== KERN_SUCCESS ? r.kr : { qos: a["qos"], name: r.name };
    },
  ),
  routine(3221, "task_set_port_space", [inP("table_entries", int32)], (call) => (sp(call) ? KERN_SUCCESS : KERN_INVALID_TASK)),
  routine(3222, "mach_port_get_srights", [name, outP("srights", uint32)], (call, a) => mp.machPortGetSrights(sp(call), num(a, "name"))),
  routine(3223, "mach_port_space_info", [outP("space_info", bytes(24)), outP("table_info", ool(28)), outP("tree_info", ool(36))], (call) =>
    mp.machPortSpaceInfo(sp(call)),
  ),
  routine(3224, "mach_port_dnrequest_info", [name, outP("dnr_total", uint32), outP("dnr_used", uint32)], (call, a) =>
    mp.machPortDnrequestInfo(sp(call), num(a, "name")),
  ),
  routine(3225, "mach_port_kernel_object", [name, outP("object_type", uint32), outP("object_addr", uint32)], (call, a) => {
    const r = mp.machPortKobject(sp(call), num(a, "name"));
    return r.kr !== KERN_SUCCESS ? r.kr : { object_type: r.type, object_addr: Number(r.addr! & 0xffffffffn) };
  }),
  routine(3226, "mach_port_insert_member", [name, inP("pset", uint32)], (call, a) =>
    mp.machPortInsertMember(sp(call), num(a, "name"), num(a, "pset")),
  ),
  routine(3227, "mach_port_extract_member", [name, inP("pset", uint32)], (call, a) =>
    mp.machPortExtractMember(sp(call), num(a, "name"), num(a, "pset")),
  ),
  routine(3228, "mach_port_get_context", [name, outP("context", uint64)], (call, a) => mp.machPortGetContext(sp(call), num(a, "name"))),
  routine(3229, "mach_port_set_context", [name, inP("context", uint64)], (call, a) =>
    mp.machPortSetContext(sp(call), num(a, "name"), big(a, "context")),
  ),
  routine(3230, "mach_port_kobject", [name, outP("object_type", uint32), outP("object_addr", uint64)], (call, a) => {
    const r = mp.machPortKobject(sp(call), num(a, "name"));
    return r.kr !== KERN_SUCCESS ? r.kr : { object_type: r.type, object_addr: r.addr };
  }),
  routine(3231, "mach_port_construct", [inP("options", oolFixed(24)), inP("context", uint64), outP("name", uint32)], (call, a) => {
    const opts = a["options"] as Uint8Array;
    if (opts.byteLength < 8) return KERN_INVALID_VALUE;
    const v = viewOf(opts);
    return mp.machPortConstruct(sp(call), v.getUint32(0, true), v.getUint32(4, true), big(a, "context"));
  }),
  routine(3232, "mach_port_destruct", [name, inP("srdelta", int32), inP("guard", uint64)], (call, a) =>
    mp.machPortDestruct(sp(call), num(a, "name"), num(a, "srdelta"), big(a, "guard")),
  ),
  routine(3233, "mach_port_guard", [name, inP("guard", uint64), inP("strict", uint32)], (call, a) =>
    mp.machPortGuard(sp(call), num(a, "name"), big(a, "guard"), num(a, "strict") !== 0),
  ),
  routine(3234, "mach_port_unguard", [name, inP("guard", uint64)], (call, a) =>
    mp.machPortUnguard(sp(call), num(a, "name"), big(a, "guard")),
  ),
  routine(3235, "mach_port_space_basic_info", [outP("basic_info", bytes(24))], (call) => mp.machPortSpaceBasicInfo(sp(call))),
];

