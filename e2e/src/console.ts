/**
 * The scheduler's console (the explorer) in headless Chromium, for the end-to-end test: opened on
 * the real local system, signed in with its API token, screenshots into tmp/console/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', 'tmp', 'console');

export interface Console {
  page: Page;
  /** Errors the page's code threw (none expected). */
  errors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openConsole(api: string, token: string): Promise<Console> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}; run npm run setup (Debian package chromium)`,
    );
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${api}/explorer`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', token);
  await page.click('#login button');
  await page.waitForSelector('#conn.live');
  return {
    page,
    errors,
    shot: async (name) => {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    },
    close: () => browser.close(),
  };
}
