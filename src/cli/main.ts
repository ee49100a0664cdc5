#!/usr/bin/env node
/** The `machipc` command. */
import { runDemo } from "./demo.js";

const HELP = `usage: machipc <command> [options]

commands:
  demo        the narrated demo: the host story of ipc_host.c on the embedded kernel
  help        this text

Run \`machipc <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    console.log(HELP);
    return cmd ? 0 : 1;
  }
  switch (cmd) {
    case "demo":
      if (rest.includes("--help")) {
        console.log("usage: machipc demo\n\nBoots an in-process kernel and narrates host ports, processors, a right passed\nbetween two tasks, and host exception ports, through real MIG messages.");
        return 0;
      }
      return runDemo();
    default:
      console.error(`machipc: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`machipc: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
