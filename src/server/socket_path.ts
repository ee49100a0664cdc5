/**
 * Where the server's socket lives, and the checks that make it safe: the
 * socket sits in a directory that no other user can write to (so no one can
 * plant or replace it), and for a user's own server one that no other user
 * can even enter. Server and clients (Node here, C in native/src/machipc.c)
 * apply the same rules; docs/server.md states them.
 */
import { lstatSync, mkdirSync, type Stats } from "node:fs";
import { dirname, join } from "node:path";

export const SOCKET_NAME = "machipc.sock";
/** The directory of a system-wide server (`machipc serve --system`, root only). */
export const SYSTEM_SOCKET_DIR = "/run/machipc";

/** Who a server serves: its own user (socket 0600 in a 0700 directory), or every local user (0666 in a root-owned 0755 one). */
export type SocketScope = "user" | "system";

export class SocketPathError extends Error {}

const myUid = (): number => process.getuid?.() ?? 0;

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** $XDG_RUNTIME_DIR when it is set and is really this user's (owned by it, mode 0700, not a symlink), else ${TMPDIR:-/tmp}/machipc-<uid>. */
export function runtimeDir(): string {
  const xdg = process.env["XDG_RUNTIME_DIR"];
  if (xdg) {
    const st = lstatOrNull(xdg);
    if (st && st.isDirectory() && st.uid === myUid() && (st.mode & 0o777) === 0o700) return xdg;
  }
  const tmp = (process.env["TMPDIR"] || "/tmp").replace(/\/+$/, "") || "/";
  return join(tmp, `machipc-${myUid()}`);
}

/** The default socket: the user's own server's, or the system server's. */
export function defaultSocketPath(scope: SocketScope = "user"): string {
  return join(scope === "system" ? SYSTEM_SOCKET_DIR : runtimeDir(), SOCKET_NAME);
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, "0");

/**
 * Why `dir` may not hold a socket for `scope` (null when it may): a user's
 * server needs a directory of its own that no one else can enter; a system
 * server a root-owned one that no one else can write to.
 */
function dirProblem(dir: string, st: Stats, scope: SocketScope): string | null {
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const owner = scope === "system" ? 0 : myUid();
  if (st.uid !== owner) return `${dir} is owned by uid ${st.uid}, not ${owner}`;
  const forbidden = scope === "system" ? 0o022 : 0o077;
  if (st.mode & forbidden) return `${dir} has mode ${octal(st.mode)} (it must not be ${scope === "system" ? "writable by group or others" : "open to group or others: 0700"})`;
  return null;
}

/**
 * The server's side: make sure the socket's directory is safe before the
 * socket is made in it. The default directories are created when missing
 * (0700, or 0755 for the system one); any other must already exist.
 */
export function prepareSocketDir(socketPath: string, scope: SocketScope): void {
  if (scope === "system" && myUid() !== 0) throw new SocketPathError("a system-wide server (--system) must run as root");
  const dir = dirname(socketPath);
  let st = lstatOrNull(dir);
  const isDefault = dir === dirname(defaultSocketPath(scope));
  if (!st && isDefault) {
    mkdirSync(dir, { mode: scope === "system" ? 0o755 : 0o700 });
    st = lstatSync(dir);
  }
  if (!st) throw new SocketPathError(`the socket directory ${dir} does not exist`);
  const problem = dirProblem(dir, st, scope);
  if (problem) throw new SocketPathError(`refusing to serve on ${socketPath}: ${problem}`);
}

/** The socket's mode from its creation on: owner only, or everyone (whose identity the kernel then tells). */
export const socketMode = (scope: SocketScope): number => (scope === "system" ? 0o666 : 0o600);

/** After listen(): the socket is ours, a socket, with exactly its mode. */
export function verifySocket(socketPath: string, scope: SocketScope): string | null {
  const st = lstatOrNull(socketPath);
  if (!st || !st.isSocket()) return `${socketPath} is not a socket`;
  if (st.uid !== myUid()) return `${socketPath} is owned by uid ${st.uid}`;
  if ((st.mode & 0o777) !== socketMode(scope)) return `${socketPath} has mode ${octal(st.mode)}, not ${octal(socketMode(scope))}`;
  return null;
}

/**
 * The client's side, before it connects and says who it is: the directory
 * must be this user's or root's and writable by no one else, so the socket in
 * it is the one its owner put there. A missing directory is left to connect()
 * (which says there is no server).
 */
export function checkSocketDirForClient(socketPath: string): string | null {
  const dir = dirname(socketPath);
  const st = lstatOrNull(dir);
  if (!st) return null;
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== myUid() && st.uid !== 0) return `${dir} is owned by uid ${st.uid}, neither you (uid ${myUid()}) nor root`;
  if (st.mode & 0o022) return `${dir} has mode ${octal(st.mode)}: others could replace the socket`;
  return null;
}
