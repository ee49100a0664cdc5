/**
 * The mach_port subsystem (3200), served on task ports (ipc_space_t).
 * Parameter lists follow xnu-3248's mach_port.defs; the work is in src/ipc/mach_port.ts.
 */
import { KERN_INVALID_TASK, KERN_SUCCESS, KERN_INVALID_VALUE, KERN_NOT_SUPPORTED } from "../abi/kern_return.js";
import { viewOf } from "../abi/layout.js";
import * as mp from "../ipc/mach_port.js";
import { ipValid } from "../ipc/port.js";
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP, type PortArg } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  c_unsigned,
  ipc_info_name_array_t,
  ipc_info_space_basic_t,
  ipc_info_space_t,
  ipc_info_tree_name_array_t,
  ipc_space_t,
  mach_msg_id_t,
  mach_msg_size_t,
  mach_msg_trailer_info_t,
  mach_msg_trailer_type_t,
  mach_msg_type_name_t,
  mach_port_context_t,
  mach_port_delta_t,
  mach_port_flavor_t,
  mach_port_info_t,
  mach_port_send_once_t,
  mach_port_move_send_once_t,
  mach_port_mscount_t,
  mach_port_name_array_t,
  mach_port_name_t,
  mach_port_options_ptr_t,
  mach_port_poly_t,
  mach_port_qos_t,
  mach_port_right_t,
  mach_port_rights_t,
  mach_port_seqno_t,
  mach_port_t,
  mach_port_type_array_t,
  mach_port_type_t,
  mach_port_urefs_t,
  mach_vm_address_t,
  natural_t,
} from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routinesOn, spaceOf, withTrapMarks } from "./common.js";
import { macCheckExposeTask } from "../kern/mac.js";
import type { Task } from "../kern/task.js";

export const MACH_PORT_BASE = 3200;
export const MACH_PORT_END = 3236;

const routine = routinesOn(inP("task", ipc_space_t));
const name = inP("name", mach_port_name_t);
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

export const machPortRoutines: Routine<KernelCall>[] = withTrapMarks([
  routine(3200, "mach_port_names", [outP("names", mach_port_name_array_t), outP("types", mach_port_type_array_t)], (call) => {
    const r = mp.machPortNames(sp(call));
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { names: u32Array(r.names!), types: u32Array(r.types!) };
  }),
  routine(3201, "mach_port_type", [name, outP("ptype", mach_port_type_t)], (call, a) => mp.machPortType(sp(call), a.name as number)),
  routine(3202, "mach_port_rename", [inP("old_name", mach_port_name_t), inP("new_name", mach_port_name_t)], (call) =>
    // xnu-3248 keeps the slot but no longer renames.
    sp(call) ? KERN_NOT_SUPPORTED : KERN_INVALID_TASK,
  ),
  routine(3203, "mach_port_allocate_name", [inP("right", mach_port_right_t), name], (call, a) =>
    mp.machPortAllocateName(sp(call), a.right as number, a.name as number),
  ),
  routine(3204, "mach_port_allocate", [inP("right", mach_port_right_t), outP("name", mach_port_name_t)], (call, a) =>
    mp.machPortAllocate(sp(call), a.right as number),
  ),
  routine(3205, "mach_port_destroy", [name], (call, a) => mp.machPortDestroy(sp(call), a.name as number)),
  routine(3206, "mach_port_deallocate", [name], (call, a) => mp.machPortDeallocate(sp(call), a.name as number)),
  routine(3207, "mach_port_get_refs", [name, inP("right", mach_port_right_t), outP("refs", mach_port_urefs_t)], (call, a) =>
    mp.machPortGetRefs(sp(call), a.name as number, a.right as number),
  ),
  routine(3208, "mach_port_mod_refs", [name, inP("right", mach_port_right_t), inP("delta", mach_port_delta_t)], (call, a) =>
    mp.machPortModRefs(sp(call), a.name as number, a.right as number, a.delta as number),
  ),
  routine(
    3209,
    "mach_port_peek",
    [
      name,
      inP("trailer_type", mach_msg_trailer_type_t),
      inoutP("request_seqnop", mach_port_seqno_t),
      outP("msg_sizep", mach_msg_size_t),
      outP("msg_idp", mach_msg_id_t),
      outP("trailer_infop", mach_msg_trailer_info_t, { countInOut: true }),
    ],
    (call, a) => mp.machPortPeek(sp(call), a.name as number, a.trailer_type as number, a.request_seqnop as number, a.trailer_infopCnt as number),
  ),
  routine(3210, "mach_port_set_mscount", [name, inP("mscount", mach_port_mscount_t)], (call, a) =>
    mp.machPortSetMscount(sp(call), a.name as number, a.mscount as number),
  ),
  routine(3211, "mach_port_get_set_status", [name, outP("members", mach_port_name_array_t)], (call, a) => {
    const r = mp.machPortGetSetStatus(sp(call), a.name as number);
    return r.kr !== KERN_SUCCESS ? r.kr : { members: u32Array(r.members!) };
  }),
  routine(3212, "mach_port_move_member", [inP("member", mach_port_name_t), inP("after", mach_port_name_t)], (call, a) =>
    mp.machPortMoveMember(sp(call), a.member as number, a.after as number),
  ),
  routine(
    3213,
    "mach_port_request_notification",
    [name, inP("msgid", mach_msg_id_t), inP("sync", mach_port_mscount_t), inP("notify", mach_port_send_once_t), outP("previous", mach_port_move_send_once_t)],
    (call, a) => {
      const r = mp.machPortRequestNotification(sp(call), a.name as number, a.msgid as number, a.sync as number, (a.notify as PortArg).port);
      if (r.kr !== KERN_SUCCESS) return r.kr;
      return { previous: r.previous ?? null };
    },
  ),
  routine(3214, "mach_port_insert_right", [name, inP("poly", mach_port_poly_t)], (call, a) => {
    const p = a.poly as PortArg;
    return mp.machPortInsertRight(sp(call), a.name as number, p.port, p.type);
  }),
  routine(3215, "mach_port_extract_right", [name, inP("msgt_name", mach_msg_type_name_t), outP("poly", mach_port_poly_t)], (call, a) => {
    const r = mp.machPortExtractRight(sp(call), a.name as number, a.msgt_name as number);
    if (r.kr !== KERN_SUCCESS) return r.kr;
    return { poly: { port: r.port!, type: r.type! } };
  }),
  routine(3216, "mach_port_set_seqno", [name, inP("seqno", mach_port_seqno_t)], (call, a) =>
    mp.machPortSetSeqno(sp(call), a.name as number, a.seqno as number),
  ),
  routine(
    3217,
    "mach_port_get_attributes",
    [name, inP("flavor", mach_port_flavor_t), outP("port_info_out", mach_port_info_t, { countInOut: true })],
    (call, a) => {
      const cap = Math.min(a.port_info_outCnt as number, 17);
      const r = mp.machPortGetAttributes(sp(call), a.name as number, a.flavor as number, cap);
      return r.kr !== KERN_SUCCESS ? r.kr : { port_info_out: r.info! };
    },
  ),
  routine(3218, "mach_port_set_attributes", [name, inP("flavor", mach_port_flavor_t), inP("port_info", mach_port_info_t)], (call, a) =>
    mp.machPortSetAttributes(sp(call), a.name as number, a.flavor as number, a["port_info"] as number[]),
  ),
  routine(3219, "mach_port_allocate_qos", [inP("right", mach_port_right_t), inoutP("qos", mach_port_qos_t), outP("name", mach_port_name_t)], (call, a) => {
    const r = mp.machPortAllocateQos(sp(call), a.right as number, qosOf(a["qos"] as Uint8Array));
    return r.kr !== KERN_SUCCESS ? r.kr : { qos: a["qos"], name: r.name };
  }),
  routine(
    3220,
    "mach_port_allocate_full",
    [inP("right", mach_port_right_t), inP("proto", mach_port_t), inoutP("qos", mach_port_qos_t), inoutP("name", mach_port_name_t)],
    (call, a) => {
      const r = mp.machPortAllocateFull(sp(call), a.right as number, ipValid((a.proto as PortArg).port), qosOf(a["qos"] as Uint8Array), a.name as number);
      return r.kr !== KERN_SUCCESS ? r.kr : { qos: a["qos"], name: r.name };
    },
  ),
  routine(3221, "task_set_port_space", [inP("table_entries", c_int)], (call) => (sp(call) ? KERN_SUCCESS : KERN_INVALID_TASK)),
  routine(3222, "mach_port_get_srights", [name, outP("srights", mach_port_rights_t)], (call, a) => mp.machPortGetSrights(sp(call), a.name as number)),
  routine(3223, "mach_port_space_info", [outP("space_info", ipc_info_space_t), outP("table_info", ipc_info_name_array_t), outP("tree_info", ipc_info_tree_name_array_t)], (call) =>
    mp.machPortSpaceInfo(sp(call), macCheckExposeTask(call.kernel.mac, call.caller as Task | null, call.kernel.kernelTask) === 0),
  ),
  routine(3224, "mach_port_dnrequest_info", [name, outP("dnr_total", c_unsigned), outP("dnr_used", c_unsigned)], (call, a) =>
    mp.machPortDnrequestInfo(sp(call), a.name as number),
  ),
  routine(3225, "mach_port_kernel_object", [name, outP("object_type", c_unsigned), outP("object_addr", c_unsigned)], (call, a) => {
    const r = mp.machPortKobject(sp(call), a.name as number);
    return r.kr !== KERN_SUCCESS ? r.kr : { object_type: r.type, object_addr: Number(r.addr! & 0xffffffffn) };
  }),
  routine(3226, "mach_port_insert_member", [name, inP("pset", mach_port_name_t)], (call, a) =>
    mp.machPortInsertMember(sp(call), a.name as number, a.pset as number),
  ),
  routine(3227, "mach_port_extract_member", [name, inP("pset", mach_port_name_t)], (call, a) =>
    mp.machPortExtractMember(sp(call), a.name as number, a.pset as number),
  ),
  routine(3228, "mach_port_get_context", [name, outP("context", mach_port_context_t)], (call, a) => mp.machPortGetContext(sp(call), a.name as number)),
  routine(3229, "mach_port_set_context", [name, inP("context", mach_port_context_t)], (call, a) =>
    mp.machPortSetContext(sp(call), a.name as number, a.context as bigint),
  ),
  routine(3230, "mach_port_kobject", [name, outP("object_type", natural_t), outP("object_addr", mach_vm_address_t)], (call, a) => {
    const r = mp.machPortKobject(sp(call), a.name as number);
    return r.kr !== KERN_SUCCESS ? r.kr : { object_type: r.type, object_addr: r.addr };
  }),
  routine(3231, "mach_port_construct", [inP("options", mach_port_options_ptr_t), inP("context", mach_port_context_t), outP("name", mach_port_name_t)], (call, a) => {
    const opts = a["options"] as Uint8Array;
    if (opts.byteLength < 8) return KERN_INVALID_VALUE;
    const v = viewOf(opts);
    return mp.machPortConstruct(sp(call), v.getUint32(0, true), v.getUint32(4, true), a.context as bigint);
  }),
  routine(3232, "mach_port_destruct", [name, inP("srdelta", mach_port_delta_t), inP("guard", mach_port_context_t)], (call, a) =>
    mp.machPortDestruct(sp(call), a.name as number, a.srdelta as number, a.guard as bigint),
  ),
  routine(3233, "mach_port_guard", [name, inP("guard", mach_port_context_t), inP("strict", boolean_t)], (call, a) =>
    mp.machPortGuard(sp(call), a.name as number, a.guard as bigint, (a.strict as number) !== 0),
  ),
  routine(3234, "mach_port_unguard", [name, inP("guard", mach_port_context_t)], (call, a) =>
    mp.machPortUnguard(sp(call), a.name as number, a.guard as bigint),
  ),
  routine(3235, "mach_port_space_basic_info", [outP("basic_info", ipc_info_space_basic_t)], (call) => mp.machPortSpaceBasicInfo(sp(call))),
]);

