/**
 * Debian's Chromium driven by playwright-core, started and given pages the
 * same way by the end-to-end tests (test/e2e/browser.ts) and the web bench
 * (bench/web/). In-page code here is a string, so this compiles both under the
 * root tsconfig, which has no DOM typings, and under test/e2e's.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.js';

export interface LaunchOptions {
  /** Extra Chromium flags. */
  flags?: string[];
  /** Debian's Chromium, or a wrapper that execs it (the NAT lab's, inside a network namespace). */
  executablePath?: string;
  /** `document-user-activation-required` is what real browsers do; tests default to allowing sound. */
  autoplayPolicy?: 'no-user-gesture-required' | 'document-user-activation-required';
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  }
}

/** Headless, with a fake camera and microphone. */
export function launchChromium({
  flags = [],
  executablePath = CHROMIUM,
  autoplayPolicy = 'no-user-gesture-required',
}: LaunchOptions = {}): Promise<Browser> {
  requireChromium();
  // playwright-core gives every launch a fresh, empty profile directory.
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--autoplay-policy=${autoplayPolicy}`, ...flags],
  });
}

/** A fresh browser context: its own devices, storage and renderer. */
export function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 960, height: 640 } });
}

/**
 * A page of `context` at `url`. `prepare` runs before the page loads (to add init scripts);
 * the page's uncaught errors are logged under `label`. A call page (`/r/<room>`) joins at once:
 * `prejoin=0` is added (last, after any token) unless the URL says otherwise; the pre-join
 * screen has tests of its own (test/e2e/prejoin.test.ts).
 */
export async function openPageIn(
  context: BrowserContext,
  url: string,
  label: string,
  prepare?: (page: Page) => Promise<void>,
): Promise<Page> {
  const page = await context.newPage();
  if (prepare !== undefined) await prepare(page);
  page.on('pageerror', (error) => console.error(`[page ${label}] ${error.message}`));
  await page.goto(withoutPrejoin(url));
  return page;
}

/** `url` with `prejoin=0` when it is a call page that does not choose itself. */
export function withoutPrejoin(url: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.startsWith('/r/') || parsed.searchParams.has('prejoin')) return url;
  parsed.searchParams.set('prejoin', '0');
  return parsed.href;
}

/** Waits until the element's reflected state attribute is `state`. */
export async function waitForState(page: Page, state: string, timeout = 20_000): Promise<void> {
  const reached = `document.querySelector('video-call')?.getAttribute('state') === ${JSON.stringify(state)}`;
  await page.waitForFunction(reached, undefined, { timeout });
}
