/**
 * `machipc serve`: claim the socket (refusing a live server's), optionally
 * narrate the demo on the served kernel so its tasks stay to be listed, serve
 * until interrupted. Logs go to stderr; the demo's story is data, on stdout.
 */
import { MachipcServer, defaultSocketPath } from "../server/server.js";
import type { ServerLimits } from "../server/limits.js";
import { runDemo } from "./demo.js";
import { log, out, untilInterrupted } from "./io.js";

export interface ServeCommandOptions {
  /** Default: the scope's default path. */
  socketPath?: string;
  system: boolean;
  limits: Partial<ServerLimits>;
  /** Boot with every later XNU fix (docs/xnu-bugs.md). */
  fixes: boolean;
  demo: boolean;
  /** Bootstrap services declared in advance (`--service NAME`). */
  services?: string[];
  /** Who may task_for_pid whom (`--task-for-pid`). */
  taskForPid?: "root" | "posix";
}

export async function serve(opts: ServeCommandOptions): Promise<number> {
  const server = new MachipcServer({
    socketPath: opts.socketPath,
    system: opts.system,
    limits: opts.limits,
    boot: opts.fixes ? { fixes: true } : undefined,
    services: opts.services,
    taskForPid: opts.taskForPid,
    log: (l) => log(`machipc: ${l}`),
  });
  await server.listen();
  if (opts.demo) {
    const code = await runDemo((l) => out(`${l}\n`), server.kernel);
    out("\n");
    if (code !== 0) log("machipc: the demo found a right-accounting problem (above); serving anyway");
  }
  log(`machipc: serving xnu-3248.40.184 host IPC on ${server.socketPath} (${server.kernel.processors.length} processors). Ctrl-C to stop.`);
  const env = server.socketPath === defaultSocketPath() ? "" : `MACHIPC_SOCKET=${server.socketPath} `;
  log(
    opts.demo
      ? `machipc: next, in another terminal: \`${env}npx machipc lsmp launchd\`, \`${env}npx machipc host\`, \`${env}npx machipc inspect\` (then open http://127.0.0.1:7780/)`
      : `machipc: next, in another terminal: \`${env}npx machipc tasks\`, \`${env}npx machipc host\`, \`${env}npx machipc inspect\``,
  );
  await untilInterrupted();
  await server.close();
  log("machipc: stopped");
  return 0;
}
