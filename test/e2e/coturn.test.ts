/**
 * The production alternative: a relay-only call between two browsers
 * through Debian's coturn running infra/coturn/turnserver.conf, with the
 * signaling server unchanged but for its TURN URLs.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import { events, expectFramesFlowing, launch, openPage, waitForState } from './browser.js';
import { embedPage, serveSite, type Site } from './site.js';

const SECRET = 'coturn-e2e-secret-0123456789';
let browser: Browser;
let coturn: Coturn;
let site: Site;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
  coturn = await startCoturn(SECRET, 500);
  site = await serveSite();
});
afterAll(async () => {
  await browser.close();
  await server?.close();
  await coturn.close();
  await site.close();
});

describe('a relay-only call through coturn with the shipped configuration', () => {
  it('connects with media flowing, and vc-connection says relay', async () => {
    server = await startServer({
      STATIC_DIR: 'web/dist',
      LOG_LEVEL: 'warn',
      ALLOWED_ORIGINS: site.origin,
      TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
      TURN_SECRET: SECRET,
    });
    site.html = embedPage(`${server.httpUrl}/video-call.js`, 'coturn', 'relay-only');
    const ada = await openPage(browser, `${site.origin}/`, 'Ada');
    const bob = await openPage(browser, `${site.origin}/`, 'Bob');
    await waitForState(ada, 'connected', 45_000);
    await waitForState(bob, 'connected', 45_000);
    await expectFramesFlowing(bob);
    await ada.waitForFunction(() =>
      (window as unknown as { __vcEvents: Array<[string, { settled?: boolean }]> }).__vcEvents.some(
        ([t, d]) => t === 'vc-connection' && d.settled === true,
      ),
    );
    expect((await events(ada, 'vc-connection')).at(-1)?.[1]).toMatchObject({
      path: 'relay',
      protocol: 'udp',
      local: 'relay',
    });
  });
});
