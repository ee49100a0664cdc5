/**
 * Debian's chromium for the inspector's browser test, driven by playwright-core
 * (which downloads no browser of its own). scripts/install-chromium.mjs
 * installs it as root (npm test runs it first); without it the test fails
 * with the exact command to run, never skips.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = process.env["MACHIPC_CHROMIUM"] || "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh browser (its own --user-data-dir), or a failed assertion saying what to install. */
export async function launchChromium(): Promise<BrowserContext> {
  const r = spawnSync(process.execPath, ["scripts/install-chromium.mjs"], { encoding: "utf8" });
  if (r.status !== 0) assert.fail(r.stderr.trim() || `scripts/install-chromium.mjs failed (exit ${r.status})`);
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "machipc-chromium-"));
  // The fresh profile is the --user-data-dir (playwright passes it from its own argument).
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
}
