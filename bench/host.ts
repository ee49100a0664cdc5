/**
 * Host interface benchmarks (issue 5) and the exception round trip (issue 3),
 * each as a ratio to a baseline measured in the same run.
 */
import { Kernel } from "../src/index.js";
import { EXC_BAD_ACCESS, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT } from "../src/abi/exception.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_SEND_MSG } from "../src/abi/message.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../src/abi/port.js";
import type { Thread } from "../src/kern/thread.js";
import type { ExceptionOutcome } from "../src/kern/exception.js";
import { fmt, interleaved, interleavedAsync, scaled } from "./harness.js";

/**
 * Run `fn` in batches until two consecutive batches agree within 5% (at most 40 batches), before
 * `measure` times it: V8 settles the optimised code of a kernel path over its first several
 * thousand calls (host_get_special_port's first ~8,000 round trips after boot ran slower), and a
 * round that starts meanwhile measures the compiler as much as the routine. The same operation
 * is measured afterwards, only later.
 */
function warmUntilSteady(fn: () => void, batch = scaled(1000, 5)): void {
  let last = Infinity;
  for (let i = 0; i < scaled(40, 1); i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < batch; j++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / batch;
    if (Math.abs(ns - last) <= 0.05 * Math.min(ns, last)) return;
    last = ns;
  }
}

/** An interleaved ratio as printed: the median round's, with how many rounds and their spread. */
function roundsLine(r: { ratio: number; ratios: number[] }): string {
  return `${r.ratio.toFixed(2)}x, median of ${r.ratios.length} interleaved rounds (${Math.min(...r.ratios).toFixed(2)}-${Math.max(...r.ratios).toFixed(2)})`;
}

function mustSync(r: number | Promise<number>): void {
  if (typeof r !== "number" || r !== 0) throw new Error(`unexpected mach_msg result ${String(r)}`);
}

function request(words: [number, number][], size: number): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (const [at, x] of words) v.setUint32(at, x >>> 0, true);
  b.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  return b;
}

/** A receive right in the thread's space with a send right made from it, both named `name`. */
async function receiveWithSend(th: Thread): Promise<number> {
  const r = await th.call("mach_port_allocate", th.taskSelfTrap(), { right: MACH_PORT_RIGHT_RECEIVE });
  const name = r["name"] as number;
  const ins = await th.call("mach_port_insert_right", th.taskSelfTrap(), { name, poly: { name, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  if (r.kr !== 0 || ins.kr !== 0) throw new Error(`cannot make a handler port: ${r.kr} ${ins.kr}`);
  return name;
}

/** Install `port` as the handler for `mask` through the routine a user calls (host_ or task_set_exception_ports). */
async function setHandler(th: Thread, routine: "host_set_exception_ports" | "task_set_exception_ports", target: number, mask: number, port: number): Promise<void> {
  const r = await th.call(routine, target, { exception_mask: mask, new_port: port, behavior: EXCEPTION_DEFAULT, new_flavor: 0 });
  if (r.kr !== 0) throw new Error(`${routine} failed: ${r.kr}`);
}

export async function hostBenchmarks(): Promise<{ results: Record<string, unknown>; lines: string[] }> {
  const kernel = Kernel.boot({ cpus: 2 });
  const task = kernel.createTask({ uid: 0, gid: 0 });
  const th = task.createThread();
  const priv = th.hostSelfTrap();
  const self = th.taskSelfTrap();
  const reply = th.machReplyPort();
  const buf = new Uint8Array(1024);
  const copy = new Uint8Array(1024);

  // host_get_special_port(host_priv, HOST_LOCAL_NODE, HOST_PORT): each call adds a reference; drop it again.
  const gsp = request([[0, 0x1513], [4, 40], [8, priv], [12, reply], [20, 412], [32, 0xffffffff], [36, 1]], 40);
  const dealloc = request([[0, 0x1513], [4, 36], [8, self], [12, reply], [20, 3206]], 36);
  // The reply's port name is carried into the deallocate through views made once: a DataView and
  // a byte array per call were the harness's own allocations, timed with the RPCs.
  const replyView = new DataView(buf.buffer);
  const deallocView = new DataView(dealloc.buffer);
  const specialRpc = (): void => {
    buf.set(gsp);
    mustSync(th.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 40, 1024, reply, 0, 0));
    deallocView.setUint32(32, replyView.getUint32(28, true), true);
    buf.set(dealloc);
    mustSync(th.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 1024, reply, 0, 0));
  };
  warmUntilSteady(specialRpc);
  // Interleaved with its floor, the median round reported: a best batch of each, one after the
  // other, moved the ratio 2x between runs of the same code (6.5-7.3x here, 9.0-13.7x below).
  const specialRounds = interleaved("host_get_special_port round trip", specialRpc, "copy floor (40 + 48 + 36 + 44 bytes)", () => {
    copy.set(gsp);
    buf.set(copy.subarray(0, 48));
    copy.set(dealloc);
    buf.set(copy.subarray(0, 44));
  });
  const special = specialRounds.m;
  const specialFloor = specialRounds.base;

  // host_get_exception_ports(host_priv, EXC_MASK_ALL) with a handler installed: reply 436 bytes.
  await setHandler(th, "host_set_exception_ports", priv, EXC_MASK_BAD_ACCESS, await receiveWithSend(th));
  const gep = request([[0, 0x1513], [4, 36], [8, priv], [12, reply], [20, 415], [32, 0x2]], 36);
  const getExcRpc = (): void => {
    buf.set(gep);
    mustSync(th.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 1024, reply, 0, 0));
    deallocView.setUint32(32, replyView.getUint32(28, true), true);
    buf.set(dealloc);
    mustSync(th.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 1024, reply, 0, 0));
  };
  warmUntilSteady(getExcRpc);
  const getExcRounds = interleaved("host_get_exception_ports round trip", getExcRpc, "copy floor (36 + 444 + 36 + 44 bytes)", () => {
    copy.set(gep);
    buf.set(copy.subarray(0, 444));
    copy.set(dealloc);
    buf.set(copy.subarray(0, 44));
  });
  const getExc = getExcRounds.m;
  const getExcFloor = getExcRounds.base;

  // The null RPC of the same run, as the baseline for exceptions.
  const nullReq = request([[0, 0x1513], [4, 36], [8, self], [12, reply], [20, 3201], [32, self]], 36);
  const nullRpcOnce = (): void => {
    buf.set(nullReq);
    mustSync(th.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 1024, reply, 0, 0));
  };
  warmUntilSteady(nullRpcOnce);

  // Exception: raise EXC_BAD_ACCESS on a victim, a handler receives exception_raise and answers KERN_SUCCESS.
  // The handler is another thread of the victim's task (as an in-process crash reporter is), so
  // the victim can install it on its own task with task_set_exception_ports.
  const victimTask = kernel.createTask({ uid: 501 });
  const victim = victimTask.createThread();
  const handler = victimTask.createThread();
  const hp = { name: await receiveWithSend(handler) };
  await setHandler(victim, "task_set_exception_ports", victim.taskSelfTrap(), EXC_MASK_BAD_ACCESS, hp.name);
  const hbuf = new Uint8Array(512);
  const rep = new Uint8Array(36);
  const rv = new DataView(rep.buffer);
  rep.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const hview = new DataView(hbuf.buffer);
  // The handler's traps are taken as they return (mustSync, as the null RPC's loop takes its
  // trap's): the request is queued before the handler receives, and the reply goes to the
  // kernel's waiting RPC, so neither waits, and an `await` of their numbers would time the
  // harness's microtask hops, not the kernel. The raiser awaits its outcome, the one Promise.
  const codes = [1, 0];
  const roundTrip = (): Promise<ExceptionOutcome> => {
    const outcome = victim.raiseException(EXC_BAD_ACCESS, codes);
    mustSync(handler.machMsg(hbuf, MACH_RCV_MSG, 0, 512, hp.name, 0, 0));
    rv.setUint32(0, 18, true);
    rv.setUint32(4, 36, true);
    rv.setUint32(8, hview.getUint32(8, true), true);
    rv.setInt32(20, 2501, true);
    rv.setInt32(32, 0, true);
    mustSync(handler.machMsg(rep, MACH_SEND_MSG, 36, 0, 0, 0, 0));
    return outcome;
  };
  const handled = (o: ExceptionOutcome): void => {
    if (o.handledBy !== "task") throw new Error("exception not handled");
  };
  for (let i = 0; i < scaled(2000, 10); i++) handled(await roundTrip());
  // Interleaved with the null RPC, rounds alternating which goes first, the median round's ratio
  // reported with every round's: a best batch measured apart from its baseline swung 2x between runs.
  const excRounds = await interleavedAsync("exception raise + handle + reply", roundTrip, handled, "null RPC (mach_port_type)", nullRpcOnce, scaled(9, 1), 150);
  const exc = excRounds.m;
  const nullRpc = excRounds.base;

  const lines = [special, specialFloor, getExc, getExcFloor, nullRpc, exc].map(fmt);
  lines.push(`host_get_special_port / copy floor:    ${roundsLine(specialRounds)} (target <= 10x)`);
  lines.push(`host_get_exception_ports / copy floor: ${roundsLine(getExcRounds)} (target <= 10x)`);
  lines.push(`exception round trip / null RPC:       ${roundsLine(excRounds)} (target <= 2x)`);
  if (kernel.findViolations().length > 0) throw new Error("benchmark broke right accounting");
  return {
    lines,
    results: {
      hostGetSpecialPort: special,
      hostGetSpecialPortFloor: specialFloor,
      hostGetSpecialPortRatio: specialRounds.ratio,
      hostGetSpecialPortRoundRatios: specialRounds.ratios,
      hostGetExceptionPorts: getExc,
      hostGetExceptionPortsFloor: getExcFloor,
      hostGetExceptionPortsRatio: getExcRounds.ratio,
      hostGetExceptionPortsRoundRatios: getExcRounds.ratios,
      nullRpc,
      exceptionRoundTrip: exc,
      exceptionToNullRpcRatio: excRounds.ratio,
      exceptionToNullRpcRoundRatios: excRounds.ratios,
    },
  };
}
