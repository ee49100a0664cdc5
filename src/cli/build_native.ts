/**
 * `machipc build-native`: runs the package's own scripts/build-native.mjs
 * (one build script for a clone and for an installed package).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export function buildNative(root: string, out: string | undefined): number {
  const args = [join(root, "scripts", "build-native.mjs"), ...(out ? ["--out", out] : [])];
  const r = spawnSync(process.execPath, args, { stdio: "inherit" });
  return r.status ?? 1;
}
