/**
 * `machipc lsmp` against lsmp's own printf formats (system_cmds-671.10.3
 * lsmp.tproj), line by line, with every value read back through the MIG
 * routines lsmp itself calls (mach_port_space_info, mach_port_get_attributes,
 * mach_port_get_context, mach_port_get_set_status).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocate, send, simpleMsg, status } from "../ipc/lib.js";
import { sprintf } from "../../src/cli/printf.js";
import { formatLsmp, formatLsmpAll } from "../../src/cli/lsmp_format.js";
import { lsmpAll, lsmpReport } from "../../src/server/admin.js";
import { EXC_MASK_BAD_ACCESS, EXC_MASK_CRASH, EXCEPTION_DEFAULT, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES } from "../../src/abi/exception.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, msghBits } from "../../src/abi/message.js";
import { MACH_PORT_TYPE_DNREQUEST, MACH_PORT_TYPE_SEND, MACH_PORT_TYPE_SEND_ONCE } from "../../src/abi/port.js";

// lsmp's formats, as its printf calls have them.
const F = {
  process: "Process (%d) : %s",
  header: "  name      ipc-object    rights     flags   boost  reqs  recv  send sonce oref  qlimit  msgcount  context            identifier  type",
  rule: "---------   ----------  ----------  -------- -----  ---- ----- ----- ----- ----  ------  --------  ------------------ ----------- ------------",
  receive: "0x%08x  0x%08x  %s  --%s%s%s%s%s%s %5d  %s%s%s  %5d %5.0d %5.0d   %s   %6d  %8d  0x%016llx ",
  holder: "                  +     %s  --------        %s%s%s        %5d         <-                                       0x%08x  (%d) %s",
  portSet: "0x%08x  0x%08x  port-set    --------        ---      1                                                        %d  members",
  member: " -          0x%08x  %s  --%s%s%s%s%s%s %5d  %s%s%s  %5d %5.0d %5.0d   %s   %6d  %8d  0x%016llx 0x%08x  (%d) %s",
  dead: "0x%08x  0x%08x  dead-name   --------        ---        %5d      ",
  send: "0x%08x  0x%08x  %s  --------        %s%s%s        %5.0d     ",
  kobject: "                                             0x%08x  %s",
  toReceiver: "   ->   %6d  %8d  0x%016llx 0x%08x  (%d) %s",
  excHeader: "    exc_port    flavor <behaviors>           mask   ",
  exc: "    0x%08x  0x%03x  <%s>           %s  ",
  threadHeader: "Thread_KObject  Thread-ID     Port Description.",
  threadExcHeader: "    exc_port    flavor <behaviors>           mask   -> name    owner",
  threadExcOwner: "   -> 0x%08x  0x%08x  (%d) %s",
};

interface Row {
  name: number;
  type: number;
  urefs: number;
  object: number;
}

/** mach_port_space_info's table, by name. */
async function table(a: Actor): Promise<Map<number, Row>> {
  const r = await a.thread.call(3223, a.self, {});
  assert.equal(r.kr, 0);
  const t = r["table_info"] as Uint8Array;
  const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const out = new Map<number, Row>();
  for (let at = 0; at < t.byteLength; at += 28) {
    const type = v.getUint32(at + 8, true);
    if ((type & 0x001f0000) === 0) continue;
    const name = v.getUint32(at, true);
    out.set(name, { name, type, urefs: v.getUint32(at + 12, true), object: v.getUint32(at + 16, true) });
  }
  return out;
}

async function context(a: Actor, name: number): Promise<bigint> {
  const r = await a.thread.call("mach_port_get_context", a.self, { name });
  return r["context"] as bigint;
}

test("lsmp -p: every kind of row in lsmp's layout, values as the routines report them, and the summary", async () => {
  const kernel = boot();
  const srv = actor(kernel, { name: "srv", pid: 501 });
  const cli = actor(kernel, { name: "cli", pid: 502 });
  // srv: a receive right with a send right under the same name, a context, and a queued message.
  const R = await allocate(srv);
  transfer(srv, R, MACH_MSG_TYPE_MAKE_SEND, srv);
  assert.equal((await srv.thread.call("mach_port_set_context", srv.self, { name: R, context: 0xabcdefn })).kr, 0);
  const sc = transfer(srv, R, MACH_MSG_TYPE_MAKE_SEND, cli);
  assert.equal(send(cli, simpleMsg(sc, msghBits(19, 0), 24, 7), 24), 0);
  // cli: a receive right srv holds a send-once right to; a dead-name request on cli's send right.
  const CP = await allocate(cli);
  const so = transfer(cli, CP, MACH_MSG_TYPE_MAKE_SEND_ONCE, srv);
  const notify = await cli.thread.call("mach_port_request_notification", cli.self, { name: sc, msgid: 72, sync: 0, notify: { name: CP, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });
  assert.equal(notify.kr, 0);
  // srv: a port set with one member, a dead name, task and thread exception ports.
  const PS = await allocate(srv, 3);
  const M = await allocate(srv);
  assert.equal((await srv.thread.call("mach_port_insert_member", srv.self, { name: M, pset: PS })).kr, 0);
  const DN = await allocate(srv, 4);
  const setExc = await srv.thread.call(3413, srv.self, { exception_mask: EXC_MASK_BAD_ACCESS | EXC_MASK_CRASH, new_port: { name: R, disposition: MACH_MSG_TYPE_MAKE_SEND }, behavior: (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0, new_flavor: 0 });
  assert.equal(setExc.kr, 0);
  const thSelf = srv.thread.threadSelfTrap();
  const setThExc = await srv.thread.call(3613, thSelf, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: { name: R, disposition: MACH_MSG_TYPE_MAKE_SEND }, behavior: EXCEPTION_STATE_IDENTITY, new_flavor: 7 });
  assert.equal(setThExc.kr, 0);

  const srvTable = await table(srv);
  const migReply = await srv.thread.migReplyPort();
  const cliTable = await table(cli);
  const report = lsmpReport(kernel, srv.task);
  const lines = formatLsmp(report).split("\n");
  const flags6 = ["-", "-", "-", "-", "-", "-"];
  const st = async (a: Actor, n: number) => status(a, n);
  const yn = (w: number[]) => (w[6] ? "Y" : "N");

  const expected: string[] = [sprintf(F.process, 501, "srv"), F.header, F.rule];
  let nSend = 0;
  let nRecv = 0;
  let nSo = 0;
  let nDn = 0;
  for (const row of srvTable.values()) {
    if (row.type & MACH_PORT_TYPE_SEND) nSend++;
    if (row.type & MACH_PORT_TYPE_DNREQUEST) nDn++;
    if (row.name === R) {
      nRecv++;
      const w = await st(srv, R);
      expected.push(sprintf(F.receive, R, row.object, "recv,send ", ...flags6, 0, "-", w[8] ? "N" : "-", w[7] ? "P" : "-", 1, row.urefs, w[5]!, yn(w), w[3]!, w[4]!, await context(srv, R)));
      // The other holders of R: cli's send right (with its dead-name request).
      const h = cliTable.get(sc)!;
      expected.push(sprintf(F.holder, "send      ", h.type & MACH_PORT_TYPE_DNREQUEST ? "D" : "-", "-", "-", h.urefs, sc, 502, "cli"));
    } else if (row.type & 0x00020000) {
      // The port-set member, mach_reply_port()'s port and the MIG reply port: receive rights nobody else holds.
      nRecv++;
      const w = await st(srv, row.name);
      // Asked about through the MIG reply port itself, the port has the call's reply right outstanding.
      const sorights = w[5]! - (row.name === migReply ? 1 : 0);
      expected.push(sprintf(F.receive, row.name, row.object, "recv      ", ...flags6, 0, "-", "-", "-", 1, 0, sorights, yn(w), w[3]!, w[4]!, 0n));
    } else if (row.name === PS) {
      const raw = (await srv.thread.call("mach_port_get_set_status", srv.self, { name: PS }))["members"] as Uint8Array;
      const members = [...new Uint32Array(raw.slice().buffer)];
      expected.push(sprintf(F.portSet, PS, row.object, members.length));
      for (const m of members) {
        const mr = srvTable.get(m)!;
        const w = await st(srv, m);
        expected.push(sprintf(F.member, mr.object, "recv      ", ...flags6, 0, "-", "-", "-", 1, mr.urefs, w[5]!, yn(w), w[3]!, w[4]!, 0n, m, 501, "srv"));
      }
    } else if (row.name === DN) {
      expected.push(sprintf(F.dead, DN, row.object, row.urefs));
    } else if (row.name === so) {
      nSo++;
      assert.ok(row.type & MACH_PORT_TYPE_SEND_ONCE);
      const w = await st(cli, CP);
      expected.push(sprintf(F.send, so, row.object, "send-once ", "-", "-", "-", 0) + sprintf(F.toReceiver, w[3]!, w[4]!, 0n, CP, 502, "cli"));
    } else {
      // The kernel's ports: the task's own, its thread's, the host's.
      const k = report.entries.find((e) => e.name === row.name)!.kobject!;
      assert.ok(k, `0x${row.name.toString(16)} is a kernel object`);
      const kind = { 1: "THREAD", 2: "TASK", 3: "HOST", 4: "HOST-PRIV", 5: "PROCESSOR" }[k.kotype as 1 | 2 | 3 | 4 | 5];
      const owner = k.kotype === 2 ? sprintf(" SELF (%d) %s", 501, "srv") : "";
      expected.push(sprintf(F.send, row.name, row.object, "send      ", "-", "-", "-", row.urefs) + sprintf(F.kobject, k.identifier, kind!) + owner);
    }
  }
  expected.push(
    sprintf("total     = %d", srvTable.size),
    sprintf("SEND      = %d", nSend),
    sprintf("RECEIVE   = %d", nRecv),
    sprintf("SEND_ONCE = %d", nSo),
    sprintf("PORT_SET  = %d", 1),
    sprintf("DEAD_NAME = %d", 1),
    sprintf("DNREQUEST = %d", nDn),
    sprintf("VOUCHERS  = %d", 0),
  );
  // Task exception ports, shown by the port's ipc-object: lsmp asks for EXC_MASK_ALL, which in
  // 10.11 leaves out EXC_CRASH, so only BAD_ACCESS of the two slots set is listed.
  const rObject = srvTable.get(R)!.object;
  expected.push(F.excHeader, sprintf(F.exc, rObject, 0, "MACH + DEFAULT", " BAD_ACCESS"), "");
  // Threads: the kobject, the thread_identifier_info id, the thread's exception port and its owner.
  const th = report.threads[0]!;
  const idInfo = await srv.thread.call("thread_info", thSelf, { flavor: 4 });
  const words = idInfo["thread_info_out"] as number[];
  const threadId = (BigInt(words[1]! >>> 0) << 32n) | BigInt(words[0]! >>> 0);
  expected.push(
    F.threadHeader,
    sprintf("0x%08x       ", th.kobject) + sprintf("0x%llx  ", threadId),
    F.threadExcHeader,
    sprintf(F.exc, rObject, 7, " IDENTITY", " BAD_ACCESS") + sprintf(F.threadExcOwner, R, rObject, 501, "srv"),
    "", // the newline after each exception port
    "", // the one after the threads
    "", // the end of the last line
  );
  assert.equal(lines.length, expected.length, lines.join("\n"));
  expected.forEach((e, i) => assert.equal(lines[i], e, `line ${i + 1}`));
  assert.equal(nDn, 0, "srv itself has no dead-name requests");

  // cli's view: its send right to srv's port with the D request, its receive right with srv's send-once holder.
  const cliLines = formatLsmp(lsmpReport(kernel, cli.task)).split("\n");
  const w = await st(srv, R);
  const scRow = cliTable.get(sc)!;
  assert.ok(cliLines.includes(sprintf(F.send, sc, scRow.object, "send      ", "D", "-", "-", scRow.urefs) + sprintf(F.toReceiver, w[3]!, w[4]!, 0xabcdefn, R, 501, "srv")));
  const cw = await st(cli, CP);
  assert.equal(cw[5], 2, "send-once rights outstanding: srv's, and the one the dead-name request holds");
  assert.ok(cliLines.includes(sprintf(F.receive, CP, cliTable.get(CP)!.object, "recv      ", ...flags6, 0, "-", "-", "-", 1, 0, 2, "N", cw[3]!, cw[4]!, 0n)));
  assert.ok(cliLines.includes(sprintf(F.holder, "send-once ", "-", "-", "-", 1, so, 501, "srv")));
  assert.ok(cliLines.includes("DNREQUEST = 1"));
  assert.ok(cliLines.includes("SEND_ONCE = 0"));

  // -a: each task's block, separated by two newlines, with threads only when verbose.
  const all = formatLsmpAll(lsmpAll(kernel));
  assert.match(all, /^Process \(0\) : kernel_task\n/);
  assert.ok(all.includes("\n\n\nProcess (501) : srv\n"));
  assert.ok(!all.includes(F.threadHeader));
  assert.ok(formatLsmpAll(lsmpAll(kernel), true).includes(F.threadHeader));
  assertInvariant(kernel);
});
