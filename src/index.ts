/**
 * machipc: XNU's Mach host IPC layer (xnu-3248.40.184) in TypeScript.
 *
 *     import { Kernel } from "machipc";
 *     const kernel = Kernel.boot();
 *     const task = kernel.createTask({ uid: 501 });
 *     const thread = task.createThread();
 *     const kr = await thread.machMsg(buf, option, sendSize, rcvSize, rcvName, timeout, notify);
 */
import { Kernel } from "./kern/kernel.js";
import { installSubsystems } from "./subsystems/index.js";

import { installBootstrapSubsystem } from "./kern/bootstrap.js";
import { installBootstrap } from "./subsystems/bootstrap.js";

Kernel.installSubsystems(installSubsystems);
installBootstrapSubsystem(installBootstrap);

export { Kernel };
export type { BootOptions, BugFixes, KernelCall } from "./kern/kernel.js";
export { Task, type TaskOptions } from "./kern/task.js";
export { Thread } from "./kern/thread.js";
export * from "./abi/kern_return.js";
export * from "./abi/message.js";
export * from "./abi/port.js";
export * from "./abi/ikot.js";
export * from "./abi/exception.js";
export * from "./abi/host.js";
export * from "./abi/msg_layout.js";
export { defineLayout, viewOf, type Layout } from "./abi/layout.js";
export { allowAllPolicy, rootOnlyHostPolicy, type MacPolicy, type Credential } from "./kern/mac.js";
export { InvariantViolation } from "./ipc/invariant.js";
export * from "./abi/thread_status.js";
export * from "./abi/vm_region.js";
export { kernReturnName } from "./abi/names.js";
export {
  TASK_KERNEL_PORT,
  TASK_HOST_PORT,
  TASK_NAME_PORT,
  TASK_BOOTSTRAP_PORT,
  TASK_SEATBELT_PORT,
  TASK_ACCESS_PORT,
  TASK_DEBUG_CONTROL_PORT,
  THREAD_KERNEL_PORT,
} from "./kern/ipc_tt.js";
export { MachineState } from "./kern/thread_state.js";
export type { ExceptionOutcome, ExceptionLevel, RaiseOptions, LevelAttempt } from "./kern/exception.js";
export { EXCEPTIONS_WAITING_MAX } from "./kern/exception.js";
export type { UserArgs, UserResult } from "./mig/call.js";
export * from "./abi/info.js";
export { MigArgumentError } from "./mig/validate.js";
export type { CallArgs, CallResult, KernError, RoutineArgs, RoutineId, RoutineKey, RoutineName, RoutineOuts, RoutineResult, Routines } from "./mig/typed.js";
export type { PortIn, UserPort } from "./mig/user.js";
export { MachipcServer, defaultSocketPath, type ServeOptions } from "./server/server.js";
export * from "./abi/bootstrap.js";
export { bootstrapCheckIn, bootstrapRegister, bootstrapLookUp, bootstrapParent, bootstrapStrerrorText, type PortResult } from "./subsystems/bootstrap_user.js";
export type { MachService } from "./kern/bootstrap.js";
export { taskFork, taskExec, taskSetCredential, type ForkOptions, type ExecOptions, type TaskCredential } from "./kern/proc.js";
export { taskForPid, taskNameForPid, pidForTask, type TaskForPidRule } from "./kern/task_for_pid.js";
