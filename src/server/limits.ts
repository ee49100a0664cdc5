/**
 * What one client can make the server hold, and the server as a whole: each
 * limit has a default here, a `machipc serve` option, and a line in
 * docs/server.md. Mach-level limits answer with XNU's codes (the message is
 * not sent, nothing is lost); wire-level ones disconnect with a logged reason.
 */
import { KDESC_PORT_RUN, type IpcKmsg } from "../ipc/kmsg.js";

export interface ServerLimits {
  /** Largest frame after HELLO (a maximal Mach message and its OOL data). */
  maxFrame: number;
  /** Bytes one client may hold in the server: frames being handled, messages it queued, replies it has not read. */
  clientMemory: number;
  /** Bytes all clients together may hold; past it large frames wait to be read and sends get MACH_SEND_NO_BUFFER. */
  totalMemory: number;
  /** Bytes the clients of one uid may hold together (so one user cannot take a system server's memory from the others). */
  userMemory: number;
  /** Tasks (HELLOs) served at once. */
  maxTasks: number;
  /** Tasks of one uid at once. */
  maxTasksPerUser: number;
  /** Connections at once (each C thread is one). */
  maxConnections: number;
  /** Threads of one task (its connections plus THREAD ops). */
  maxThreadsPerTask: number;
  /** Names in one task's space (KERN_NO_SPACE past it): with maxTasks full tables stay well inside the heap. */
  maxNames: number;
  /** Milliseconds a connection may take to say HELLO or JOIN. */
  helloTimeoutMs: number;
  /** OOL regions held as descriptors (memfds) for one task's messages; past it they are read into memory. */
  maxOolFdsPerTask: number;
  /** OOL regions held as descriptors for all tasks (well under the server's RLIMIT_NOFILE). */
  maxOolFds: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxFrame: 64 * 1024 * 1024,
  clientMemory: 256 * 1024 * 1024,
  totalMemory: 1024 * 1024 * 1024,
  userMemory: 512 * 1024 * 1024,
  maxTasks: 128,
  maxTasksPerUser: 64,
  maxConnections: 1024,
  maxThreadsPerTask: 256,
  maxNames: 32768,
  helloTimeoutMs: 10_000,
  maxOolFdsPerTask: 64,
  maxOolFds: 512,
});

/** Frames up to this size are read whatever the total (so receives and small RPCs always get through). */
export const SMALL_FRAME = 64 * 1024;

/** Bytes a queued message holds: its inline body, its out-of-line memory, its OOL port arrays. */
export function kmsgBytes(kmsg: IpcKmsg): number {
  let n = kmsg.size;
  // A region held as a backing (a memfd) is not in the server's memory: ool_fd.ts counts its descriptor instead.
  if (kmsg.descs) for (const d of kmsg.descs) n += d.kind === 2 ? d.ports.length * 8 : d.kind === 0 || d.kind === KDESC_PORT_RUN || d.backing ? 0 : d.data.byteLength;
  return n;
}

/** What the clients of one uid hold together. */
interface UserHeld {
  held: number;
}

/** One client's account. */
export class ClientAccount {
  /** Frames read and not yet finished with (a blocked send keeps its frame), and their OOL copies. */
  frames = 0;
  /** Messages this client sent (or the kernel sent it) that sit in queues. */
  queued = 0;
  /** Space promised to the frame being read (granted against the total before it is read). */
  reserved = 0;
  /** After close() only queued messages are still released (as they leave their queues). */
  private closed = false;

  constructor(
    private readonly budget: MemoryBudget,
    /** Whose account it is (the peer's uid, from the kernel). */
    readonly uid: number,
    /** That uid's total, shared by its accounts (looked up once, not per charge). */
    private readonly user: UserHeld,
  ) {}

  /** What the client holds now; `output` is its unread replies. */
  held(output: number): number {
    return this.frames + this.queued + this.reserved + output;
  }

  /** What this account's uid holds over all its accounts (budget.userHeld of it, without the lookup). */
  get userHeld(): number {
    return this.user.held;
  }

  // Each kind by its own field (not this[kind]): a keyed access was a megamorphic lookup on every frame.
  charge(kind: "frames" | "queued", bytes: number): void {
    if (kind === "frames") {
      if (this.closed) return;
      this.frames += bytes;
    } else this.queued += bytes;
    this.budget.add(this.user, bytes);
  }

  release(kind: "frames" | "queued", bytes: number): void {
    if (kind === "frames") {
      if (this.closed) return;
      this.frames -= bytes;
    } else this.queued -= bytes;
    this.budget.add(this.user, -bytes);
    this.budget.released();
  }

  /** Reserve room for a large incoming frame; false (read nothing more) while the total has none. */
  reserve(bytes: number): boolean {
    if (this.reserved >= bytes) return true;
    const more = bytes - this.reserved;
    if (this.budget.total + more > this.budget.limits.totalMemory) return false;
    this.reserved = bytes;
    this.budget.add(this.user, more);
    return true;
  }

  /** The reserved frame arrived: its bytes now count as a frame being handled. */
  unreserve(): void {
    if (this.reserved === 0) return;
    this.budget.add(this.user, -this.reserved);
    this.reserved = 0;
  }

  /** The connection is gone: everything but queued messages (released as they leave their queues) goes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.add(this.user, -(this.frames + this.reserved));
    this.frames = this.reserved = 0;
    this.budget.released();
  }
}

/** The server's total, and who waits for room in it. */
export class MemoryBudget {
  total = 0;
  /** Every uid's total: a record per uid seen (kept at 0 rather than deleted and made again on every frame). */
  private readonly byUser = new Map<number, UserHeld>();
  private readonly waiting = new Set<() => boolean>();

  constructor(readonly limits: ServerLimits) {}

  account(uid: number): ClientAccount {
    let user = this.byUser.get(uid);
    if (!user) this.byUser.set(uid, (user = { held: 0 }));
    return new ClientAccount(this, uid, user);
  }

  add(user: UserHeld, bytes: number): void {
    this.total += bytes;
    user.held += bytes;
  }

  /** Bytes the clients of `uid` hold together. */
  userHeld(uid: number): number {
    return this.byUser.get(uid)?.held ?? 0;
  }

  /** Whether `bytes` more fit in the total. */
  fits(bytes: number): boolean {
    return this.total + bytes <= this.limits.totalMemory;
  }

  /** Call `retry` when room frees, until it returns true. */
  wait(retry: () => boolean): void {
    this.waiting.add(retry);
  }

  cancel(retry: () => boolean): void {
    this.waiting.delete(retry);
  }

  released(): void {
    // Nearly always nobody waits: no iterator is made for an empty set.
    if (this.waiting.size === 0) return;
    for (const r of this.waiting) if (r()) this.waiting.delete(r);
  }
}

/** Each limit's `machipc serve` flag and what it bounds (the CLI's parser and docs/server.md's table follow this list). */
export const LIMIT_OPTIONS: readonly { flag: string; key: keyof ServerLimits; what: string }[] = [
  { flag: "--max-frame", key: "maxFrame", what: "bytes in one frame after HELLO (a larger one disconnects)" },
  { flag: "--client-memory", key: "clientMemory", what: "bytes one client may hold: frames in progress, messages it queued, unread results" },
  { flag: "--total-memory", key: "totalMemory", what: "bytes all clients may hold together" },
  { flag: "--user-memory", key: "userMemory", what: "bytes the clients of one uid may hold together" },
  { flag: "--max-tasks", key: "maxTasks", what: "tasks (HELLOs) at once" },
  { flag: "--max-tasks-per-user", key: "maxTasksPerUser", what: "tasks of one uid at once" },
  { flag: "--max-connections", key: "maxConnections", what: "connections at once" },
  { flag: "--max-threads", key: "maxThreadsPerTask", what: "threads of one task" },
  { flag: "--max-names", key: "maxNames", what: "names in one task's space" },
  { flag: "--hello-timeout", key: "helloTimeoutMs", what: "milliseconds a connection may take to say HELLO or JOIN" },
  { flag: "--max-ool-fds-per-task", key: "maxOolFdsPerTask", what: "OOL regions one task's messages hold as descriptors (more are read into memory)" },
  { flag: "--max-ool-fds", key: "maxOolFds", what: "OOL regions held as descriptors for all tasks" },
];
