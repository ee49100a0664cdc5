/**
 * task->messages_sent and task->messages_received (osfmk/kern/task.h): xnu-3248 bumps them on
 * current_task(), the task whose thread is running the code, wherever a message is posted
 * (ipc_mqueue_post, and ipc_kmsg_send's hand-over to a kernel object) and wherever a receiver takes
 * a queued one (ipc_mqueue_select_on_thread). The IPC layer knows no tasks: a trap's sends and
 * receives are given the counts of its thread's task (mach_msg.ts's MsgContext), and what the
 * kernel sends from deeper down (a notification) is counted on the running trap's owner's task
 * (current.ts); with no trap running, nobody is credited.
 */
import { trapOwner } from "./current.js";

/** What the IPC paths count on a task (the Task's own fields: nothing is made per message). */
export interface MsgCounts {
  messagesSent: number;
  messagesReceived: number;
}

/** The counts of the task whose trap runs now, or null outside any trap. */
export function currentCounts(): MsgCounts | null {
  const o = trapOwner();
  return o === null ? null : o.counts;
}
