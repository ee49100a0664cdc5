/**
 * `machipc serve`: a kernel behind a Unix domain socket. Each connecting
 * process is a task (its identity from the handshake, checked against the
 * peer process), each client thread a thread of it; a process that goes
 * away is a task that dies.
 */
import { createServer, type Server, type Socket } from "node:net";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, type BootOptions } from "../index.js";
import { setSendObserver } from "../ipc/send.js";
import { ADMIN_HOST, ADMIN_LSMP, ADMIN_TASKS, ADMIN_TRACE, FrameReader } from "./protocol.js";
import { ProtocolError, Session, type TaskRegistry } from "./session.js";
import { hostReport, lsmpRows, taskList, traceLine } from "./admin.js";
import type { TaskForPidRule } from "../kern/task_for_pid.js";

export interface ServeOptions {
  /** Socket path; default $XDG_RUNTIME_DIR/machipc.sock, else the temp dir. */
  socketPath?: string;
  /** A kernel to serve; default a fresh one booted with `boot`. */
  kernel?: Kernel;
  boot?: BootOptions;
  /** Per-task name limit. */
  maxNames?: number;
  /** Bootstrap services declared in advance (`--service NAME`), as a plist's MachServices. */
  services?: string[];
  /** Who may task_for_pid whom when no MAC policy says (`--task-for-pid root|posix`; default root). */
  taskForPid?: TaskForPidRule;
  log?: (line: string) => void;
}

export function defaultSocketPath(): string {
  const dir = process.env["XDG_RUNTIME_DIR"] || tmpdir();
  return join(dir, "machipc.sock");
}

export class MachipcServer {
  readonly kernel: Kernel;
  readonly socketPath: string;
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private readonly registry: TaskRegistry = { byToken: new Map() };
  private readonly tracers = new Set<(line: string) => void>();
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ServeOptions = {}) {
    // A served kernel has launchd: every connecting process is one of its children.
    this.kernel = opts.kernel ?? Kernel.boot({ bootstrap: { services: opts.services ?? [] }, taskForPid: opts.taskForPid, ...opts.boot });
    this.socketPath = opts.socketPath ?? defaultSocketPath();
    this.log = opts.log ?? (() => undefined);
    this.server = createServer((sock) => this.accept(sock));
  }

  /** Start listening (an old socket file left by a dead server is removed first). */
  listen(): Promise<void> {
    if (existsSync(this.socketPath)) unlinkSync(this.socketPath);
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.socketPath, () => {
        chmodSync(this.socketPath, 0o600);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sessions) s.close();
    setSendObserver(null);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** How many `machipc trace` clients are listening. */
  get tracerCount(): number {
    return this.tracers.size;
  }

  private accept(sock: Socket): void {
    const session = new Session(sock, {
      kernel: this.kernel,
      registry: this.registry,
      maxNames: this.opts.maxNames,
      admin: (s, cmd, arg, push) => this.admin(s, cmd, arg, push),
      log: this.log,
    });
    this.sessions.add(session);
    const reader = new FrameReader();
    const drop = (why: string): void => {
      if (session.closed) return;
      this.log(`${session.task?.name ?? "client"}: ${why}`);
      this.sessions.delete(session);
      session.close();
    };
    sock.on("data", (chunk: Buffer) => {
      reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      for (;;) {
        const f = reader.next();
        if (f === null) return;
        if (f instanceof Error) return drop(`protocol error: ${f.message}`);
        try {
          session.handle(f);
        } catch (e) {
          if (e instanceof ProtocolError) return drop(`protocol error: ${e.message}`);
          // An internal fault on one client's request must not take the server down with it.
          return drop(`internal error: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (session.closed) return drop("refused");
      }
    });
    sock.on("close", () => drop("disconnected"));
    sock.on("error", () => drop("connection error"));
  }

  private admin(session: Session, command: number, argument: number, push: (text: string) => void): string | null {
    switch (command) {
      case ADMIN_TASKS:
        return JSON.stringify(taskList(this.kernel));
      case ADMIN_LSMP:
        return JSON.stringify(lsmpRows(this.kernel, argument));
      case ADMIN_HOST:
        return JSON.stringify(hostReport(this.kernel));
      case ADMIN_TRACE: {
        this.tracers.add(push);
        session.socket.once("close", () => {
          this.tracers.delete(push);
          if (this.tracers.size === 0) setSendObserver(null);
        });
        setSendObserver((kmsg, dest) => {
          const line = traceLine(this.kernel, kmsg, dest);
          for (const t of this.tracers) t(line);
        });
        return null;
      }
      default:
        return JSON.stringify({ error: `unknown admin command ${command}` });
    }
  }
}
