#!/usr/bin/env node
/** The `machipc` command: serve, demo, and the listings that talk to a running server. */
import { runDemo } from "./demo.js";
import { MachipcServer, defaultSocketPath } from "../server/server.js";
import { ClientError, MachClient } from "../client/index.js";
import { formatHost, formatLsmp, formatTasks } from "./format.js";
import { startInspector } from "./inspect.js";
import { DEFAULT_LIMITS, LIMIT_OPTIONS, type ServerLimits } from "../server/limits.js";

const HELP = `usage: machipc <command> [options]

commands:
  serve [--socket PATH] [--system] [--fixes] [limits] [--demo]
              boot a kernel and serve it on a Unix domain socket (default ${defaultSocketPath()})
  demo        the narrated demo: the host story of ipc_host.c on an embedded kernel
  tasks       the tasks of a running server
  lsmp TASK   a task's name space (by pid or name), in the columns of macOS lsmp
  host        host and processor information
  trace       messages as they pass, by routine name (until interrupted)
  inspect [--port N]
              a web page drawing the tasks, names, rights and ports of a running server

common options: --socket PATH   the server's socket
Run \`machipc <command> --help\` for a command's options.`;

const COMMAND_HELP: Record<string, string> = {
  serve:
    "usage: machipc serve [--socket PATH] [--system] [--fixes] [limits] [--demo]\n\nBoots a kernel and listens on a Unix domain socket. Each connecting process is\na task with the uid, gid and pid the kernel reports for it. By default only\nthis user is served (socket 0600 in a 0700 directory); --system (root only)\nserves every local user from /run/machipc (0666 in a root-owned 0755 directory).\n--fixes boots the kernel with every later XNU fix (docs/xnu-bugs.md). --demo\nnarrates the demo first.\n\nlimits (default in brackets):\n" +
    LIMIT_OPTIONS.map((o) => `  ${o.flag} N`.padEnd(24) + `${o.what} [${DEFAULT_LIMITS[o.key]}]`).join("\n"),
  demo: "usage: machipc demo\n\nBoots an in-process kernel and narrates host ports, processors, a right passed\nbetween two tasks, and host exception ports, through real MIG messages.",
  tasks: "usage: machipc tasks [--socket PATH]\n\nLists the tasks of a running server: pid, uid, threads, names in use.",
  lsmp: "usage: machipc lsmp PID|NAME [--socket PATH]\n\nLists a task's names as lsmp does: name, object, rights, flags, refs, queue.",
  host: "usage: machipc host [--socket PATH]\n\nShows host_info and the processors of a running server.",
  trace: "usage: machipc trace [--socket PATH]\n\nPrints each message as it enters a queue or a kernel object, by routine name.",
  inspect: "usage: machipc inspect [--port N] [--socket PATH]\n\nServes a page on 127.0.0.1 (default port 7780) that draws the server's tasks,\ntheir names and rights, and lines from each send right to the receive right it reaches.",
};

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function withClient<T>(args: string[], fn: (c: MachClient) => Promise<T>): Promise<T> {
  const client = await MachClient.connect({ socketPath: option(args, "--socket"), name: "machipc-cli" });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    console.log(HELP);
    return cmd ? 0 : 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const h = COMMAND_HELP[cmd];
    if (!h) {
      console.error(`machipc: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
    }
    console.log(h);
    return 0;
  }
  switch (cmd) {
    case "serve": {
      if (rest.includes("--demo")) {
        await runDemo();
        console.log();
      }
      const limits: Partial<ServerLimits> = {};
      for (const o of LIMIT_OPTIONS) {
        const v = option(rest, o.flag);
        if (v === undefined) continue;
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n <= 0) {
          console.error(`machipc serve: ${o.flag} needs a positive integer, not '${v}'`);
          return 2;
        }
        limits[o.key] = n;
      }
      const server = new MachipcServer({
        socketPath: option(rest, "--socket"),
        system: rest.includes("--system"),
        boot: rest.includes("--fixes") ? { fixes: true } : undefined,
        limits,
        log: (l) => console.log(`machipc: ${l}`),
      });
      await server.listen();
      console.log(`machipc: serving xnu-3248.40.184 host IPC on ${server.socketPath} (${server.kernel.processors.length} processors). Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return 0;
    }
    case "demo":
      return runDemo();
    case "tasks":
      console.log(formatTasks(await withClient(rest, (c) => c.tasks())));
      return 0;
    case "lsmp": {
      // A task by pid, or by name as `machipc tasks` lists it.
      const which = rest.find((a, i) => !a.startsWith("--") && rest[i - 1] !== "--socket");
      if (!which) {
        console.error("machipc lsmp: a task's PID or name is required (see `machipc tasks`)");
        return 2;
      }
      const out = await withClient(rest, async (c) => {
        if (/^\d+$/.test(which)) return c.lsmp(Number(which));
        const tasks = (await c.tasks()) as { pid: number; name: string }[];
        const t = tasks.find((x) => x.name === which);
        return t ? c.lsmp(t.pid) : { error: `no task named ${which}` };
      });
      if (out && typeof out === "object" && "error" in out) {
        console.error(`machipc lsmp: ${(out as { error: string }).error}`);
        return 1;
      }
      console.log(formatLsmp(out));
      return 0;
    }
    case "host":
      console.log(formatHost(await withClient(rest, (c) => c.host())));
      return 0;
    case "trace": {
      const client = await MachClient.connect({ socketPath: option(rest, "--socket"), name: "machipc-trace" });
      client.trace((line) => console.log(line));
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
      client.close();
      return 0;
    }
    case "inspect": {
      const client = await MachClient.connect({ socketPath: option(rest, "--socket"), name: "machipc-inspect" });
      const { url } = await startInspector(client, Number(option(rest, "--port") ?? 7780));
      console.log(`machipc inspect: open ${url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
      client.close();
      return 0;
    }
    default:
      console.error(`machipc: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`machipc: ${err instanceof ClientError || err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
