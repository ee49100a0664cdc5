/**
 * The inspector in a real browser (Debian's chromium through playwright-core):
 * what it draws for a known scene (tasks and their rows, a line from each
 * send right to its receive right, port-set brackets, queued messages, rights
 * in transit and in queued messages, the legend), that lines start and end at
 * their rows and cross no box, hover and click highlighting, updates made in
 * place, its own connection hidden, and the page saying the server went away.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { actor, transfer } from "../helpers/kernel.js";
import { allocate, send, simpleMsg } from "../ipc/lib.js";
import { startServer, until } from "../server/helpers.js";
import { launchChromium } from "../helpers/chromium.js";
import { Inspector } from "../../src/cli/inspect.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE, msghBits } from "../../src/abi/message.js";
import type { Drawing } from "../../src/cli/inspect_graph.js";

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/** The little of the DOM these checks touch (the project's types have no DOM library). */
interface DomEl {
  dataset: Record<string, string | undefined>;
  style: { display: string };
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(sel: string): DomEl | null;
}
interface InspectorGlobal {
  machipcInspector: { updates: number; version: number };
}

test("the inspector draws the scene in chromium, highlights a port's holders, updates in place, and says when the server goes away", async () => {
  const server = await startServer();
  const browser = await launchChromium();
  const inspector = new Inspector({ socketPath: server.socketPath, port: 0, pollMs: 100 });
  try {
    // The scene, in the served kernel: alpha receives on R (beta holds a send right to it), with a
    // port set; beta sends R a message carrying a send-once right to beta's own port; gamma holds a
    // send right to G, whose receive right is in a message queued on R.
    const k = server.kernel;
    const alpha = actor(k, { name: "alpha" });
    const beta = actor(k, { name: "beta" });
    const gamma = actor(k, { name: "gamma" });
    const R = await allocate(alpha);
    const PS = await allocate(alpha, 3);
    const M = await allocate(alpha);
    assert.equal((await alpha.thread.call("mach_port_insert_member", alpha.self, { name: M, pset: PS })).kr, 0);
    const toR = transfer(alpha, R, MACH_MSG_TYPE_MAKE_SEND, beta);
    const B = await allocate(beta);
    assert.equal(send(beta, simpleMsg(toR, msghBits(19, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, 500, B), 24), 0);
    const G = await allocate(gamma);
    transfer(gamma, G, MACH_MSG_TYPE_MAKE_SEND, gamma);
    const gToR = transfer(alpha, R, MACH_MSG_TYPE_MAKE_SEND, gamma);
    const carry = simpleMsg(gToR, (msghBits(19, 0) | 0x80000000) >>> 0, 40, 501);
    carry.view.setUint32(4, 40, true);
    carry.view.setUint32(24, 1, true);
    carry.view.setUint32(28, G, true);
    carry.buf[38] = MACH_MSG_TYPE_MOVE_RECEIVE;
    carry.buf[39] = 0;
    assert.equal(send(gamma, carry, 40), 0);

    await inspector.start();
    const page = await browser.newPage();
    await page.goto(inspector.url);
    await page.waitForFunction(() => (globalThis as unknown as InspectorGlobal).machipcInspector.updates > 0);
    const drawing = (await (await fetch(inspector.url + "state.json")).json()) as { drawing: Drawing };

    // Every task but the inspector's own, each titled by name and pid.
    const titles = await page.$$eval("g.task > text.title", (ts) => ts.map((t) => t.textContent));
    for (const [name, a] of [["alpha", alpha], ["beta", beta], ["gamma", gamma]] as const) assert.ok(titles.includes(`${name} (pid ${a.task.pid})`), `${name} drawn: ${titles.join(", ")}`);
    assert.ok(!titles.some((t) => t?.startsWith("machipc-inspect")), "the inspector's own connection is hidden");

    // A row per name, in lsmp's order, with what it holds.
    const rowText = (pid: number, name: number) => page.$eval(`g.row[data-key="${pid}:${name}"] text`, (t) => t.textContent);
    assert.match((await rowText(alpha.task.pid, R))!, new RegExp(`^${hex(R)} receive`));
    assert.equal(await rowText(beta.task.pid, toR), `${hex(toR)} send x1 -> alpha ${hex(R)}`);
    assert.match((await rowText(gamma.task.pid, G))!, /send x1 -> \(receive right in a message\)$/);
    assert.match((await rowText(alpha.task.pid, PS))!, /port set \(1 members\)/);
    // Two messages queued on R, with their ids.
    const badge = await page.$eval(`g.row[data-key="${alpha.task.pid}:${R}"] g.badge`, (b) => {
      const e = b as unknown as DomEl;
      return { shown: e.style.display !== "none", n: e.querySelector("text")!.textContent, ids: e.dataset["ids"] };
    });
    assert.deepEqual(badge, { shown: true, n: "2", ids: "500,501" });
    // The member's bracket to its set.
    assert.equal(await page.$$eval(`g.task[data-key="task:${alpha.task.pid}"] path.bracket`, (p) => p.length), 1);

    // Lines: beta's send right to R; the send-once right carried by the queued message to beta's port;
    // gamma's send right to G, whose receive right waits in R's queue.
    const edges = await page.$$eval("path.edge", (ps) => ps.map((p) => ({ cls: p.getAttribute("class"), from: (p as unknown as DomEl).dataset["from"], to: (p as unknown as DomEl).dataset["to"] })));
    const has = (cls: string, from: string, to: string) => edges.some((e) => e.cls === `edge ${cls}` && e.from === from && e.to === to);
    assert.ok(has("send", `${beta.task.pid}:${toR}`, `${alpha.task.pid}:${R}`), JSON.stringify(edges));
    assert.ok(has("send", `${gamma.task.pid}:${gToR}`, `${alpha.task.pid}:${R}`));
    assert.ok(has("carried", `${alpha.task.pid}:${R}`, `${beta.task.pid}:${B}`));
    assert.ok(has("transit", `${gamma.task.pid}:${G}`, `${alpha.task.pid}:${R}`));

    // Each line leaves its row's right edge and ends at its target row's left edge, and no segment crosses a box.
    const boxes = new Map(drawing.drawing.tasks.map((t) => [t.key, t]));
    const rowAt = (key: string) => {
      const t = boxes.get(`task:${key.split(":")[0]}`)!;
      const r = t.rows.find((x) => x.key === key)!;
      return { t, top: t.y + r.y, bottom: t.y + r.y + 18 };
    };
    for (const e of drawing.drawing.edges) {
      assert.ok(e.points.length >= 2, `${e.key} is routed`);
      const a = rowAt(e.from);
      const b = rowAt(e.to);
      const p0 = e.points[0]!;
      const pn = e.points[e.points.length - 1]!;
      assert.ok(Math.abs(p0.x - (a.t.x + a.t.width)) <= 1.5 && p0.y >= a.top && p0.y <= a.bottom, `${e.key} starts at its row`);
      assert.ok(Math.abs(pn.x - b.t.x) <= 1.5 && pn.y >= b.top && pn.y <= b.bottom, `${e.key} ends at its row`);
      for (let i = 1; i < e.points.length; i++) {
        const [p, q] = [e.points[i - 1]!, e.points[i]!];
        for (const t of drawing.drawing.tasks) {
          // Strictly inside a box (its text), not along its border where ports sit.
          const inX = Math.max(p.x, q.x) > t.x + 1 && Math.min(p.x, q.x) < t.x + t.width - 1;
          const inY = Math.max(p.y, q.y) > t.y + 1 && Math.min(p.y, q.y) < t.y + t.height - 1;
          assert.ok(!(inX && inY), `${e.key} segment ${i} crosses ${t.key}'s box`);
        }
      }
    }

    // The legend names every kind of row and line.
    const legend = await page.textContent("#legend");
    for (const w of ["receive right", "send right", "send-once right", "port set", "dead name", "right carried by a queued message", "receive right in transit", "messages queued"]) assert.ok(legend!.includes(w), w);

    // Hover a row: every holder of that port and its lines light up, the rest dims; a click keeps it.
    await page.hover(`g.row[data-key="${beta.task.pid}:${toR}"]`);
    const lit = () => page.$$eval(".hl", (xs) => xs.map((x) => (x as unknown as DomEl).dataset["key"] ?? x.getAttribute("class")));
    const hl = await lit();
    assert.ok(hl.includes(`${alpha.task.pid}:${R}`) && hl.includes(`${beta.task.pid}:${toR}`) && hl.includes(`${gamma.task.pid}:${gToR}`), JSON.stringify(hl));
    assert.ok(!hl.includes(`${alpha.task.pid}:${M}`));
    assert.equal(await page.$eval("svg#graph", (s) => s.classList.contains("highlighting")), true);
    await page.click(`g.row[data-key="${beta.task.pid}:${toR}"]`);
    await page.mouse.move(2, 2);
    assert.ok((await lit()).includes(`${alpha.task.pid}:${R}`), "pinned by the click");
    await page.click(`g.row[data-key="${beta.task.pid}:${toR}"]`);
    await page.mouse.move(2, 2);
    assert.deepEqual(await lit(), [], "a second click lets go");

    // An update changes the page in place: the same elements stay, a new row appears.
    await page.$eval(`g.task[data-key="task:${alpha.task.pid}"]`, (g) => ((g as unknown as { marked: boolean }).marked = true));
    const version = await page.evaluate(() => (globalThis as unknown as InspectorGlobal).machipcInspector.version);
    const N = await allocate(alpha);
    await page.waitForSelector(`g.row[data-key="${alpha.task.pid}:${N}"]`);
    assert.ok(await page.evaluate(() => (globalThis as unknown as InspectorGlobal).machipcInspector.version) > version);
    assert.equal(await page.$eval(`g.task[data-key="task:${alpha.task.pid}"]`, (g) => (g as unknown as { marked?: boolean }).marked), true, "the box was updated, not redrawn");
    mkdirSync("build", { recursive: true });
    await page.screenshot({ path: "build/inspector.png", fullPage: true });

    // The server goes away: the page says so and keeps the last drawing.
    await server.close();
    await page.waitForSelector("#status.down");
    assert.match((await page.textContent("#status"))!, /The machipc server at .* went away/);
    assert.ok((await page.$$("g.task")).length >= 3);
    await until(() => !inspector.status.connected, "the inspector to notice");
  } finally {
    inspector.close();
    await browser.close();
    await server.close().catch(() => undefined);
  }
});
