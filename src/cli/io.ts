/**
 * The CLI's streams: data to stdout, logs and errors to stderr; a reader that
 * goes away (`machipc trace | head -1`) ends the command quietly.
 */
let quietExit: ((code: number) => void) | null = null;

function onStreamError(e: NodeJS.ErrnoException): void {
  if (e.code === "EPIPE") (quietExit ?? ((c: number) => process.exit(c)))(0);
  else throw e;
}

/** Install the EPIPE handling once, before anything is written. */
export function setupStreams(exit: (code: number) => void = (c) => process.exit(c)): void {
  quietExit = exit;
  process.stdout.on("error", onStreamError);
  process.stderr.on("error", onStreamError);
}

/** Data: exactly `text`, no newline added. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** A log or diagnostic line. */
export function log(line: string): void {
  process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
}

/** Wait until SIGINT or SIGTERM (a server or a stream runs until interrupted). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
