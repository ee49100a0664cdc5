#!/usr/bin/env node
/**
 * The `machipc` command. Conventions: node:util parseArgs (strict) for every
 * command; usage errors are one line and exit 2; failures are one sentence
 * and exit 1; data goes to stdout, logs to stderr; --json where a listing has
 * a shape; MACHIPC_SOCKET names the server as it does for the C library.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientError, MachClient, socketPathFromEnv } from "../client/index.js";
import type { LsmpReport } from "../server/admin.js";
import { ServeError } from "../server/probe.js";
import { DEFAULT_LIMITS, LIMIT_OPTIONS, type ServerLimits } from "../server/limits.js";
import { SocketPathError } from "../server/socket_path.js";
import { intOption, parse, UsageError } from "./args.js";
import { buildNative } from "./build_native.js";
import { formatTasks } from "./format.js";
import { formatHostinfo, formatProcessorStates } from "./hostinfo_format.js";
import { log, out, setupStreams, untilInterrupted } from "./io.js";
import { formatLsmp, formatLsmpAll } from "./lsmp_format.js";
import { serve } from "./serve.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VERSION = (createRequire(import.meta.url)(join(ROOT, "package.json")) as { version: string }).version;

const SOCKET = { socket: { type: "string" } } as const;
const HELP_OPT = { help: { type: "boolean", short: "h" } } as const;

interface Command {
  usage: string;
  about: string;
  run(argv: string[]): Promise<number>;
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

async function withClient<T>(socketPath: string | undefined, name: string, fn: (c: MachClient) => Promise<T>): Promise<T> {
  const client = await MachClient.connect({ socketPath: socketPath ?? socketPathFromEnv(), name });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: "machipc serve [--socket PATH] [--system] [--fixes] [--service NAME]... [--task-for-pid root|posix] [limits] [--demo]",
    about:
      "Boot a kernel and serve it on a Unix domain socket; each connecting process is a task with the uid,\n" +
      "gid and pid the kernel reports for it. By default only this user is served (socket 0600 in a 0700\n" +
      "directory); --system (root only) serves every local user from /run/machipc. --fixes boots the\n" +
      "kernel with every later XNU fix (docs/xnu-bugs.md). --service NAME declares a bootstrap service in\n" +
      "advance (repeatable; the first process to check in gets its receive right). --task-for-pid says who\n" +
      "may get another process's task (root: only root, the default; posix: also the same user).\n" +
      "--demo narrates the demo on the served kernel\n" +
      "first, so its tasks (launchd, app) are there to list. A path a live\n" +
      "server holds is refused; a socket a dead one left is replaced.\n\nlimits (default in brackets):\n" +
      LIMIT_OPTIONS.map((o) => `${`  ${o.flag} N`.padEnd(23)} ${o.what} [${DEFAULT_LIMITS[o.key]}]`).join("\n"),
    async run(argv) {
      const limitSpecs = Object.fromEntries(LIMIT_OPTIONS.map((o) => [o.flag.slice(2), { type: "string" } as const]));
      // --service may come again and again: each one is taken out before the rest is parsed.
      const services: string[] = [];
      const rest: string[] = [];
      for (let i = 0; i < argv.length; i++) {
        const w = argv[i]!;
        if (w === "--service" && i + 1 < argv.length) services.push(argv[++i]!);
        else if (w.startsWith("--service=")) services.push(w.slice("--service=".length));
        else rest.push(w);
      }
      const a = parse("serve", rest, {
        ...SOCKET,
        ...HELP_OPT,
        ...limitSpecs,
        system: { type: "boolean" },
        fixes: { type: "boolean" },
        demo: { type: "boolean" },
        "task-for-pid": { type: "string" },
      });
      if (a.values.help) return help("serve");
      const values = a.values as Record<string, string | boolean | undefined>;
      const limits: Partial<ServerLimits> = {};
      for (const o of LIMIT_OPTIONS) {
        const n = intOption("serve", o.flag.slice(2), values[o.flag.slice(2)] as string | undefined, 1, Number.MAX_SAFE_INTEGER);
        if (n !== undefined) limits[o.key] = n;
      }
      const system = a.values.system ?? false;
      const tfp = a.values["task-for-pid"];
      if (tfp !== undefined && tfp !== "root" && tfp !== "posix") {
        log(`machipc serve: --task-for-pid takes root or posix, not '${tfp}'`);
        return 2;
      }
      return serve({
        socketPath: a.values.socket ?? (system ? undefined : socketPathFromEnv()),
        system,
        limits,
        fixes: a.values.fixes ?? false,
        demo: a.values.demo ?? false,
        services,
        taskForPid: tfp,
      });
    },
  },
  demo: {
    usage: "machipc demo",
    about: "The narrated demo on an embedded kernel: host ports, processors, a right passed between two tasks,\nhost exception ports, through real MIG messages.",
    async run(argv) {
      const a = parse("demo", argv, { ...HELP_OPT });
      if (a.values.help) return help("demo");
      const { runDemo } = await import("./demo.js");
      return runDemo((l) => out(`${l}\n`));
    },
  },
  tasks: {
    usage: "machipc tasks [--socket PATH] [--json]",
    about: "The tasks of a running server: pid, name, uid, gid, threads, names in use.",
    async run(argv) {
      const a = parse("tasks", argv, { ...SOCKET, ...HELP_OPT, json: { type: "boolean" } });
      if (a.values.help) return help("tasks");
      const tasks = await withClient(a.values.socket, "machipc-tasks", (c) => c.tasks());
      out(a.values.json ? json(tasks) : formatTasks(tasks));
      return 0;
    },
  },
  lsmp: {
    usage: "machipc lsmp (-p PID | -a [-v] | PID | NAME) [--socket PATH] [--json]",
    about:
      "A task's Mach ports in the layout of macOS lsmp (OS X 10.11): each name with its ipc-object, rights,\n" +
      "status flags, requests, reference counts, queue and context, who holds the other rights to each\n" +
      "receive right, port-set members, and the summary; then its exception ports and threads.\n" +
      "-p PID as lsmp takes it, or a pid or task name as a word; -a every task (-v with their threads).",
    async run(argv) {
      const a = parse("lsmp", argv, { ...SOCKET, ...HELP_OPT, json: { type: "boolean" }, pid: { type: "string", short: "p" }, all: { type: "boolean", short: "a" }, verbose: { type: "boolean", short: "v" } }, 1);
      if (a.values.help) return help("lsmp");
      const word = a.positionals[0];
      const chosen = [a.values.pid !== undefined, a.values.all === true, word !== undefined].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError("machipc lsmp: give exactly one of -p PID, -a, or a task's pid or name (see `npx machipc tasks`)");
      if (a.values.all) {
        const all = await withClient(a.values.socket, "machipc-lsmp", (c) => c.lsmpAll());
        out(a.values.json ? json(all) : formatLsmpAll(all, a.values.verbose ?? false));
        return 0;
      }
      const pid = a.values.pid !== undefined ? intOption("lsmp", "pid", a.values.pid, 0, 0x7fffffff) : undefined;
      const r = await withClient(a.values.socket, "machipc-lsmp", async (c): Promise<LsmpReport | string> => {
        let target = pid;
        if (target === undefined && /^\d+$/.test(word!)) target = Number(word);
        if (target === undefined) {
          const named = (await c.tasks()).filter((t) => t.name === word);
          if (named.length === 0) return `no task named '${word}' (see \`npx machipc tasks\`)`;
          if (named.length > 1) log(`machipc lsmp: ${named.length} tasks are named '${word}'; showing pid ${named[0]!.pid} (choose with -p PID)`);
          target = named[0]!.pid;
        }
        const rep = await c.lsmp(target);
        return "error" in rep ? rep.error : rep;
      });
      if (typeof r === "string") {
        log(`machipc lsmp: ${r}`);
        return 1;
      }
      out(a.values.json ? json(r) : formatLsmp(r));
      return 0;
    },
  },
  host: {
    usage: "machipc host [--socket PATH] [--json]",
    about: "What macOS hostinfo prints about the served kernel's host, in its layout, then each processor's state.",
    async run(argv) {
      const a = parse("host", argv, { ...SOCKET, ...HELP_OPT, json: { type: "boolean" } });
      if (a.values.help) return help("host");
      const h = await withClient(a.values.socket, "machipc-host", (c) => c.host());
      out(a.values.json ? json(h) : formatHostinfo(h) + formatProcessorStates(h));
      return 0;
    },
  },
  trace: {
    usage: "machipc trace [--socket PATH]",
    about: "Print each message as it enters a queue or a kernel object, by routine name, until interrupted.",
    async run(argv) {
      const a = parse("trace", argv, { ...SOCKET, ...HELP_OPT });
      if (a.values.help) return help("trace");
      const client = await MachClient.connect({ socketPath: a.values.socket ?? socketPathFromEnv(), name: "machipc-trace" });
      client.trace((line) => out(`${line}\n`));
      const gone = new Promise<number>((resolve) =>
        client.onClose(() => {
          log("machipc trace: the server went away");
          resolve(1);
        }),
      );
      const code = await Promise.race([untilInterrupted().then(() => 0), gone]);
      client.close();
      return code;
    },
  },
  inspect: {
    usage: "machipc inspect [--port N] [--socket PATH]",
    about: "Serve a page on 127.0.0.1 (default port 7780) that draws the server's tasks, their names and rights,\nthe port each right reaches, port sets, queued messages and rights in transit, updated as they change.",
    async run(argv) {
      const a = parse("inspect", argv, { ...SOCKET, ...HELP_OPT, port: { type: "string" } });
      if (a.values.help) return help("inspect");
      const port = intOption("inspect", "port", a.values.port, 0, 65535) ?? 7780;
      // Loaded only here: the inspector's graph layout (elkjs) would add ~10 MB to every other command's heap, a server's included.
      const { runInspect } = await import("./inspect.js");
      return runInspect({ socketPath: a.values.socket ?? socketPathFromEnv(), port });
    },
  },
  "build-native": {
    usage: "machipc build-native [--out DIR]",
    about: "Build libmachipc (native/build/libmachipc.so by default) with the machine's C compiler; without one,\nsay what would be installed and install gcc as root with apt-get, or say exactly what to install.",
    async run(argv) {
      const a = parse("build-native", argv, { ...HELP_OPT, out: { type: "string" } });
      if (a.values.help) return help("build-native");
      return buildNative(ROOT, a.values.out);
    },
  },
};

const OVERVIEW = () =>
  [
    "usage: machipc <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)} ${c.about.split("\n")[0]}`),
    "",
    "options: --socket PATH (default $MACHIPC_SOCKET, else " + socketPathFromEnv() + "), --help, --version",
    "Run `machipc <command> --help` for a command's options.",
  ].join("\n") + "\n";

function help(name: string): number {
  const c = COMMANDS[name]!;
  out(`usage: ${c.usage}\n\n${c.about}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    log(OVERVIEW().trimEnd());
    return 2;
  }
  if (cmd === "--help" || cmd === "-h" || cmd === "help") {
    if (rest[0] !== undefined && cmd === "help") {
      if (!COMMANDS[rest[0]]) throw new UsageError(`machipc help: unknown command '${rest[0]}'`);
      return help(rest[0]);
    }
    out(OVERVIEW());
    return 0;
  }
  if (cmd === "--version" || cmd === "-V") {
    out(`machipc ${VERSION} (xnu-3248.40.184 host IPC)\n`);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) throw new UsageError(cmd.startsWith("-") ? `machipc: unknown option ${cmd} (see \`machipc --help\`)` : `machipc: unknown command '${cmd}' (see \`machipc --help\`)`);
  return command.run(rest);
}

setupStreams();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      log(err.message);
      process.exit(2);
    }
    // Expected failures (ClientError, ServeError) are one sentence already; anything else is named.
    const msg = err instanceof ClientError || err instanceof ServeError || err instanceof SocketPathError || err instanceof Error ? err.message : String(err);
    log(msg.startsWith("machipc") ? msg : `machipc: ${msg}`);
    process.exit(1);
  },
);
