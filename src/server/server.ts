/**
 * `machipc serve`: a kernel behind a Unix domain socket. Each connecting
 * process is a task with the credentials the kernel gives for the socket's
 * peer, each client thread a thread of it; a process that goes away is a
 * task that dies. See docs/server.md for the trust model and the limits.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Kernel, type BootOptions } from "../index.js";
import type { IpcKmsg } from "../ipc/kmsg.js";
import { observeQueues } from "../ipc/mqueue.js";
import type { IpcPort } from "../ipc/port.js";
import { setSendObserver } from "../ipc/send.js";
import { Task } from "../kern/task.js";
import { ADMIN_COMMPAGE, ADMIN_CREDENTIALS, ADMIN_HOST, ADMIN_INVARIANT, ADMIN_LSMP, ADMIN_LSMP_ALL, ADMIN_PROC_NAME, ADMIN_TASKS, ADMIN_TRACE, FrameReader, MAX_EXCEPTION_FRAME, MAX_FRAME_BEFORE_HELLO, ProtocolError } from "./protocol.js";
import { Session, type TaskRegistry } from "./session.js";
import { hostReport, lsmpAll, lsmpRows, taskList, traceLine } from "./admin.js";
import { ServeError, claimSocketPath, listenErrorMessage } from "./probe.js";
import { macMayInspect, type TaskForPidRule } from "../kern/task_for_pid.js";
import { nativeHelpers, peerCredentials } from "./native.js";
import { openWire } from "./wire.js";
import { DEFAULT_LIMITS, MemoryBudget, SMALL_FRAME, kmsgBytes, type ClientAccount, type ServerLimits } from "./limits.js";
import { defaultSocketPath, prepareSocketDir, SocketPathError, socketMode, verifySocket, type SocketScope } from "./socket_path.js";

export { defaultSocketPath, ServeError };

export interface ServeOptions {
  /** Socket path; default the user's runtime directory (docs/server.md), or /run/machipc for `system`. */
  socketPath?: string;
  /** Serve every local user (root only; socket 0666 in a root-owned 0755 directory) instead of only the server's own user. */
  system?: boolean;
  /** A kernel to serve; default a fresh one booted with `boot`. */
  kernel?: Kernel;
  boot?: BootOptions;
  /** Per-task name limit (also `limits.maxNames`). */
  maxNames?: number;
  /** Resource limits; each defaults to DEFAULT_LIMITS. */
  limits?: Partial<ServerLimits>;
  /** Bootstrap services declared in advance (`--service NAME`), as a plist's MachServices. */
  services?: string[];
  /** Who may task_for_pid whom when no MAC policy says (`--task-for-pid root|posix`; default root). */
  taskForPid?: TaskForPidRule;
  log?: (line: string) => void;
}

/** Who may see whose rights: mac_proc_check_get_task's policy hook when there is one, else root every task, a user its own uid's. */
export function mayInspect(viewer: Task, target: Task): boolean {
  return macMayInspect(viewer, target);
}

/** Which server's account a queued message is charged to, and how much (IpcKmsg.queuedNote). */
class QueuedCharge {
  constructor(
    readonly server: MachipcServer,
    readonly account: ClientAccount,
    readonly bytes: number,
  ) {}
}

export class MachipcServer {
  readonly kernel: Kernel;
  readonly socketPath: string;
  readonly scope: SocketScope;
  readonly limits: ServerLimits;
  private readonly budget: MemoryBudget;
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private readonly byTask = new Map<Task, Session>();
  private readonly registry: TaskRegistry = { byToken: new Map() };
  private readonly tracers = new Map<(line: string) => void, Task>();
  private readonly log: (line: string) => void;

  constructor(opts: ServeOptions = {}) {
    // A served kernel has launchd: every connecting process is one of its children.
    this.kernel = opts.kernel ?? Kernel.boot({ bootstrap: { services: opts.services ?? [] }, taskForPid: opts.taskForPid, ...opts.boot });
    this.scope = opts.system ? "system" : "user";
    this.socketPath = opts.socketPath ?? defaultSocketPath(this.scope);
    this.limits = { ...DEFAULT_LIMITS, ...(opts.maxNames !== undefined ? { maxNames: opts.maxNames } : {}), ...opts.limits };
    this.budget = new MemoryBudget(this.limits);
    this.log = opts.log ?? (() => undefined);
    // Nothing is read through the accepted socket: openWire reads the connection (src/server/wire.ts).
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.accept(sock));
    this.server.maxConnections = this.limits.maxConnections;
    this.server.on("drop", () => this.log(`refused a connection: ${this.limits.maxConnections} connections already (maxConnections)`));
    // Only what can wait in a queue is charged: a kernel reply its trap takes at once may skip the queue (mqueueIdle).
    observeQueues(this.queueObserver, true, false);
  }

  /**
   * Start listening: the directory checked (or made) first; a live server on
   * the path refused (ServeError), a socket a dead one left replaced, anything
   * else there left alone; the socket created with its final mode (the umask
   * is set around bind) and checked after.
   */
  async listen(): Promise<void> {
    prepareSocketDir(this.socketPath, this.scope);
    await claimSocketPath(this.socketPath);
    return new Promise((resolve, reject) => {
      this.server.once("error", (e: NodeJS.ErrnoException) => reject(new ServeError(listenErrorMessage(this.socketPath, e))));
      const umask = process.umask(0o777 & ~socketMode(this.scope));
      try {
        this.server.listen(this.socketPath, () => {
          const problem = verifySocket(this.socketPath, this.scope);
          if (problem) {
            this.server.close();
            reject(new SocketPathError(`refusing to serve: ${problem}`));
          } else {
            this.watchCalendar();
            resolve();
          }
        });
      } finally {
        process.umask(umask);
      }
    });
  }

  /**
   * HOST_NOTIFY_CALENDAR_CHANGE when the machine's wall clock is set underneath
   * (settimeofday, an NTP step), as XNU's clock_set_calendar_microtime posts it.
   * Where the addon cannot watch (not Linux), `calendarWatchError` says why.
   */
  private watchCalendar(): void {
    try {
      this.calendarWatch = nativeHelpers().watchCalendar(() => this.kernel.postCalendarChange());
    } catch (e) {
      this.calendarWatchError = e instanceof Error ? e : new Error(String(e));
    }
  }
  private calendarWatch: { stop(): void } | null = null;
  calendarWatchError: Error | null = null;

  close(): Promise<void> {
    this.calendarWatch?.stop();
    this.calendarWatch = null;
    for (const s of this.sessions) s.close();
    setSendObserver(null);
    observeQueues(this.queueObserver, false);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Bytes clients hold in the server now (frames, queued messages, reservations). */
  get heldBytes(): number {
    return this.budget.total;
  }

  /** How many `machipc trace` clients are listening. */
  get tracerCount(): number {
    return this.tracers.size;
  }

  private readonly queueObserver = (kmsg: IpcKmsg, port: IpcPort, delta: 1 | -1): void => this.accountQueued(kmsg, port, delta);

  /** A queued message counts against the task that sent it, or for the kernel's, the task it waits for. */
  private accountQueued(kmsg: IpcKmsg, port: IpcPort, delta: 1 | -1): void {
    if (delta < 0) {
      const c = kmsg.queuedNote;
      // Another server in this process may have charged it: that one releases it.
      if (c instanceof QueuedCharge && c.server === this) {
        kmsg.queuedNote = null;
        c.account.release("queued", c.bytes);
      }
      return;
    }
    // A port in transit is where its receive right's message waits: follow that to a space.
    let at: IpcPort | null = port;
    for (let hops = 0; at && !at.receiver && hops < 4096; hops++) at = at.destination;
    const owner = at?.receiver?.owner;
    // Another kernel's port (another server in this process) is not ours to count.
    if ((owner instanceof Task ? owner.kernel : owner) !== this.kernel) return;
    const sender = this.kernel.tasks.get(kmsg.senderTaskId);
    const session = (sender && this.byTask.get(sender)) ?? (owner instanceof Task ? this.byTask.get(owner) : undefined);
    if (!session) return;
    const bytes = kmsgBytes(kmsg);
    session.account.charge("queued", bytes);
    kmsg.queuedNote = new QueuedCharge(this, session.account, bytes);
  }

  private accept(accepted: Socket): void {
    const peer = peerCredentials(accepted);
    if (peer instanceof Error) {
      // Without the kernel's word on who this is, nothing it says can be believed.
      this.log(`refused a connection: cannot read its credentials (${peer.message})`);
      accepted.destroy();
      return;
    }
    const me = process.getuid?.() ?? 0;
    if (this.scope === "user" && peer.uid !== me && peer.uid !== 0) {
      this.log(`refused pid ${peer.pid}: uid ${peer.uid} is not this server's user (${me}); a system server (--system) serves every user`);
      accepted.destroy();
      return;
    }
    let sock: Socket;
    try {
      sock = openWire(accepted, (bytes) => onRead(bytes));
    } catch (e) {
      this.log(`refused pid ${peer.pid}: cannot serve its connection (${e instanceof Error ? e.message : String(e)})`);
      accepted.destroy();
      return;
    }
    const session = new Session(sock, peer, {
      kernel: this.kernel,
      registry: this.registry,
      limits: this.limits,
      budget: this.budget,
      admin: (s, cmd, arg, push) => this.admin(s, cmd, arg, push),
      log: this.log,
    });
    this.sessions.add(session);
    const reader = new FrameReader();
    reader.gather = (n) => session.gatherBuffer(n);
    // A fault handler's connection starts with an EXCEPTION frame (registers and all).
    reader.maxFrame = Math.max(MAX_FRAME_BEFORE_HELLO, MAX_EXCEPTION_FRAME);
    const helloTimer = setTimeout(() => {
      if (!session.task) drop(`no HELLO or JOIN within ${this.limits.helloTimeoutMs} ms`);
    }, this.limits.helloTimeoutMs);
    helloTimer.unref();
    let waitingForRoom: (() => boolean) | null = null;
    const drop = (why: string): void => {
      clearTimeout(helloTimer);
      if (waitingForRoom) this.budget.cancel(waitingForRoom);
      if (!this.sessions.delete(session)) return;
      // A session that closed itself (a refusal, a stuck reader) has logged why; it still leaves the tables.
      if (!session.closed) {
        // A connection that never said HELLO and just closed is a probe (a second `machipc serve` checking for us).
        if (session.task) this.log(`${session.task.name} (pid ${session.task.pid}) ${why}`);
        else if (why !== "disconnected") this.log(`a client (pid ${peer.pid}) ${why}`);
      }
      if (session.task && this.byTask.get(session.task) === session) this.byTask.delete(session.task);
      session.close();
    };
    /** A large frame is read only once the total has room for it; until then the socket is paused. */
    const roomFor = (): boolean => {
      const length = reader.pendingLength();
      if (length <= SMALL_FRAME || length > reader.maxFrame) return true;
      if (session.account.reserve(length)) return true;
      if (!waitingForRoom) {
        sock.pause();
        waitingForRoom = () => {
          if (session.closed || !session.account.reserve(reader.pendingLength())) return session.closed;
          waitingForRoom = null;
          sock.resume();
          return true;
        };
        this.budget.wait(waitingForRoom);
      }
      return false;
    };
    const onRead = (bytes: Uint8Array): void => {
      // The read buffer is the next read's (wire.ts): the chunk is borrowed.
      reader.push(bytes, true);
      for (;;) {
        let f = reader.next();
        if (f === null) {
          roomFor();
          // What is left of a frame is copied out of the read buffer.
          reader.keepBorrowed();
          return;
        }
        if (f instanceof Error) return drop(`dropped (protocol error: ${f.message})`);
        let borrowed = reader.lastBorrowed;
        if (borrowed && session.keepsFrame(f)) {
          f = f.slice();
          borrowed = false;
        }
        session.account.unreserve();
        const hadTask = session.task !== null;
        try {
          session.handle(f, borrowed);
        } catch (e) {
          if (e instanceof ProtocolError) return drop(`dropped (protocol error: ${e.message})`);
          // An internal fault on one client's request must not take the server down with it.
          return drop(`dropped (internal error: ${e instanceof Error ? e.message : String(e)})`);
        }
        if (session.closed) return drop("was refused");
        if (!hadTask && session.task) {
          clearTimeout(helloTimer);
          reader.maxFrame = this.limits.maxFrame;
          if (!this.byTask.has(session.task)) this.byTask.set(session.task, session);
        }
      }
    };
    sock.on("close", () => drop("disconnected"));
    sock.on("error", () => drop("dropped (connection error)"));
  }

  private admin(session: Session, command: number, argument: number, push: (text: string) => void): string | null {
    const viewer = session.task!;
    // The tasks this caller may see, which are also all lsmp cross-references against (as lsmp run by that user would).
    const visible = (): Task[] => [...this.kernel.tasks.values()].filter((t) => mayInspect(viewer, t));
    switch (command) {
      case ADMIN_TASKS:
        return JSON.stringify(taskList(this.kernel, visible()));
      case ADMIN_LSMP: {
        const target = this.kernel.tasks.get(argument);
        if (target && !mayInspect(viewer, target)) return JSON.stringify({ error: `not permitted to inspect pid ${argument}: only root and the task's own user may (task_for_pid)` });
        return JSON.stringify(lsmpRows(this.kernel, argument, visible()));
      }
      case ADMIN_LSMP_ALL:
        return JSON.stringify(lsmpAll(this.kernel, visible()));
      case ADMIN_HOST:
        return JSON.stringify(hostReport(this.kernel));
      case ADMIN_PROC_NAME: {
        const task = this.kernel.tasks.get(argument);
        return JSON.stringify(task ? { name: task.name } : {});
      }
      case ADMIN_COMMPAGE:
        // Every task maps the commpage: no rule to apply.
        return JSON.stringify({ atmDiagnosticConfig: this.kernel.atmDiagnosticFlag >>> 0 });
      case ADMIN_CREDENTIALS:
        return JSON.stringify(session.credentialChanged());
      case ADMIN_INVARIANT:
        // The whole kernel is its server's: root and the user running the server may check it.
        return JSON.stringify(viewer.uid === 0 || viewer.uid === (process.getuid?.() ?? 0) ? { violations: this.kernel.findViolations(), heldBytes: this.budget.total } : { error: "only root and the server's own user may check the whole kernel" });
      case ADMIN_TRACE: {
        this.tracers.set(push, viewer);
        session.socket.once("close", () => {
          this.tracers.delete(push);
          if (this.tracers.size === 0) setSendObserver(null);
        });
        setSendObserver((kmsg, dest) => this.traceMessage(kmsg, dest));
        return null;
      }
      default:
        return JSON.stringify({ error: `unknown admin command ${command}` });
    }
  }

  /** A message goes to each tracer that may see its sender or the task that receives it. */
  private traceMessage(kmsg: IpcKmsg, dest: IpcPort): void {
    const sender = this.kernel.tasks.get(kmsg.senderTaskId);
    const owner = dest.receiver?.owner;
    const receiver = owner instanceof Task ? owner : undefined;
    let line: string | null = null;
    for (const [push, viewer] of this.tracers) {
      if (!((sender && mayInspect(viewer, sender)) || (receiver && mayInspect(viewer, receiver)))) continue;
      line ??= traceLine(this.kernel, kmsg, dest);
      push(line);
    }
  }
}
