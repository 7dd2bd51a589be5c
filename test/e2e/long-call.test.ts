/**
 * A relay-only call that outlives its TURN credentials and its allocations:
 * with 60 s credentials and 60 s allocation lifetimes, the relay refreshes
 * allocations every 30 s and refuses to refresh them once the credentials
 * have expired, so the call only survives if the element fetches fresh
 * credentials and restarts ICE with them before the old ones lapse.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { RELAY_SECRET, startRelay, type TestRelay } from '../helpers/relay.js';
import { events, expectFramesFlowing, launch, openPage, waitForState } from './browser.js';
import { embedPage, serveSite, type Site } from './site.js';

let browser: Browser;
let relay: TestRelay;
let site: Site;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
  relay = await startRelay({ TURN_MIN_PORT: '44500', TURN_MAX_PORT: '44999', TURN_DEFAULT_LIFETIME: '60', TURN_MAX_LIFETIME: '60' });
  site = await serveSite();
  server = await startServer({
    STATIC_DIR: 'web/dist',
    LOG_LEVEL: 'warn',
    ALLOWED_ORIGINS: site.origin,
    TURN_URLS: `turn:127.0.0.1:${relay.ports.udp}?transport=udp`,
    TURN_SECRET: RELAY_SECRET,
    ICE_TTL_SECONDS: '60',
  });
});
afterAll(async () => {
  await browser.close();
  await server.close();
  await relay.close();
  await site.close();
});

describe('a long relay-only call', () => {
  it('stays connected past its first credentials and allocations, across refreshes and ICE restarts', async () => {
    site.html = embedPage(`${server.httpUrl}/video-call.js`, 'long', 'relay-only');
    const ada = await openPage(browser, `${site.origin}/`, 'Ada');
    const bob = await openPage(browser, `${site.origin}/`, 'Bob');
    await waitForState(ada, 'connected', 45_000);
    await waitForState(bob, 'connected', 45_000);
    const started = Date.now();

    // 150 s: two and a half credential lifetimes; the first allocations die at about 120 s.
    while (Date.now() - started < 150_000) {
      await ada.waitForTimeout(15_000);
      await expectFramesFlowing(bob);
      await expectFramesFlowing(ada);
    }
    for (const page of [ada, bob]) {
      const states = (await events(page, 'vc-state')).map(([, detail]) => detail.state);
      expect(states).not.toContain('failed');
      expect(await page.evaluate(() => document.querySelector('video-call')?.getAttribute('state'))).toBe('connected');
    }
    expect(await relay.metric('vc_turn_requests_total{method="refresh",code="200"}')).toBeGreaterThanOrEqual(4);
    // Fresh credentials brought fresh allocations (two per side per restart at least).
    expect(await relay.metric('vc_turn_requests_total{method="allocate",code="200"}')).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
