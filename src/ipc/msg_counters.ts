/**
 * task->messages_sent and task->messages_received (osfmk/kern/task.h): xnu-3248 bumps them on
 * current_task(), the task whose thread is running the code, wherever a message is posted
 * (ipc_mqueue_post, and ipc_kmsg_send's hand-over to a kernel object) and wherever a receiver takes
 * a queued one (ipc_mqueue_select_on_thread). The IPC layer knows no tasks: the kernel installs the
 * running trap's owner (current.ts), whose task's counts these are, and a post or a receive made
 * with none installed is credited to nobody.
 */
import { trapOwner } from "./current.js";

/** What the IPC paths count on a task (the Task's own fields: nothing is made per message). */
export interface MsgCounts {
  messagesSent: number;
  messagesReceived: number;
}

/** A message was posted by the current task (ipc_mqueue_post, or a send to a kernel object). */
export function countSent(): void {
  const o = trapOwner();
  if (o !== null) o.counts.messagesSent++;
}

/** The current task took a queued message (ipc_mqueue_select_on_thread). */
export function countReceived(): void {
  const o = trapOwner();
  if (o !== null) o.counts.messagesReceived++;
}

/** A kernel object's reply posted and taken off the queue by the same trap (mach_msg.ts's held reply). */
export function countSentAndReceived(): void {
  const o = trapOwner();
  if (o !== null) {
    const c = o.counts;
    c.messagesSent++;
    c.messagesReceived++;
  }
}

/** The current task's counts (a sender that has to wait keeps them for the post made later). */
export function currentCounts(): MsgCounts | null {
  const o = trapOwner();
  return o === null ? null : o.counts;
}
