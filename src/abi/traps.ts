/**
 * The Mach traps machipc serves, by their number in xnu-3248's
 * mach_trap_table (osfmk/kern/syscall_sw.c), with their arguments and
 * copied-out values named as osfmk/mach/mach_traps.h names them. Pointer
 * arguments the kernel reads (construct's options) are given as the fields
 * it reads; pointers it writes through are `outs`. The kernel's dispatch
 * (src/kern/trap_table.ts), the TRAP_ARGS wire operation, the Node client
 * and the docs all read this table.
 */

export interface TrapDescription {
  readonly number: number;
  readonly name: string;
  /** Arguments in order, each a 64-bit slot on the wire. */
  readonly args: readonly string[];
  /** Values the trap copies out on success, in order. */
  readonly outs: readonly string[];
  /**
   * The MIG routine whose libsystem wrapper tries this trap first and sends the message only when
   * the trap answers MACH_SEND_INVALID_DEST (libsyscall/mach/mach_port.c, mach_vm.c): the C stub
   * generator emits that wrapper under the routine's name.
   */
  readonly routine?: string;
}

const trap = (number: number, name: string, args: string[], outs: string[] = [], routine?: string): TrapDescription => ({ number, name, args, outs, routine });

export const MACH_TRAPS: readonly TrapDescription[] = [
  trap(10, "_kernelrpc_mach_vm_allocate_trap", ["target", "addr", "size", "flags"], ["addr"], "mach_vm_allocate"),
  trap(12, "_kernelrpc_mach_vm_deallocate_trap", ["target", "address", "size"], [], "mach_vm_deallocate"),
  trap(14, "_kernelrpc_mach_vm_protect_trap", ["target", "address", "size", "set_maximum", "new_protection"], [], "mach_vm_protect"),
  trap(15, "_kernelrpc_mach_vm_map_trap", ["target", "addr", "size", "mask", "flags", "cur_protection"], ["addr"], "mach_vm_map"),
  trap(16, "_kernelrpc_mach_port_allocate_trap", ["target", "right"], ["name"], "mach_port_allocate"),
  trap(17, "_kernelrpc_mach_port_destroy_trap", ["target", "name"], [], "mach_port_destroy"),
  trap(18, "_kernelrpc_mach_port_deallocate_trap", ["target", "name"], [], "mach_port_deallocate"),
  trap(19, "_kernelrpc_mach_port_mod_refs_trap", ["target", "name", "right", "delta"], [], "mach_port_mod_refs"),
  trap(20, "_kernelrpc_mach_port_move_member_trap", ["target", "member", "after"], [], "mach_port_move_member"),
  trap(21, "_kernelrpc_mach_port_insert_right_trap", ["target", "name", "poly", "polyPoly"], [], "mach_port_insert_right"),
  trap(22, "_kernelrpc_mach_port_insert_member_trap", ["target", "name", "pset"], [], "mach_port_insert_member"),
  trap(23, "_kernelrpc_mach_port_extract_member_trap", ["target", "name", "pset"], [], "mach_port_extract_member"),
  trap(24, "_kernelrpc_mach_port_construct_trap", ["target", "flags", "qlimit", "context"], ["name"], "mach_port_construct"),
  trap(25, "_kernelrpc_mach_port_destruct_trap", ["target", "name", "srdelta", "guard"], [], "mach_port_destruct"),
  trap(33, "semaphore_signal_trap", ["signal_name"]),
  trap(34, "semaphore_signal_all_trap", ["signal_name"]),
  trap(35, "semaphore_signal_thread_trap", ["signal_name", "thread_name"]),
  trap(36, "semaphore_wait_trap", ["wait_name"]),
  trap(37, "semaphore_wait_signal_trap", ["wait_name", "signal_name"]),
  trap(38, "semaphore_timedwait_trap", ["wait_name", "sec", "nsec"]),
  trap(39, "semaphore_timedwait_signal_trap", ["wait_name", "signal_name", "sec", "nsec"]),
  trap(41, "_kernelrpc_mach_port_guard_trap", ["target", "name", "guard", "strict"], [], "mach_port_guard"),
  trap(42, "_kernelrpc_mach_port_unguard_trap", ["target", "name", "guard"], [], "mach_port_unguard"),
  // BSD's (bsd/vm/vm_unix.c, src/kern/task_for_pid.ts): the out word is written whatever the answer.
  trap(44, "task_name_for_pid", ["target_tport", "pid"], ["tn"]),
  trap(45, "task_for_pid", ["target_tport", "pid"], ["t"]),
  trap(46, "pid_for_task", ["t"], ["x"]),
  // osfmk/kern/clock_oldops.c (src/kern/clock_sleep.ts): the wake-up time's mach_timespec_t comes back as its 8 bytes in one slot.
  trap(62, "clock_sleep_trap", ["clock_name", "sleep_type", "sleep_sec", "sleep_nsec", "wakeup_time"], ["wakeup_time"]),
  // osfmk/kern/mk_timer.c (src/kern/mk_timer.ts): create answers the new name, not a kern_return_t.
  trap(91, "mk_timer_create_trap", []),
  trap(92, "mk_timer_destroy_trap", ["name"]),
  trap(93, "mk_timer_arm_trap", ["name", "expire_time"]),
  trap(94, "mk_timer_cancel_trap", ["name", "result_time"], ["result_time"]),
];

const byNumber = new Map(MACH_TRAPS.map((t) => [t.number, t]));
const byName = new Map(MACH_TRAPS.map((t) => [t.name, t]));

/** A trap by number or name ("_kernelrpc_mach_port_allocate_trap", or without the `_trap` suffix). */
export function findTrap(trap: number | string): TrapDescription | undefined {
  if (typeof trap === "number") return byNumber.get(trap);
  return byName.get(trap) ?? byName.get(`${trap}_trap`);
}

/** Arguments by name, as the TypeScript APIs take them (numbers, or bigints for 64-bit values). */
export type TrapArgs = Record<string, number | bigint | boolean>;
/** The kern_return_t, and on success the copied-out values by name. */
export type TrapResult = { kr: number } & Record<string, number | bigint>;

/** The argument slots of a call, in the table's order; a missing argument is a programmer error. */
export function trapSlots(t: TrapDescription, args: TrapArgs): bigint[] {
  return t.args.map((name) => {
    const v = args[name];
    if (v === undefined) throw new Error(`${t.name}: missing argument ${name}`);
    return typeof v === "bigint" ? BigInt.asUintN(64, v) : typeof v === "boolean" ? (v ? 1n : 0n) : BigInt.asUintN(64, BigInt(v));
  });
}

/** The copied-out values that are 64-bit (an address, mk_timer_cancel's armed time, clock_sleep's packed wake time), which come back as bigints. */
const WIDE_OUTS: readonly string[] = ["addr", "result_time", "wakeup_time"];

/** Copied-out slots back to names; 32-bit values come back as numbers. */
export function trapResult(t: TrapDescription, kr: number, outs: readonly bigint[], wide: readonly string[] = WIDE_OUTS): TrapResult {
  const r: TrapResult = { kr };
  t.outs.forEach((name, i) => {
    const v = outs[i] ?? 0n;
    r[name] = wide.includes(name) ? v : Number(BigInt.asUintN(32, v));
  });
  return r;
}
