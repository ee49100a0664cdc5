/**
 * A connection's socket as the server reads and writes it, doing less per
 * frame than a stream does (docs/server.md, "The transport"):
 * - reads land in one buffer shared by every connection (net.Socket's
 *   `onread`), each read's frames handled before the next read anywhere:
 *   no Buffer, and no pass through the Readable machinery, per chunk;
 * - a result goes to the socket with one non-blocking send of its own when
 *   nothing is queued in the stream, and through the stream otherwise (the
 *   socket would block, or earlier bytes wait), so order is kept and what a
 *   slow reader makes the server hold is the stream's writableLength, which
 *   the session bounds as before.
 * The accepted socket stays open, idle, beside the one read here (a second
 * descriptor of the same connection), so the server's connection count holds.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";
import { nativeHelpers, socketFd } from "./native.js";

/** Where every connection's reads land; a view of it is valid only until the read's callback returns. */
const READ_BUFFER = new Uint8Array(64 * 1024);

/** Reads up to this many bytes get a view of the read buffer kept for their size (at most this many views). */
const KEPT_VIEWS = 4096;
/**
 * The read buffer's first n bytes, by n: a view is only a window on the buffer, so one per size
 * serves every read of that size, rather than a new typed array per read (most reads are one small frame).
 */
const views: (Uint8Array | undefined)[] = [];

/** The read buffer's first `n` bytes. */
function readView(n: number): Uint8Array {
  if (n > KEPT_VIEWS) return READ_BUFFER.subarray(0, n);
  return (views[n] ??= READ_BUFFER.subarray(0, n));
}

/**
 * The socket to serve `accepted` on (accepted with pauseOnConnect, so nothing
 * was read from it): `onRead` gets each read's bytes, a view of the shared buffer.
 */
export function openWire(accepted: Socket, onRead: (bytes: Uint8Array) => void): Socket {
  const fd = socketFd(accepted);
  if (fd === null) throw new Error("the connection has no descriptor");
  // net.Socket takes `onread` in its constructor as in connect() (@types/node declares it for connect() only).
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: nativeHelpers().dupFd(fd),
    readable: true,
    writable: true,
    allowHalfOpen: false,
    onread: {
      buffer: READ_BUFFER,
      // `buf` is READ_BUFFER (the buffer given above).
      callback: (n: number) => {
        onRead(readView(n));
        return true;
      },
    },
  };
  const sock = new Socket(options);
  // The idle twin goes with it, and has nothing of its own to report.
  accepted.on("error", () => undefined);
  sock.once("close", () => accepted.destroy());
  return sock;
}

/**
 * Send one whole frame on `sock` (descriptor `fd`), the first `length` bytes of `f`: directly when the
 * stream holds nothing, else queued behind what it holds. A `reused` frame's memory is written again once
 * this returns: what the stream keeps of it is a copy.
 */
export function sendFrame(sock: Socket, fd: number, f: Uint8Array, reused = false, length = f.byteLength): void {
  let sent = 0;
  if (sock.writableLength === 0 && fd >= 0) {
    // The length rather than a view of the prefix: no typed array per frame.
    const n = length === f.byteLength ? nativeHelpers().sendFrame(fd, f) : nativeHelpers().sendFrame(fd, f, length);
    if (n === length) return;
    // Would block, or went in part: the rest waits in the stream, and every later frame behind it.
    // An error (the peer went) is the stream's to report as it writes.
    if (n > 0) sent = n;
  }
  const rest = sent === 0 && length === f.byteLength ? f : f.subarray(sent, length);
  sock.write(reused ? rest.slice() : rest);
}
