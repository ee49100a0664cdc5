/**
 * Before a server takes a socket path: is somebody already serving there? A
 * live server means refuse; a socket nobody answers on is a leftover, replaced.
 */
import { connect } from "node:net";
import { existsSync, lstatSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";

export type SocketState = "absent" | "live" | "stale" | "not-socket";

export function probeSocket(path: string, timeoutMs = 1000): Promise<SocketState> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return Promise.resolve("absent");
  }
  if (!st.isSocket()) return Promise.resolve("not-socket");
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (state: SocketState): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(state);
    };
    // A server too busy to accept within the timeout is still alive.
    const timer = setTimeout(() => done("live"), timeoutMs);
    s.once("connect", () => done("live"));
    s.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" || e.code === "ENOENT" ? "stale" : "live"));
  });
}

export class ServeError extends Error {}

/** Make `path` free for listen(), or say in one sentence why it cannot be. */
export async function claimSocketPath(path: string): Promise<void> {
  const state = await probeSocket(path);
  if (state === "live") throw new ServeError(`a machipc server is already running on ${path} (stop it first, or serve on another path with --socket)`);
  if (state === "not-socket") throw new ServeError(`${path} exists and is not a socket; not replacing it`);
  if (state === "stale") unlinkSync(path);
}

/** listen()'s errors, as one sentence. */
export function listenErrorMessage(path: string, e: NodeJS.ErrnoException): string {
  // Node reports a Unix socket's missing directory as EACCES: look before believing it.
  if (!existsSync(dirname(path))) return `cannot serve on ${path}: the directory ${dirname(path)} does not exist`;
  switch (e.code) {
    case "ENOENT":
      return `cannot serve on ${path}: the directory ${dirname(path)} does not exist`;
    case "EACCES":
    case "EPERM":
      return `cannot serve on ${path}: permission denied creating the socket in ${dirname(path)}`;
    case "EADDRINUSE":
      return `cannot serve on ${path}: another process took the path while this server started`;
    default:
      return `cannot serve on ${path}: ${e.message}`;
  }
}
