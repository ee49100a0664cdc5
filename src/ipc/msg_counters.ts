/**
 * task->messages_sent and task->messages_received (osfmk/kern/task.h): xnu-3248 bumps them on
 * current_task(), the task whose thread is running the code, wherever a message is posted
 * (ipc_mqueue_post, and ipc_kmsg_send's hand-over to a kernel object) and wherever a receiver takes
 * a queued one (ipc_mqueue_select_on_thread). The IPC layer knows no tasks: the kernel installs the
 * counts of the task whose trap runs (Thread) for the length of the trap, as it installs the
 * guard sink (guard.ts), and a post or a receive made with none installed is credited to nobody.
 */

/** What the IPC paths count on a task (the Task's own fields: nothing is made per message). */
export interface MsgCounts {
  messagesSent: number;
  messagesReceived: number;
}

let current: MsgCounts | null = null;

/** Install the counts the running trap credits; returns the ones installed before, to restore. */
export function setCurrentCounts(c: MsgCounts | null): MsgCounts | null {
  const prev = current;
  current = c;
  return prev;
}

/** The counts installed now (a sender that has to wait keeps them for the post made later). */
export function currentCounts(): MsgCounts | null {
  return current;
}

/** A message was posted by the current task (ipc_mqueue_post, or a send to a kernel object). */
export function countSent(): void {
  if (current !== null) current.messagesSent++;
}

/** The current task took a queued message (ipc_mqueue_select_on_thread). */
export function countReceived(): void {
  if (current !== null) current.messagesReceived++;
}
