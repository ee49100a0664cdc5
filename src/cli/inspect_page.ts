/**
 * The inspector's page: an SVG the server's layout (inspect_graph.ts) is drawn
 * into and kept up to date in place from server-sent events: each box, row
 * and line is keyed, so an update moves, changes, adds or removes only what
 * changed. Hovering a row or a line lights up every holder of that port and
 * its lines; a click keeps the highlight. Task names come from clients: they
 * are set as text, never markup.
 */
import { ROW_HEIGHT } from "./inspect_graph.js";

export const INSPECTOR_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>machipc inspector</title>
<style>
:root { --recv: #2e7d32; --send: #1f5fbf; --once: #c77700; --dead: #8a8a8a; --pset: #7b3fa0; --carried: #8e44ad; --transit: #c62828; }
body { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0; background: #f6f7f9; color: #1d2330; }
header { display: flex; gap: 24px; align-items: center; padding: 8px 16px; background: #fff; border-bottom: 1px solid #d8dce3; position: sticky; top: 0; z-index: 2; }
h1 { font-size: 14px; margin: 0; }
#legend { display: flex; gap: 14px; flex-wrap: wrap; }
#legend span { display: inline-flex; align-items: center; gap: 5px; }
#legend i { display: inline-block; width: 22px; height: 10px; border-radius: 2px; }
#legend i.line { height: 0; border-top: 2px solid; border-radius: 0; }
#legend i.dashed { border-top-style: dashed; }
#status { display: none; margin: 10px 16px; padding: 8px 12px; border: 1px solid #e0a800; background: #fff6d6; border-radius: 4px; }
#status.down { display: block; }
#empty { margin: 16px; color: #666; }
svg { display: block; margin: 8px; }
.task > rect.box { fill: #fff; stroke: #9aa3b2; rx: 6; }
.task > text.title { font-weight: bold; }
.row rect.bg { fill: transparent; }
.row.receive rect.mark { fill: var(--recv); } .row.send rect.mark { fill: var(--send); } .row.send-once rect.mark { fill: var(--once); }
.row.dead-name rect.mark { fill: var(--dead); } .row.port-set rect.mark { fill: var(--pset); }
.row.dead-name text { fill: var(--dead); }
.row { cursor: pointer; }
.row:hover rect.bg { fill: #eef2f8; }
.badge rect { fill: #1d2330; rx: 7; } .badge text { fill: #fff; font-size: 10px; }
path.edge { fill: none; stroke-width: 1.6; }
path.edge.send { stroke: var(--send); } path.edge.send-once { stroke: var(--once); }
path.edge.carried { stroke: var(--carried); stroke-dasharray: 5 3; } path.edge.transit { stroke: var(--transit); stroke-dasharray: 2 3; }
path.bracket { fill: none; stroke: var(--pset); stroke-width: 1.5; }
svg.highlighting .row:not(.hl), svg.highlighting path.edge:not(.hl) { opacity: 0.25; }
.row.hl rect.bg { fill: #fff2b3; }
path.edge.hl { stroke-width: 3; }
</style></head>
<body>
<header><h1>machipc inspector</h1>
<div id="legend">
  <span><i style="background:var(--recv)"></i>receive right</span>
  <span><i style="background:var(--send)"></i>send right</span>
  <span><i style="background:var(--once)"></i>send-once right</span>
  <span><i style="background:var(--pset)"></i>port set (bracket: its members)</span>
  <span><i style="background:var(--dead)"></i>dead name</span>
  <span><i class="line" style="border-color:var(--send)"></i>send right to its receive right</span>
  <span><i class="line" style="border-color:var(--once)"></i>send-once right</span>
  <span><i class="line dashed" style="border-color:var(--carried)"></i>right carried by a queued message</span>
  <span><i class="line dashed" style="border-color:var(--transit)"></i>receive right in transit (in that queue)</span>
  <span><b>n</b> messages queued</span>
</div></header>
<div id="status" role="status"></div>
<div id="empty">Waiting for the server's state...</div>
<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="0" height="0">
  <defs>
    <marker id="arrow-send" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1f5fbf"/></marker>
    <marker id="arrow-send-once" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c77700"/></marker>
    <marker id="arrow-carried" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8e44ad"/></marker>
    <marker id="arrow-transit" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker>
  </defs>
  <g id="tasks"></g><g id="edges"></g>
</svg>
<script>
"use strict";
const NS = "http://www.w3.org/2000/svg";
const svg = document.getElementById("graph");
const tasksLayer = document.getElementById("tasks");
const edgesLayer = document.getElementById("edges");
const ROW = ${ROW_HEIGHT};
const byKey = new Map();
let pinned = null;
window.machipcInspector = { updates: 0, version: 0 };

function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}
function set(e, attrs) { for (const [k, v] of Object.entries(attrs)) if (e.getAttribute(k) !== String(v)) e.setAttribute(k, String(v)); }
function text(e, t) { if (e.textContent !== t) e.textContent = t; }

/** Keyed update of one layer's children: make what is new, update what stays, remove what went. */
function reconcile(parent, items, make, update) {
  const keep = new Set();
  for (const item of items) {
    let node = byKey.get(item.key);
    if (!node || node.parentNode !== parent) { node = make(item); node.dataset.key = item.key; byKey.set(item.key, node); parent.appendChild(node); }
    update(node, item);
    keep.add(item.key);
  }
  for (const child of [...parent.children]) if (!keep.has(child.dataset.key)) { byKey.delete(child.dataset.key); child.remove(); }
}

function makeTask() {
  const g = el("g", { class: "task" });
  el("rect", { class: "box" }, g);
  el("text", { class: "title", x: 10, y: 16 }, g);
  el("g", { class: "brackets" }, g);
  el("g", { class: "rows" }, g);
  return g;
}
function makeRow() {
  const g = el("g", { class: "row" });
  el("rect", { class: "bg", x: 1, height: ROW }, g);
  el("rect", { class: "mark", x: 4, y: 3, width: 4, height: ROW - 6 }, g);
  el("text", { x: 14, y: 13 }, g);
  const badge = el("g", { class: "badge" }, g);
  el("rect", { y: 2, height: ROW - 4 }, badge);
  el("text", { y: 13 }, badge);
  return g;
}
function updateRow(g, row, width) {
  g.setAttribute("class", "row " + row.kind + (g.classList.contains("hl") ? " hl" : ""));
  g.dataset.object = String(row.object);
  set(g, { transform: "translate(0," + row.y + ")" });
  const [bg, , label, badge] = g.children;
  set(bg, { width: width - 2, x: 1, height: ROW });
  text(label, row.text);
  const [brect, btext] = badge.children;
  if (row.queued > 0) {
    badge.style.display = "";
    const t = String(row.queued);
    text(btext, t);
    set(brect, { x: width - 30, width: 8 + 7 * t.length });
    set(btext, { x: width - 26 });
    badge.dataset.ids = row.messageIds.join(",");
    let title = badge.querySelector("title") || el("title", {}, badge);
    text(title, row.queued + " message(s) queued; msgh_id " + row.messageIds.join(", "));
  } else badge.style.display = "none";
}
function updateTask(g, t) {
  set(g, { transform: "translate(" + t.x + "," + t.y + ")" });
  g.dataset.pid = String(t.pid);
  const [box, title, brackets, rows] = g.children;
  set(box, { width: t.width, height: t.height, rx: 6 });
  text(title, t.title);
  reconcile(rows, t.rows, makeRow, (node, row) => updateRow(node, row, t.width));
  const rowY = new Map(t.rows.map((r) => [r.key, r.y + ROW / 2]));
  const spans = t.rows.filter((r) => r.memberOf && rowY.has(r.memberOf)).map((r) => ({ key: r.key + "^" + r.memberOf, from: rowY.get(r.memberOf), to: r.y + ROW / 2 }));
  reconcile(brackets, spans, () => el("path", { class: "bracket" }), (p, s) => set(p, { d: "M3," + s.from + " H1 V" + s.to + " H3" }));
}
function updateEdge(p, e) {
  p.setAttribute("class", "edge " + e.kind + (p.classList.contains("hl") ? " hl" : ""));
  p.dataset.object = String(e.object);
  p.dataset.from = e.from;
  p.dataset.to = e.to;
  const d = e.points.map((pt, i) => (i ? "L" : "M") + pt.x + "," + pt.y).join(" ");
  set(p, { d, "marker-end": "url(#arrow-" + e.kind + ")" });
}

function apply(drawing) {
  document.getElementById("empty").style.display = drawing.tasks.length ? "none" : "";
  if (!drawing.tasks.length) document.getElementById("empty").textContent = "No tasks to draw.";
  set(svg, { width: drawing.width, height: drawing.height });
  reconcile(tasksLayer, drawing.tasks, makeTask, updateTask);
  reconcile(edgesLayer, drawing.edges, () => el("path", { class: "edge" }), updateEdge);
  window.machipcInspector.updates++;
  window.machipcInspector.version = drawing.version;
  if (pinned !== null) highlight(pinned);
}

function highlight(object) {
  svg.classList.toggle("highlighting", object !== null);
  for (const e of svg.querySelectorAll(".row, path.edge")) e.classList.toggle("hl", object !== null && e.dataset.object === String(object));
}
svg.addEventListener("mouseover", (ev) => { const t = ev.target.closest(".row, path.edge"); if (t && pinned === null) highlight(t.dataset.object); });
svg.addEventListener("mouseout", (ev) => { if (pinned === null && !ev.relatedTarget?.closest?.(".row, path.edge")) highlight(null); });
svg.addEventListener("click", (ev) => {
  const t = ev.target.closest(".row, path.edge");
  pinned = t && pinned !== t.dataset.object ? t.dataset.object : null;
  highlight(pinned);
});

function status(s) {
  const box = document.getElementById("status");
  box.classList.toggle("down", !s.connected);
  box.textContent = s.connected ? "" : s.message;
  document.body.dataset.connected = String(s.connected);
}
const events = new EventSource("events");
events.addEventListener("graph", (ev) => apply(JSON.parse(ev.data)));
events.addEventListener("status", (ev) => status(JSON.parse(ev.data)));
events.onerror = () => status({ connected: false, message: "The inspector (machipc inspect) stopped answering; this is the last state it sent." });
</script></body></html>`;
