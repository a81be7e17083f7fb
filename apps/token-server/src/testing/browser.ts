// A real headless Chromium for page tests: Debian's `chromium` (scripts/setup.sh installs
// it) driven by playwright-core, which never downloads a browser. A fresh profile per
// launch, no network beyond what the page asks for, closed by the teardown.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Teardown } from "@wxtoken/testkit";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Where page tests save what a person would have seen (gitignored). */
export const ARTIFACTS_DIR = new URL("../../test-artifacts/", import.meta.url).pathname;

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

/** Chromium with a fresh --user-data-dir; the profile is removed on teardown. */
export async function launchChromium(teardown: Teardown): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `page tests need Debian's chromium at ${CHROMIUM}: run scripts/setup.sh as root (apt-get install chromium)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "wxtoken-chromium-"));
  teardown.add(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 680 },
    locale: "en-US",
    timezoneId: "Asia/Shanghai",
  });
  teardown.add(() => context.close());
  return context;
}

/** The path of a new artifact file named `name`, its folder created. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}
