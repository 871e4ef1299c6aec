/**
 * Debian's headless Chromium, driven by playwright-core (never a downloaded browser). One persistent
 * context per caller, on a fresh profile directory removed on close.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The reason the browser tests cannot run here, or false. Under CI a missing browser fails the run
 * (`.ci/run` installs it); on a person's machine the tests say what to install.
 */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  if (process.env.CI !== undefined && process.env.CI !== '') return false;
  return `${CHROMIUM_PATH} is absent: install Debian's chromium package (apt-get install chromium) to run the panel's browser tests`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'order-inbox-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport,
    // Times on the page are in the browser's zone: a fixed one, so screenshots do not depend on the host.
    timezoneId: 'Europe/Amsterdam',
    locale: 'en-GB',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
