/**
 * A relay-only call that outlives its TURN credentials and its allocations:
 * with 30 s credentials and 30 s allocation lifetimes (the shortest the
 * server and the relay accept), Chromium refreshes allocations every 15 s
 * (half the lifetime, under two minutes) and the relay refuses to refresh
 * them once the credentials have expired, so the call only survives if the
 * element fetches fresh credentials and restarts ICE with them before the
 * old ones lapse.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { RELAY_SECRET, startRelay, type TestRelay } from '../helpers/relay.js';
import { events, expectFramesFlowing, launch, openPage, waitForState } from './browser.js';
import { embedPage, serveSite, type Site } from './site.js';

/** ICE_TTL_SECONDS: how long the first credentials live. */
const CREDENTIAL_SECONDS = 30;
/** TURN_DEFAULT_LIFETIME and TURN_MAX_LIFETIME. */
const ALLOCATION_SECONDS = 30;
const REFRESH_SECONDS = ALLOCATION_SECONDS / 2;
/**
 * The first credentials lapse, an allocation refreshed with them just before
 * then lapses one lifetime later, and one refresh period more shows the call
 * carrying on without any of it.
 */
const CALL_SECONDS = CREDENTIAL_SECONDS + ALLOCATION_SECONDS + REFRESH_SECONDS;

let browser: Browser;
let relay: TestRelay;
let site: Site;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
  const lifetime = String(ALLOCATION_SECONDS);
  relay = await startRelay({ TURN_DEFAULT_LIFETIME: lifetime, TURN_MAX_LIFETIME: lifetime }, { relayPortCount: 500 });
  site = await serveSite();
  server = await startServer({
    STATIC_DIR: 'web/dist',
    LOG_LEVEL: 'warn',
    ALLOWED_ORIGINS: site.origin,
    TURN_URLS: `turn:127.0.0.1:${relay.ports.udp}?transport=udp`,
    TURN_SECRET: RELAY_SECRET,
    ICE_TTL_SECONDS: String(CREDENTIAL_SECONDS),
  });
});
afterAll(async () => {
  await browser.close();
  await server.close();
  await relay.close();
  await site.close();
});

describe('a long relay-only call', () => {
  it(
    'stays connected past its first credentials and allocations, across refreshes and ICE restarts',
    async () => {
      site.html = embedPage(`${server.httpUrl}/video-call.js`, 'long', 'relay-only');
      const ada = await openPage(browser, `${site.origin}/`, 'Ada');
      const bob = await openPage(browser, `${site.origin}/`, 'Bob');
      await waitForState(ada, 'connected', 45_000);
      await waitForState(bob, 'connected', 45_000);
      const started = Date.now();
      const allocatedAtStart = await relay.metric('vc_turn_requests_total{method="allocate",code="200"}');

      // Sampled once a refresh period: the call must be live across every refresh and restart, not only at the end.
      while (Date.now() - started < CALL_SECONDS * 1000) {
        await ada.waitForTimeout(REFRESH_SECONDS * 1000);
        await expectFramesFlowing(bob);
        await expectFramesFlowing(ada);
      }
      for (const page of [ada, bob]) {
        const states = (await events(page, 'vc-state')).map(([, detail]) => detail.state);
        expect(states).not.toContain('failed');
        expect(await page.evaluate(() => document.querySelector('video-call')?.getAttribute('state'))).toBe(
          'connected',
        );
      }
      expect(await relay.metric('vc_turn_requests_total{method="refresh",code="200"}')).toBeGreaterThanOrEqual(4);
      // Fresh credentials brought fresh allocations (two per side per restart at least).
      const allocated = await relay.metric('vc_turn_requests_total{method="allocate",code="200"}');
      expect(allocated).toBeGreaterThanOrEqual(4);
      expect(allocated - allocatedAtStart).toBeGreaterThanOrEqual(2);
    },
    (CALL_SECONDS + 135) * 1000,
  );
});
