/**
 * Every routine description carries the .defs' named types, so the C stubs and
 * prototypes come from the same description as the kernel's decoder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedSubsystems } from "../../src/subsystems/index.js";
import { excRoutines, machExcRoutines } from "../../src/subsystems/exc.js";
import { notifyRoutines } from "../../src/subsystems/notify.js";
import type { Routine } from "../../src/mig/routine.js";

const all: [string, Routine<unknown>[]][] = [
  ...servedSubsystems.map((s): [string, Routine<unknown>[]] => [s.name, s.routines as Routine<unknown>[]]),
  ["exc", excRoutines],
  ["mach_exc", machExcRoutines],
  ["notify", notifyRoutines],
];

test("every routine names its target's C type and every parameter's", () => {
  let n = 0;
  for (const [sub, routines] of all)
    for (const r of routines) {
      assert.ok(r.target, `${sub}.${r.name}: no target`);
      assert.equal(r.target.type.kind, "port", `${sub}.${r.name}: the target is a port`);
      assert.match(r.target.type.c ?? "", /^\w+_t$|^mach_port_t$/, `${sub}.${r.name}: target C type`);
      for (const p of r.params) assert.ok(p.type.c, `${sub}.${r.name}(${p.name}): no C type name`);
      n++;
    }
  assert.ok(n > 140, `${n} routines`);
});

test("the .defs' port types keep their user-side dispositions (mach_port_make_send_once_t, memory_object_default_t)", () => {
  const find = (name: string) => all.flatMap(([, rs]) => rs).find((r) => r.name === name)!;
  const notify = find("host_request_notification").params.find((p) => p.name === "notify_port")!;
  assert.equal(notify.type.kind === "port" && notify.type.user, 21);
  const poly = find("mach_port_insert_right").params.find((p) => p.name === "poly")!;
  assert.equal(poly.type.kind === "port" && poly.type.user, -1);
  const dm = find("host_default_memory_manager").params[0]!;
  assert.equal(dm.type.kind === "port" && dm.type.user, 20);
});

test("C prototypes come out under the SDK's signatures", async () => {
  const { cPrototype } = await import("../../src/mig/c_proto.js");
  const find = (name: string) => all.flatMap(([, rs]) => rs).find((r) => r.name === name)!;
  assert.equal(
    cPrototype(find("mach_port_insert_right")),
    "kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly)",
  );
  assert.equal(
    cPrototype(find("host_get_exception_ports")),
    "kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask, exception_mask_array_t masks, " +
      "mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers, exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors)",
  );
  assert.equal(
    cPrototype(find("host_processor_info")),
    "kern_return_t host_processor_info(host_t host, processor_flavor_t flavor, natural_t *out_processor_count, " +
      "processor_info_array_t *out_processor_info, mach_msg_type_number_t *out_processor_infoCnt)",
  );
  assert.equal(
    cPrototype(find("mach_exception_raise_state")),
    "kern_return_t mach_exception_raise_state(mach_port_t exception_port, exception_type_t exception, const mach_exception_data_t code, " +
      "mach_msg_type_number_t codeCnt, int *flavor, const thread_state_t old_state, mach_msg_type_number_t old_stateCnt, " +
      "thread_state_t new_state, mach_msg_type_number_t *new_stateCnt)",
  );
});
