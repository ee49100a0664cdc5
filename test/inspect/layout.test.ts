/**
 * The inspector's layout for scenes of many tasks (fast-check builds them): every
 * line starts at its row's right edge and ends at its target row's left edge,
 * and no segment of any line crosses a box, where the text is.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { layout, ROW_HEIGHT } from "../../src/cli/inspect_graph.js";
import type { LsmpEntry, LsmpReport, PortStatusView } from "../../src/server/admin.js";

const status: PortStatusView = { flags: 0, boost: 0, nsrequest: false, pdrequest: false, sorights: 0, srights: true, qlimit: 5, msgcount: 0, context: "0x0" };

/** Tasks 0..n-1, each with `ports` receive rights, and send rights from task to task. */
function scene(n: number, ports: number, sends: [number, number, number][]): LsmpReport[] {
  const reports: LsmpReport[] = [];
  const object = (task: number, port: number) => 0x80000000 + (task * 16 + port) * 16;
  for (let t = 0; t < n; t++) {
    const entries: LsmpEntry[] = [];
    for (let p = 0; p < ports; p++) entries.push({ name: 0x103 + p * 0x100, object: object(t, p), type: 0x20000, urefs: 0, status, holders: [] });
    sends
      .filter(([from]) => from % n === t)
      .forEach(([, to, port], i) => {
        const target = to % n;
        const p = port % ports;
        entries.push({
          name: 0x10003 + i * 0x100,
          object: object(target, p),
          type: 0x10000,
          urefs: 1,
          receiver: { task: { pid: 100 + target, process: `task${target}` }, name: 0x103 + p * 0x100, status },
        });
      });
    reports.push({ pid: 100 + t, process: `task${t}`, entries, exceptionPorts: [], threads: [] });
  }
  return reports;
}

test("many tasks: every line runs from its row to its target row and crosses no box", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 4, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.nat(20), fc.nat(20), fc.nat(3)), { minLength: 3, maxLength: 30 }), async (n, ports, sends) => {
      const d = await layout(scene(n, ports, sends));
      const boxes = new Map(d.tasks.map((t) => [t.key, t]));
      const row = (key: string) => {
        const t = boxes.get(`task:${key.split(":")[0]}`)!;
        const r = t.rows.find((x) => x.key === key)!;
        return { t, top: t.y + r.y, bottom: t.y + r.y + ROW_HEIGHT };
      };
      for (const e of d.edges) {
        assert.ok(e.points.length >= 2, `${e.key} is routed`);
        const a = row(e.from);
        const b = row(e.to);
        const p0 = e.points[0]!;
        const pn = e.points[e.points.length - 1]!;
        assert.ok(Math.abs(p0.x - (a.t.x + a.t.width)) <= 1.5 && p0.y >= a.top && p0.y <= a.bottom, `${e.key} starts at its row`);
        assert.ok(Math.abs(pn.x - b.t.x) <= 1.5 && pn.y >= b.top && pn.y <= b.bottom, `${e.key} ends at its row`);
        for (let i = 1; i < e.points.length; i++) {
          const [p, q] = [e.points[i - 1]!, e.points[i]!];
          for (const t of d.tasks) {
            const inX = Math.max(p.x, q.x) > t.x + 1 && Math.min(p.x, q.x) < t.x + t.width - 1;
            const inY = Math.max(p.y, q.y) > t.y + 1 && Math.min(p.y, q.y) < t.y + t.height - 1;
            assert.ok(!(inX && inY), `${e.key} segment ${i} crosses ${t.key}`);
          }
        }
      }
    }),
    { numRuns: 60 },
  );
});
