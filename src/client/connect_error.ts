/** One true sentence for each way connecting to a server's socket can fail. */
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";

export function connectErrorMessage(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT": {
      const dir = dirname(path);
      if (!existsSync(dir)) return `no machipc server at ${path}: the directory ${dir} does not exist (start a server with \`npx machipc serve\`)`;
      return `no machipc server at ${path} (start one with \`npx machipc serve\`)`;
    }
    case "ECONNREFUSED":
      return `no machipc server is listening at ${path}: the socket is left over from a server that exited (\`npx machipc serve\` replaces it)`;
    case "EACCES":
    case "EPERM":
      return `permission denied connecting to ${path}: the server belongs to another user (the socket or its directory is not open to you)`;
    case "ENOTSOCK":
      return `${path} is not a socket`;
    default: {
      let what = "";
      try {
        if (!statSync(path).isSocket()) what = ` (${path} is not a socket)`;
      } catch {
        /* the stat error says no more than the connect error */
      }
      return `cannot connect to ${path}: ${e.message}${what}`;
    }
  }
}
