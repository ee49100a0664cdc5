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
      callback: (n: number, buf: Uint8Array) => {
        onRead(buf.subarray(0, n));
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
 * Send one whole frame on `sock` (descriptor `fd`): directly when the stream holds nothing, else queued
 * behind what it holds. A `reused` frame's memory is written again once this returns: what the stream
 * keeps of it is a copy.
 */
export function sendFrame(sock: Socket, fd: number, f: Uint8Array, reused = false): void {
  if (sock.writableLength === 0 && fd >= 0) {
    const n = nativeHelpers().sendFrame(fd, f);
    if (n === f.byteLength) return;
    // Would block, or went in part: the rest waits in the stream, and every later frame behind it.
    // An error (the peer went) is the stream's to report as it writes.
    if (n > 0) f = f.subarray(n);
  }
  sock.write(reused ? f.slice() : f);
}
