/**
 * What access.test.ts reads from and does to its pages and its server:
 * the issue-13 events recorded beside openPage's, the WebSocket upgrades
 * the server took (to tell a page's own sockets apart and cut them), and
 * the element's words and buttons as a user sees them.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Page } from 'playwright-core';

/**
 * Runs in a page before its scripts (openPage's `before`): records the
 * host-control and lobby events next to the ones openPage records, and marks
 * the page's requests to its own origin with a cookie of its own.
 */
export function prepareAccessPage(): void {
  for (const type of ['vc-knock', 'vc-knock-ended', 'vc-lobby', 'vc-muted', 'vc-locked']) {
    addEventListener(type, (event) => {
      (window as unknown as { __vcEvents: unknown[] }).__vcEvents.push([type, (event as CustomEvent).detail]);
    });
  }
  document.cookie = `e2e-page=${crypto.randomUUID()}; path=/`;
}

export interface Upgrade {
  origin: string | undefined;
  cookie: string;
  socket: Duplex;
}

/** Every WebSocket upgrade `server` takes from now on, in order; watching them changes nothing. */
export function watchUpgrades(server: Server): Upgrade[] {
  const upgrades: Upgrade[] = [];
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    upgrades.push({ origin: request.headers.origin, cookie: request.headers.cookie ?? '', socket });
  });
  return upgrades;
}

/** The upgrades that came from `page` (same origin as the server, marked by prepareAccessPage). */
export async function upgradesOf(page: Page, upgrades: Upgrade[]): Promise<Upgrade[]> {
  const cookie = await page.evaluate(() => document.cookie);
  return upgrades.filter((upgrade) => upgrade.cookie.includes(cookie));
}

/** The element's status line. */
export function statusText(page: Page): Promise<string> {
  return page.evaluate(
    () => document.querySelector('video-call')?.shadowRoot?.querySelector('[part~=status]')?.textContent?.trim() ?? '',
  );
}

export function attribute(page: Page, name: string): Promise<string | null> {
  return page.evaluate((name) => document.querySelector('video-call')?.getAttribute(name) ?? null, name);
}

/** Waits until `page` has recorded `count` events of `type`. */
export async function countEvents(page: Page, type: string, count: number): Promise<void> {
  await page.waitForFunction(
    ({ type, count }) =>
      (window as unknown as { __vcEvents: Array<[string]> }).__vcEvents.filter(([t]) => t === type).length === count,
    { type, count },
  );
}

/** Waits until the element shows `count` remote tiles. */
export async function remoteTiles(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (count) =>
      document.querySelector('video-call')?.shadowRoot?.querySelectorAll('[part~="remote-tile"]').length === count,
    count,
  );
}

/** One of the element's buttons, found as a user finds it: by its accessible name. */
export function button(page: Page, name: string) {
  return page.locator('video-call').getByRole('button', { name, exact: true });
}

/** Presses one of the element's buttons, as a user would. */
export async function press(page: Page, name: string): Promise<void> {
  await button(page, name).click({ timeout: 20_000 });
}
