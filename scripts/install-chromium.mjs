#!/usr/bin/env node
// Makes sure Debian's chromium is at /usr/bin/chromium for the inspector's browser test
// (test/inspect/browser.test.ts, through playwright-core, which downloads no browser of its own).
// As root with apt-get it says what it installs, then installs Debian's `chromium` package (and the
// libraries apt pulls in with it, without recommends); otherwise it says exactly what to install
// and exits non-zero.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

export const CHROMIUM = process.env.MACHIPC_CHROMIUM || "/usr/bin/chromium";
const INSTALL = "apt-get install -y chromium";

export function ensureChromium(log = (l) => console.error(l)) {
  if (existsSync(CHROMIUM)) return { ok: true };
  const root = process.getuid?.() === 0;
  const apt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!root || !apt) {
    return {
      ok: false,
      message: `${CHROMIUM} is missing: the inspector's browser test needs Debian's chromium. Install it as root with \`apt-get update && ${INSTALL}\` (or run \`sudo node scripts/install-chromium.mjs\`), or point MACHIPC_CHROMIUM at a Chromium binary.`,
    };
  }
  log(`install-chromium: ${CHROMIUM} is missing; installing Debian's chromium package (apt-get update, then ${INSTALL})`);
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", "chromium"]]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) return { ok: false, message: `install-chromium: \`apt-get ${args.join(" ")}\` failed (exit ${r.status}); install chromium by hand: ${INSTALL}` };
  }
  if (!existsSync(CHROMIUM)) return { ok: false, message: `install-chromium: apt-get installed chromium but ${CHROMIUM} is still missing` };
  log(`install-chromium: installed ${CHROMIUM}`);
  return { ok: true };
}

// --best-effort (npm test's step before the suite): install when we can, else say what is missing and
// let the suite run; the browser test then fails with the same sentence.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureChromium();
  if (!r.ok) {
    console.error(r.message);
    process.exit(process.argv.includes("--best-effort") ? 0 : 1);
  }
}
