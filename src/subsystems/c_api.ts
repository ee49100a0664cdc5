/**
 * The subsystems libmachipc's generated C covers: a user stub for every
 * routine the kernel serves and for the exception messages a program raises,
 * and servers for the exc, mach_exc and notify messages a program receives.
 */
import { renderCFiles, renderReadmeRoutines, rewriteMarked, type UserSubsystem } from "../mig/c_files.js";
import type { Routine } from "../mig/routine.js";
import { EXC_BASE, MACH_EXC_BASE, excRoutines, machExcRoutines } from "./exc.js";
import { servedSubsystems } from "./index.js";
import { machHostLibsyscallRoutines } from "./mach_host.js";
import { NOTIFY_BASE, notifyRoutines } from "./notify.js";
import { BOOTSTRAP_BASE, BOOTSTRAP_USER_PREFIX, bootstrapRoutines } from "./bootstrap.js";
import { CLOCK_REPLY_BASE, clockReplyRoutines } from "./clock_reply.js";

/** The .defs that import mach_debug_types.defs. */
const DEBUG_TYPES = new Set(["mach_host", "host_priv", "mach_port", "task", "vm_map", "mach_vm"]);

/**
 * The user side of mach_vm.defs and vm_map.defs as libsystem builds it: `PREFIX(name)` routines
 * are `_kernelrpc_<name>` stubs under libsyscall/mach/mach_vm.c's wrappers (mach_vm_map's and
 * vm_map's are libmachipc's own, in native/src/vm.c: the trap for anonymous memory first), and
 * vm_map.defs skips allocate / deallocate / protect, which libsystem makes over mach_vm_*.
 * libmachipc's own too (native/src/vm.c), with their messages under `_kernelrpc_<name>` (a name
 * libsystem does not have): inherit, msync and behavior_set, done on the process's own mappings
 * when the target is its own task, and read_list, read entry by entry with mach_vm_read since the
 * kernel cannot give a process new memory from outside; and remap, done on the process's own
 * mappings when both tasks are its own.
 */
const VM_USER_SIDE: Record<string, Pick<UserSubsystem, "kernelrpc" | "userSkip" | "note">> = {
  mach_vm: {
    kernelrpc: {
      mach_vm_read: "wrap",
      mach_vm_map: "native",
      mach_vm_inherit: "native",
      mach_vm_msync: "native",
      mach_vm_behavior_set: "native",
      mach_vm_read_list: "native",
      mach_vm_remap: "native",
    },
  },
  vm_map: {
    kernelrpc: { vm_read: "wrap", vm_map: "native", vm_inherit: "native", vm_msync: "native", vm_behavior_set: "native", vm_read_list: "native", vm_remap: "native" },
    userSkip: ["vm_allocate", "vm_deallocate", "vm_protect"],
    note: "`vm_allocate`, `vm_deallocate` and `vm_protect` call `mach_vm_allocate`, `mach_vm_deallocate` and `mach_vm_protect`, as libsystem's do (native/src/vm.c). For a task that is a process outside the server, the routines that would change its address space or its entries (allocate, deallocate, protect, map, remap, inherit, a lasting behavior, a synchronous msync of a shared file) answer `KERN_NOT_SUPPORTED`; reads, writes, copies, region walks, page queries (from /proc/PID/pagemap) and advice work (docs/processes.md). On a program's own task, `vm_inherit` / `mach_vm_inherit` (MADV_DONTFORK / DOFORK, a private mapping made shared in place for VM_INHERIT_SHARE), `vm_msync` / `mach_vm_msync` (msync(2) of shared file mappings, MADV_FREE / MADV_COLD for killed or deactivated pages) and `vm_behavior_set` / `mach_vm_behavior_set` (madvise) are done locally with the kernel's checks and codes; `vm_read_list` / `mach_vm_read_list` read each entry with `mach_vm_read`; `vm_remap` / `mach_vm_remap` with both tasks the program's own are done locally too (copy TRUE: fresh pages with the bytes; copy FALSE: the same pages mapped twice, a private mapping made shared in place), any other is the message. Memory entries (`mach_make_memory_entry_64` and its forms) are the kernel's: for such a process a new object or a copy of its range can be made, its own pages cannot be named and no entry can be mapped into it (`KERN_NOT_SUPPORTED`).",
  },
};

/** Routines only libsystem has (the kernel skips their ids): declared in the SDK's header, libmachipc's own C. */
const LIBSYSCALL_ONLY: Record<string, Routine<unknown>[]> = { mach_host: machHostLibsyscallRoutines as Routine<unknown>[] };

export const cUserSubsystems: UserSubsystem[] = [
  ...servedSubsystems.map((s) => {
    const own = LIBSYSCALL_ONLY[s.name] ?? [];
    const side = VM_USER_SIDE[s.name];
    return {
      name: s.name,
      base: s.base,
      routines: [...(s.routines as Routine<unknown>[]), ...own],
      imports: DEBUG_TYPES.has(s.name) ? ["mach_debug/mach_debug_types.h"] : [],
      ...side,
      ...(own.length > 0 ? { userSkip: [...(side?.userSkip ?? []), ...own.map((r) => r.name)] } : {}),
    };
  }),
  { name: "exc", base: EXC_BASE, routines: excRoutines },
  { name: "mach_exc", base: MACH_EXC_BASE, routines: machExcRoutines },
  { name: "clock_reply", base: CLOCK_REPLY_BASE, routines: clockReplyRoutines },
  // job.defs (launchd's bootstrap subsystem): liblaunch's own stubs, under <servers/bootstrap.h>'s calls.
  {
    name: "job",
    base: BOOTSTRAP_BASE,
    routines: bootstrapRoutines as Routine<unknown>[],
    imports: ['"../job_types.h"'],
    userPrefix: BOOTSTRAP_USER_PREFIX,
    privateHeader: true,
    publicHeader: "<servers/bootstrap.h>",
    note: "liblaunch's stubs (job.defs' `userprefix vproc_mig_`), private to libmachipc: `<servers/bootstrap.h>`'s `bootstrap_check_in`, `bootstrap_register`, `bootstrap_look_up`, `bootstrap_parent` and their `*2` forms call them (native/src/bootstrap.c).",
  },
];

export const cServerSubsystems = [
  { name: "exc", base: EXC_BASE, prefix: "catch_", routines: excRoutines },
  { name: "mach_exc", base: MACH_EXC_BASE, prefix: "catch_", routines: machExcRoutines },
  { name: "notify", base: NOTIFY_BASE, prefix: "do_", routines: notifyRoutines },
];

/** Every generated C file (and the docs list), by path. */
export const renderCApi = (): Map<string, string> => renderCFiles(cUserSubsystems, cServerSubsystems);

/** The README with its generated list of libmachipc's routines brought up to date. */
export const renderReadme = (readme: string): string => rewriteMarked(readme, renderReadmeRoutines(cUserSubsystems, cServerSubsystems));
