/**
 * The server's native helpers (native/addon, an N-API addon built by
 * `npm run build:native` into native/build/machipc_native.node): what Node
 * itself cannot do. Loaded once, on first use; a missing build is a clear error.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";

/** A Unix socket peer as the kernel recorded it at connect() (SO_PEERCRED). */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** Every function of the addon, typed. Add to native/addon/module.c's table and here together. */
export interface NativeHelpers {
  /** SO_PEERCRED of a connected Unix socket's descriptor; throws an Error with code "ERRNO" when unreadable. */
  peerCredentials(fd: number): PeerCredentials;
  /**
   * Call `onSet` every time the machine's wall clock (CLOCK_REALTIME) is set, even
   * to the time it had: a timerfd with TFD_TIMER_CANCEL_ON_SET watched by a
   * thread. The watch does not keep the process alive; `stop()` ends it.
   */
  watchCalendar(onSet: () => void): { stop(): void };
  /** process_vm_readv of `into.length` bytes at `address` of process `pid`: all of them (the count), or a negative errno. */
  processVmRead(pid: number, address: bigint, into: Uint8Array): number;
  /** process_vm_writev of `data` at `address` of process `pid`: all of it (the count), or a negative errno. */
  processVmWrite(pid: number, address: bigint, data: Uint8Array): number;
  /** One SCM_RIGHTS message of a side channel, without blocking (null: none queued, or the peer is gone); its descriptors are the caller's to close. */
  oolRecvFds(sock: number, out: Int32Array): number;
  /** Pass descriptors tagged `tag` without blocking: 0, or the errno that stopped it. */
  oolSendFds(sock: number, tag: number, fds: number[]): number;
  /** 0 when `fd` is a memfd sealed against shrink, grow and write with at least `size` bytes; 1 not a memfd, 2 not sealed, 3 smaller. */
  oolCheckFd(fd: number, size: number): number;
  /** The first `size` bytes of a checked memfd (pread). */
  oolReadFd(fd: number, size: number): ArrayBuffer;
  closeFd(fd: number): void;
  /** A close-on-exec duplicate of `fd`. */
  dupFd(fd: number): number;
  /**
   * One non-blocking send of `bytes`, or of its first `length` (no SIGPIPE): how many went, 0 when the socket
   * would block, or -errno. A `length` past the end (or not a count) throws a RangeError.
   */
  sendFrame(fd: number, bytes: Uint8Array, length?: number): number;
}

/** From src/server and dist/server alike the build directory is two levels up. */
const ADDON = new URL("../../native/build/machipc_native.node", import.meta.url);

let helpers: NativeHelpers | null = null;

/** The loaded addon; throws an Error saying how to build it when it is missing. */
export function nativeHelpers(): NativeHelpers {
  if (helpers) return helpers;
  try {
    helpers = createRequire(import.meta.url)(ADDON.pathname) as NativeHelpers;
  } catch (e) {
    throw new Error(`machipc's native helpers are not built (${ADDON.pathname}): run \`npm run build:native\` (${e instanceof Error ? e.message : String(e)})`);
  }
  return helpers;
}

/** The descriptor under a connected net.Socket (libuv's handle keeps it as `fd`), or null where there is none. */
export function socketFd(sock: Socket): number | null {
  const handle = (sock as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

/** The peer's credentials, or an Error saying why they cannot be had (the caller refuses the peer). */
export function peerCredentials(sock: Socket): PeerCredentials | Error {
  const fd = socketFd(sock);
  if (fd === null) return new Error("the connection has no descriptor to read credentials from");
  try {
    return nativeHelpers().peerCredentials(fd);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
