/**
 * `machipc inspect`: a page on 127.0.0.1 drawing a running server's tasks,
 * names, rights and the ports they reach (layout: inspect_graph.ts; page:
 * inspect_page.ts). The inspector polls the server's lsmp -a listing and
 * pushes a new drawing over server-sent events only when something changed;
 * its own connection is left out. When the server goes away the page says
 * so and keeps the last drawing, and the inspector reconnects.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ClientError, MachClient } from "../client/index.js";
import type { LsmpReport } from "../server/admin.js";
import { log, untilInterrupted } from "./io.js";
import { layout, type Drawing } from "./inspect_graph.js";
import { INSPECTOR_PAGE } from "./inspect_page.js";

export interface InspectorStatus {
  connected: boolean;
  message: string;
}

export interface InspectorOptions {
  socketPath: string;
  /** 0 picks a free port. */
  port: number;
  /** How often the server is asked for its state, in ms. */
  pollMs?: number;
}

/** The inspector: its connection to the server, the current drawing, the pages listening. */
export class Inspector {
  private client: MachClient | null = null;
  private drawing: (Drawing & { version: number }) | null = null;
  private reports: LsmpReport[] = [];
  private lastState = "";
  private version = 0;
  private statusNow: InspectorStatus = { connected: false, message: "connecting to the machipc server..." };
  private readonly pages = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;
  private http: Server | null = null;
  url = "";

  constructor(private readonly opts: InspectorOptions) {}

  /** Connect to the server (a failure here is the command's failure) and start serving the page. */
  async start(): Promise<void> {
    await this.connect();
    this.http = createServer((req, res) => this.route(req, res));
    const http = this.http;
    await new Promise<void>((resolve, reject) => {
      http.once("error", (e: NodeJS.ErrnoException) =>
        reject(
          new Error(
            e.code === "EADDRINUSE"
              ? `machipc inspect: port ${this.opts.port} on 127.0.0.1 is in use (choose another with --port N)`
              : `machipc inspect: cannot listen on 127.0.0.1:${this.opts.port}: ${e.message}`,
          ),
        ),
      );
      http.listen(this.opts.port, "127.0.0.1", () => resolve());
    }).catch((e: unknown) => {
      this.close();
      throw e;
    });
    const addr = http.address();
    this.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : this.opts.port}/`;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 300);
    await this.poll();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const p of this.pages) p.end();
    this.pages.clear();
    this.client?.close();
    this.http?.close();
    this.http?.closeAllConnections();
  }

  get status(): InspectorStatus {
    return this.statusNow;
  }

  private async connect(): Promise<void> {
    const client = await MachClient.connect({ socketPath: this.opts.socketPath, name: "machipc-inspect" });
    this.client = client;
    this.setStatus({ connected: true, message: `connected to ${this.opts.socketPath}` });
    client.onClose(() => {
      if (this.client !== client) return;
      this.client = null;
      if (!this.closed) {
        this.setStatus({ connected: false, message: `The machipc server at ${this.opts.socketPath} went away; this is the last state it showed. Reconnecting...` });
        log(`machipc inspect: the server at ${this.opts.socketPath} went away; reconnecting`);
      }
    });
  }

  private setStatus(s: InspectorStatus): void {
    this.statusNow = s;
    this.broadcast("status", s);
  }

  private broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const p of this.pages) p.write(frame);
  }

  /** Ask the server for every task's names; lay out and push a drawing if anything changed. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      if (!this.client) {
        await this.connect().catch(() => undefined);
        if (!this.client) return;
        this.lastState = "";
      }
      const me = this.client.pid;
      // The inspector's own task is not part of the picture.
      const reports = (await this.client.lsmpAll()).filter((r) => r.pid !== me);
      const state = JSON.stringify(reports);
      if (state === this.lastState) return;
      this.lastState = state;
      this.reports = reports;
      this.drawing = { ...(await layout(reports)), version: ++this.version };
      this.broadcast("graph", this.drawing);
    } catch (e) {
      if (!(e instanceof ClientError)) log(`machipc inspect: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.polling = false;
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    // Only pages of this inspector's own origin: a page elsewhere that rebinds a name to 127.0.0.1 is refused.
    const host = req.headers.host ?? "";
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("machipc inspect answers only to 127.0.0.1");
      return;
    }
    if (req.url === "/" || req.url === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(INSPECTOR_PAGE);
    } else if (req.url === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 1000\nevent: status\ndata: ${JSON.stringify(this.statusNow)}\n\n`);
      if (this.drawing) res.write(`event: graph\ndata: ${JSON.stringify(this.drawing)}\n\n`);
      this.pages.add(res);
      req.on("close", () => this.pages.delete(res));
    } else if (req.url === "/state.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: this.statusNow, drawing: this.drawing, tasks: this.reports }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  }
}

export async function runInspect(opts: InspectorOptions): Promise<number> {
  const inspector = new Inspector(opts);
  await inspector.start();
  log(`machipc inspect: open ${inspector.url} (Ctrl-C to stop)`);
  await untilInterrupted();
  inspector.close();
  return 0;
}
