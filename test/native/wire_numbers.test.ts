/** native/src/internal.h mirrors the wire's op and trap numbers: every one must be the TypeScript side's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MACH_TRAPS } from "../../src/abi/traps.js";
import { ADMIN_PROC_NAME, OOL_FDS_MAX, OOL_NONCE_BYTES, OOL_REGION_BY_FD, MAX_FRAME, OP_ADMIN, OP_ADOPT, OP_EXCEPTION, OP_FORK, OP_OOL_ATTACH, OP_OOL_CHANNEL, OP_TRAP_ARGS } from "../../src/server/protocol.js";

const internal = readFileSync("native/src/internal.h", "utf8");
const value = (name: string): number | undefined => {
  const m = new RegExp(`\\b${name} = (\\d+)`).exec(internal);
  return m ? Number(m[1]) : undefined;
};

test("libmachipc's TRAP_ARGS op and trap numbers are src/abi/traps.ts's", () => {
  assert.equal(value("OP_TRAP_ARGS"), OP_TRAP_ARGS);
  assert.equal(value("OP_FORK"), OP_FORK);
  assert.equal(value("OP_EXCEPTION"), OP_EXCEPTION);
  assert.equal(value("OP_ADOPT"), OP_ADOPT);
  assert.equal(value("OP_ADMIN"), OP_ADMIN);
  assert.equal(/\bADMIN_PROC_NAME = (\d+)/.exec(readFileSync("native/src/libproc.c", "utf8"))?.[1], String(ADMIN_PROC_NAME));
  assert.equal(value("OP_OOL_CHANNEL"), OP_OOL_CHANNEL);
  assert.equal(value("OP_OOL_ATTACH"), OP_OOL_ATTACH);
  assert.equal(value("OOL_FDS_MAX"), OOL_FDS_MAX);
  assert.equal(value("OOL_NONCE_BYTES"), OOL_NONCE_BYTES);
  assert.match(internal, new RegExp(`#define OOL_REGION_BY_FD 0x${OOL_REGION_BY_FD.toString(16)}u\\b`));
  assert.match(internal, new RegExp(`#define OOL_FD_MAX_BYTES \\(${MAX_FRAME / (1024 * 1024)}u \\* 1024 \\* 1024\\)`));
  const cNames: Record<string, string> = {
    _kernelrpc_mach_vm_allocate_trap: "TRAP_VM_ALLOCATE",
    _kernelrpc_mach_vm_deallocate_trap: "TRAP_VM_DEALLOCATE",
    _kernelrpc_mach_vm_protect_trap: "TRAP_VM_PROTECT",
    _kernelrpc_mach_vm_map_trap: "TRAP_VM_MAP",
    _kernelrpc_mach_port_allocate_trap: "TRAP_PORT_ALLOCATE",
    _kernelrpc_mach_port_destroy_trap: "TRAP_PORT_DESTROY",
    _kernelrpc_mach_port_deallocate_trap: "TRAP_PORT_DEALLOCATE",
    _kernelrpc_mach_port_mod_refs_trap: "TRAP_PORT_MOD_REFS",
    _kernelrpc_mach_port_move_member_trap: "TRAP_PORT_MOVE_MEMBER",
    _kernelrpc_mach_port_insert_right_trap: "TRAP_PORT_INSERT_RIGHT",
    _kernelrpc_mach_port_insert_member_trap: "TRAP_PORT_INSERT_MEMBER",
    _kernelrpc_mach_port_extract_member_trap: "TRAP_PORT_EXTRACT_MEMBER",
    _kernelrpc_mach_port_construct_trap: "TRAP_PORT_CONSTRUCT",
    _kernelrpc_mach_port_destruct_trap: "TRAP_PORT_DESTRUCT",
    semaphore_signal_trap: "TRAP_SEMAPHORE_SIGNAL",
    semaphore_signal_all_trap: "TRAP_SEMAPHORE_SIGNAL_ALL",
    semaphore_signal_thread_trap: "TRAP_SEMAPHORE_SIGNAL_THREAD",
    semaphore_wait_trap: "TRAP_SEMAPHORE_WAIT",
    semaphore_wait_signal_trap: "TRAP_SEMAPHORE_WAIT_SIGNAL",
    semaphore_timedwait_trap: "TRAP_SEMAPHORE_TIMEDWAIT",
    semaphore_timedwait_signal_trap: "TRAP_SEMAPHORE_TIMEDWAIT_SIGNAL",
    _kernelrpc_mach_port_guard_trap: "TRAP_PORT_GUARD",
    _kernelrpc_mach_port_unguard_trap: "TRAP_PORT_UNGUARD",
    task_name_for_pid: "TRAP_TASK_NAME_FOR_PID",
    task_for_pid: "TRAP_TASK_FOR_PID",
    pid_for_task: "TRAP_PID_FOR_TASK",
    clock_sleep_trap: "TRAP_CLOCK_SLEEP",
    mk_timer_create_trap: "TRAP_MK_TIMER_CREATE",
    mk_timer_destroy_trap: "TRAP_MK_TIMER_DESTROY",
    mk_timer_arm_trap: "TRAP_MK_TIMER_ARM",
    mk_timer_cancel_trap: "TRAP_MK_TIMER_CANCEL",
  };
  assert.deepEqual(Object.keys(cNames).sort(), MACH_TRAPS.map((t) => t.name).sort(), "every trap has its C number");
  for (const t of MACH_TRAPS) assert.equal(value(cNames[t.name]!), t.number, t.name);
});
