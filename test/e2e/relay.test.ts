/**
 * Relay-only calls (`relay-only` → iceTransportPolicy "relay") between two
 * real browsers through our bundled relay over UDP, TCP and TLS: what a
 * call behind a symmetric NAT or a UDP-blocking firewall falls back to.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { RELAY_SECRET, startTlsRelay, type TestRelay } from '../helpers/relay.js';
import { events, expectFramesFlowing, launch, openPage, waitForState } from './browser.js';
import { embedPage, serveSite, type Site } from './site.js';

let browser: Browser;
let relay: TestRelay;
let site: Site;
let server: TestServer | undefined;

beforeAll(async () => {
  browser = await launch({ flags: ['--ignore-certificate-errors'] });
  relay = await startTlsRelay({}, { relayPortCount: 500 });
  site = await serveSite();
});
afterAll(async () => {
  await browser.close();
  await relay.close();
  await site.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  await server?.close();
});

async function relayOnlyCall(turnUrl: string) {
  server = await startServer({
    STATIC_DIR: 'web/dist',
    LOG_LEVEL: 'warn',
    ALLOWED_ORIGINS: site.origin,
    TURN_URLS: turnUrl,
    TURN_SECRET: RELAY_SECRET,
  });
  site.html = embedPage(`${server.httpUrl}/video-call.js`, 'relayed', 'relay-only');
  const ada = await openPage(browser, `${site.origin}/`, 'Ada');
  const bob = await openPage(browser, `${site.origin}/`, 'Bob');
  await waitForState(ada, 'connected', 45_000);
  await waitForState(bob, 'connected', 45_000);
  await expectFramesFlowing(bob);
  await expectFramesFlowing(ada);
  return { ada, bob };
}

async function settledPath(page: Awaited<ReturnType<typeof openPage>>) {
  await page.waitForFunction(() =>
    (window as unknown as { __vcEvents: Array<[string, { settled?: boolean }]> }).__vcEvents.some(
      ([t, d]) => t === 'vc-connection' && d.settled === true,
    ),
  );
  return (await events(page, 'vc-connection')).at(-1)?.[1];
}

describe('relay-only calls through the bundled relay', () => {
  it('connect over TURN/UDP, media flowing, and vc-connection says relay/udp', async () => {
    const { ada } = await relayOnlyCall(`turn:127.0.0.1:${relay.ports.udp}?transport=udp`);
    expect(await settledPath(ada)).toMatchObject({ path: 'relay', protocol: 'udp', local: 'relay' });
    expect(await relay.metric('vc_turn_relayed_packets_total{direction="to-client"}')).toBeGreaterThan(100);
  });

  it('connect over TURN/TCP, and vc-connection says relay/tcp', async () => {
    const { ada } = await relayOnlyCall(`turn:127.0.0.1:${relay.ports.tcp}?transport=tcp`);
    expect(await settledPath(ada)).toMatchObject({ path: 'relay', protocol: 'tcp' });
  });

  it('connect over TURN/TLS, and vc-connection says relay/tls', async () => {
    const { ada } = await relayOnlyCall(`turns:localhost:${relay.ports.tls}?transport=tcp`);
    expect(await settledPath(ada)).toMatchObject({ path: 'relay', protocol: 'tls' });
  });
});
