/**
 * `machipc inspect`: a small web page (on 127.0.0.1 only) that draws a running
 * server's tasks, their names and rights, and which port each send right
 * reaches. It reads the server through the same admin commands as the CLI.
 */
import { createServer, type Server } from "node:http";
import { MachClient } from "../client/index.js";
import type { LsmpReport } from "../server/admin.js";
import { log, untilInterrupted } from "./io.js";

export interface InspectorState {
  tasks: LsmpReport[];
}

export async function gatherState(client: MachClient): Promise<InspectorState> {
  return { tasks: await client.lsmpAll() };
}

export async function runInspect(opts: { socketPath: string; port: number }): Promise<number> {
  const client = await MachClient.connect({ socketPath: opts.socketPath, name: "machipc-inspect" });
  const { url } = await startInspector(client, opts.port).catch((e: unknown) => {
    client.close();
    throw e;
  });
  log(`machipc inspect: open ${url} (Ctrl-C to stop)`);
  await untilInterrupted();
  client.close();
  return 0;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>machipc inspector</title>
<style>
body { font: 13px ui-monospace, monospace; margin: 16px; background: #fafafa; color: #222; }
h1 { font-size: 16px; }
#tasks { display: flex; gap: 14px; align-items: flex-start; flex-wrap: wrap; }
.task { background: #fff; border: 1px solid #bbb; border-radius: 6px; padding: 8px; min-width: 250px; }
.task h2 { font-size: 13px; margin: 0 0 6px; }
.row { padding: 1px 4px; border-radius: 3px; white-space: nowrap; }
.recv { background: #e3f2e3; } .send { background: #e3ecf7; } .send-once { background: #f7f0dd; }
.dead-name { background: #eee; color: #888; } .port-set { background: #efe3f5; }
svg { position: absolute; left: 0; top: 0; pointer-events: none; }
</style></head>
<body><h1>machipc: tasks, names, rights and ports</h1><div id="tasks"></div>
<svg id="lines"></svg>
<script>
async function draw() {
  const state = await (await fetch("state.json")).json();
  const root = document.getElementById("tasks");
  root.innerHTML = "";
  const byObject = new Map();
  for (const t of state.tasks) {
    const box = document.createElement("div");
    box.className = "task";
    // Task names come from clients' handshakes: text, never markup.
    const title = document.createElement("h2");
    title.textContent = t.name + " (pid " + t.pid + ", uid " + t.uid + ")";
    box.appendChild(title);
    for (const r of t.rows) {
      const row = document.createElement("div");
      const kind = r.rights.includes("recv") ? "recv" : r.rights.split(",")[0];
      row.className = "row " + kind;
      row.textContent = r.name + "  " + r.rights + (r.send ? " x" + r.send : "") + "  " + (r.type || "");
      row.dataset.object = r.identifier;
      if (r.rights.includes("recv")) byObject.set(r.identifier, row);
      box.appendChild(row);
    }
    root.appendChild(box);
  }
  const svg = document.getElementById("lines");
  svg.setAttribute("width", document.body.scrollWidth);
  svg.setAttribute("height", document.body.scrollHeight);
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b8bd0"/></marker></defs>';
  for (const row of document.querySelectorAll(".row.send, .row.send-once")) {
    const target = byObject.get(row.dataset.object);
    if (!target) continue;
    const a = row.getBoundingClientRect(), b = target.getBoundingClientRect();
    // Leave the send row on the side facing its receive row, and curve between the boxes.
    const leftward = b.left < a.left;
    const x1 = (leftward ? a.left : a.right) + scrollX, y1 = a.top + a.height / 2 + scrollY;
    const x2 = (leftward ? b.right : b.left) + scrollX, y2 = b.top + b.height / 2 + scrollY;
    const bend = Math.max(30, Math.abs(x2 - x1) / 3) * (leftward ? -1 : 1);
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M" + x1 + "," + y1 + " C" + (x1 + bend) + "," + y1 + " " + (x2 - bend) + "," + y2 + " " + x2 + "," + y2);
    path.setAttribute("fill", "none"); path.setAttribute("stroke", "#5b8bd0"); path.setAttribute("stroke-width", "1.5");
    path.setAttribute("marker-end", "url(#arrow)");
    svg.appendChild(path);
  }
}
draw(); setInterval(draw, 1500);
</script></body></html>`;

/** Serve the page and its state on 127.0.0.1:`port` (0 picks a free port). */
export function startInspector(client: MachClient, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/" || req.url === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(PAGE);
      return;
    }
    if (req.url === "/state.json") {
      gatherState(client).then(
        (s) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(s));
        },
        (e: unknown) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`machipc server unavailable: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      return;
    }
    res.writeHead(404);
    res.end("not found");
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === "EADDRINUSE" ? `machipc inspect: port ${port} on 127.0.0.1 is in use (choose another with --port N)` : `machipc inspect: cannot listen on 127.0.0.1:${port}: ${e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => {
      const addr = server.address();
      const p = typeof addr === "object" && addr ? addr.port : port;
      resolve({ server, url: `http://127.0.0.1:${p}/` });
    });
  });
}
