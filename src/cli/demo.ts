/**
 * The narrated demo (`npm start` until the server takes over, and `machipc demo`):
 * the host story of ipc_host.c told through real MIG messages on the embedded kernel.
 */
import { Kernel } from "../index.js";
import { EXC_MASK_ALL, EXCEPTION_DEFAULT, MACH_EXCEPTION_CODES } from "../abi/exception.js";
import { HOST_BASIC_INFO, HOST_PORT, HOST_PRIV_PORT, PROCESSOR_BASIC_INFO } from "../abi/host.js";
import { kernReturnName } from "../abi/names.js";
import { MACH_MSG_TYPE_MAKE_SEND, MACH_RCV_MSG, MACH_SEND_MSG, msghBits } from "../abi/message.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../abi/port.js";
import { TASK_BOOTSTRAP_PORT } from "../kern/ipc_tt.js";
import type { Task } from "../kern/task.js";
import { describeSpace } from "./describe.js";

/**
 * Tell the story on `kernel` (a fresh one by default). Given the served
 * kernel, the demo's tasks (launchd, app) live on for lsmp and the inspector.
 */
export async function runDemo(out: (line: string) => void = console.log, kernel: Kernel = Kernel.boot()): Promise<number> {
  const say = (s = "") => out(s);
  const show = (kernel: Kernel, task: Task) => {
    say(`  ${task.name}'s name space:`);
    for (const l of describeSpace(kernel, task)) say(`    ${l}`);
  };
  const hex = (n: number) => `0x${n.toString(16)}`;

  say(`Booted machipc (xnu-3248.40.184 host IPC) with ${kernel.processors.length} processor(s), ${kernel.options.arch}.`);
  say("ipc_host_init made the host security, host and host priv ports, pset0's two ports, and a port per processor.");
  say();

  // A served kernel has launchd already (src/kern/bootstrap.ts): the demo's story is told with it.
  const launchd = kernel.bootstrap?.launchd ?? kernel.createTask({ uid: 0, gid: 0, name: "launchd", pid: 1 });
  const lt = launchd.createThread();
  say("1. A root task, launchd (uid 0), calls host_self_trap():");
  const priv = lt.hostSelfTrap();
  say(`   it gets ${hex(priv)}, a send right to the host PRIV port (uid 0 tasks get host_priv).`);
  show(kernel, launchd);
  say();

  // launchd makes a bootstrap port and installs it, so its children inherit a send right to it.
  const self = lt.taskSelfTrap();
  const boot = await lt.call(3204, self, { right: MACH_PORT_RIGHT_RECEIVE });
  const bootstrap = boot["name"] as number;
  await lt.call(3410, self, { which_port: TASK_BOOTSTRAP_PORT, special_port: { name: bootstrap, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  const app = kernel.createTask({ uid: 501, gid: 20, name: "app", parent: launchd });
  const at = app.createThread();
  say("2. An ordinary task, app (uid 501), child of launchd, calls host_self_trap():");
  const host = at.hostSelfTrap();
  say(`   it gets ${hex(host)}, a send right to the plain HOST port.`);
  say();

  say("3. host_get_special_port(host_priv, HOST_LOCAL_NODE, which) from launchd:");
  for (const [which, label] of [[HOST_PORT, "HOST_PORT"], [HOST_PRIV_PORT, "HOST_PRIV_PORT"]] as const) {
    const r = await lt.call(412, priv, { node: -1, which });
    say(`   ${label}: ${kernReturnName(r.kr)}, name ${hex(r["port"] as number)}`);
  }
  const refused = await at.call(412, host, { node: -1, which: HOST_PRIV_PORT });
  say(`   From app, with the plain host port: ${kernReturnName(refused.kr)} — the routine needs host priv,`);
  say("   and a host port converts to a null host_priv, so the routine's null-host check refuses it.");
  say();

  say("4. The machine, as XNU reports it:");
  const info = await at.call(200, host, { flavor: HOST_BASIC_INFO });
  const hi = info["host_info_out"] as number[];
  say(`   host_info(HOST_BASIC_INFO): max_cpus ${hi[0]}, avail_cpus ${hi[1]}, memory_size ${hi[2]! >>> 0} (capped at 2 GiB), cpu_type ${hex(hi[3]! >>> 0)}`);
  const procs = await lt.call(407, priv, {});
  const list = procs["out_processor_list"] as number[];
  say(`   host_processors: ${list.length} send right(s): ${list.map(hex).join(", ")}`);
  for (const p of list.slice(0, 4)) {
    const pi = await lt.call(3002, p, { flavor: PROCESSOR_BASIC_INFO });
    const w = pi["processor_info_out"] as number[];
    say(`   processor_info(${hex(p)}): slot ${w[3]}, running ${w[2]}, master ${w[4]}`);
  }
  say();

  say("5. app allocates a port and sends launchd a send right to it, through the bootstrap port it inherited:");
  const appSelf = at.taskSelfTrap();
  const mine = (await at.call(3204, appSelf, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const bs = (await at.call(3409, appSelf, { which_port: TASK_BOOTSTRAP_PORT }))["special_port"] as number;
  say(`   app's port is ${hex(mine)}; its bootstrap send right is ${hex(bs)}.`);
  show(kernel, app);
  const msg = new Uint8Array(64);
  const v = new DataView(msg.buffer);
  v.setUint32(0, (msghBits(19, 0) | 0x80000000) >>> 0, true);
  v.setUint32(4, 40, true);
  v.setUint32(8, bs, true);
  v.setInt32(20, 1000, true);
  v.setUint32(24, 1, true);
  v.setUint32(28, mine, true);
  msg[38] = MACH_MSG_TYPE_MAKE_SEND;
  const sent = await at.machMsg(msg, MACH_SEND_MSG, 40, 0, 0, 0, 0);
  say(`   mach_msg(send, MAKE_SEND of ${hex(mine)} in a port descriptor): ${sent === 0 ? "MACH_MSG_SUCCESS" : hex(sent)}`);
  const rbuf = new Uint8Array(256);
  const got = await lt.machMsg(rbuf, MACH_RCV_MSG, 0, 256, bootstrap, 0, 0);
  const rv = new DataView(rbuf.buffer);
  say(`   launchd receives it on ${hex(bootstrap)} (${got === 0 ? "MACH_MSG_SUCCESS" : hex(got)}): the descriptor now names ${hex(rv.getUint32(28, true))}, disposition ${rbuf[38]} (PORT_SEND).`);
  show(kernel, launchd);
  say();

  say("6. launchd installs itself as the host's exception handler and reads it back:");
  const excPort = (await lt.call(3204, self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const set = await lt.call(414, priv, {
    exception_mask: EXC_MASK_ALL,
    new_port: { name: excPort, disposition: MACH_MSG_TYPE_MAKE_SEND },
    behavior: (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0,
    new_flavor: 0,
  });
  say(`   host_set_exception_ports(EXC_MASK_ALL, ${hex(excPort)}, EXCEPTION_DEFAULT|MACH_EXCEPTION_CODES): ${kernReturnName(set.kr)}`);
  const get = await lt.call(415, priv, { exception_mask: 0x3ffe });
  const masks = get["masks"] as number[];
  const handlers = get["old_handlers"] as number[];
  const behaviors = get["old_behaviors"] as number[];
  masks.forEach((m, i) => say(`   entry ${i}: mask ${hex(m >>> 0)} -> handler ${hex(handlers[i]!)}, behavior ${hex(behaviors[i]! >>> 0)}`));
  const swap = await lt.call(416, priv, {
    exception_mask: EXC_MASK_ALL,
    new_port: { name: excPort, disposition: MACH_MSG_TYPE_MAKE_SEND },
    behavior: (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0,
    new_flavor: 0,
  });
  say(`   host_swap_exception_ports with the same mach_exc behavior: ${kernReturnName(swap.kr)} — xnu-3248 checks the`);
  say("   behavior there without masking MACH_EXCEPTION_CODES (docs/xnu-bugs.md; Kernel.boot({ fixes: true }) fixes it).");
  const appSet = await at.call(414, host, { exception_mask: EXC_MASK_ALL, new_port: 0, behavior: 1, new_flavor: 0 });
  say(`   app tries the same with its host port: ${kernReturnName(appSet.kr)} (no host priv).`);
  say();

  const problems = kernel.findViolations();
  say(`Right accounting over the whole kernel: ${problems.length === 0 ? "every send, send-once and receive right is accounted for." : problems.join("; ")}`);
  return problems.length === 0 ? 0 : 1;
}
