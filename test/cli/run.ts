/** Running the built CLI (dist/, which `npm test` builds first) from tests. */
import { execFile, type ChildProcess } from "node:child_process";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { until } from "../server/helpers.js";

const exec = promisify(execFile);
export interface Run {
  stdout: string;
  stderr: string;
  code: number;
}
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, opts: { uid?: number; gid?: number } = {}): Promise<Run> {
  return exec(process.execPath, ["dist/cli/main.js", ...args], { env: { ...process.env, MACHIPC_SOCKET: "", ...env }, ...opts }).then(
    (r) => ({ stdout: r.stdout, stderr: r.stderr, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );
}
export const tempDir = (): string => mkdtempSync(join(tmpdir(), "machipc-cli-"));

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr matching `re`. */
export function assertUsage(r: Run, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

const seen = new WeakMap<ChildProcess, { stdout: string; stderr: string }>();

/** Wait until everything `child` has written on `stream` so far matches `re` (output is collected from the start). */
export function waitForLine(child: ChildProcess, re: RegExp, stream: "stderr" | "stdout" = "stderr"): Promise<string> {
  let buf = seen.get(child);
  if (!buf) {
    const b = { stdout: "", stderr: "" };
    seen.set(child, (buf = b));
    child.stdout!.on("data", (d: Buffer) => (b.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (b.stderr += d.toString()));
  }
  const b = buf;
  return until(() => re.test(b[stream]), `${re} from the child`, 30000).then(() => b[stream]);
}

