/**
 * The corporate case against the compose layout: one VPS address
 * (203.0.113.4) serves HTTPS and TURN over TLS on the same port 443, the SNI
 * router in front of Caddy and the bundled relay (./one-address.ts), and a
 * network that lets out only TCP 443 still calls through it.
 *
 * | A | B | ICE servers | expected |
 * |---|---|---|---|
 * | corporate (TCP 443 only) | cone | `turns:turn.calls.internal:443?transport=tcp` only, through the router | relay over TLS |
 *
 * Besides the call: HTTPS answers on 443 through the router and Caddy, and
 * both Caddy and the relay see the corporate router's own address
 * (203.0.113.31), which only the PROXY v2 header the router sends them
 * carries; their TCP peer is the router on 127.0.0.1.
 *
 * Chromium checks both certificates, which Caddy's local CA signed: it trusts
 * exactly their two keys (--ignore-certificate-errors-spki-list), the page's
 * for HTTPS and the relay's for TURN over TLS. The browsers find both names
 * in a hosts file (see hostsFile for why not --host-resolver-rules).
 *
 * It needs what the lab needs, and haproxy and Caddy 2.7+ (test/fetch-caddy.sh),
 * and says so when one is missing. Timeouts are generous (two cores, shared).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, waitForState } from '../e2e/browser.js';
import { expectFramesDecoding, launchIn, openCall, waitForPath } from './browser.js';
import { HOMES, NatLab, type HomeName } from './lab.js';
import {
  accessLog,
  allocations,
  routedConnection,
  httpsStatus,
  ORIGIN,
  hostsFile,
  startOneAddressHost,
  type OneAddressHost,
} from './one-address.js';

const CONNECT_MS = 60_000;
const FRAMES_MS = 30_000;
const CORPORATE = HOMES.corp.wan;
const ROOM = 'one-address';

let lab: NatLab | undefined;
let host: OneAddressHost;
/** One browser behind each router, for the whole file: the cases read what the call left behind. */
let browsers: { corp: Browser; cone: Browser } | undefined;

beforeAll(async () => {
  lab = await NatLab.build();
  host = await startOneAddressHost(lab);
  const [corp, cone] = await Promise.all([launchClient('corp'), launchClient('cone-a')]);
  browsers = { corp, cone };
}, 180_000);
afterAll(async () => {
  // Whatever fails to close here, the lab's teardown still ends it.
  await Promise.allSettled(Object.values(browsers ?? {}).map((browser) => browser.close()));
  await lab?.teardown();
});

function requireLab(): NatLab {
  if (lab === undefined) throw new Error('the NAT lab was not built');
  return lab;
}

function requireBrowsers(): { corp: Browser; cone: Browser } {
  if (browsers === undefined) throw new Error('the browsers did not start');
  return browsers;
}

/** A client of the one-address host: both names resolve to it, and only Caddy's two keys are trusted. */
async function launchClient(home: HomeName): Promise<Browser> {
  return launchIn(requireLab(), home, [`--ignore-certificate-errors-spki-list=${host.spki.site},${host.spki.turn}`], {
    hosts: await hostsFile(requireLab()),
  });
}

describe('the corporate case against the compose layout (one address, 443 for HTTPS and TURN over TLS)', () => {
  it('HTTPS answers on 443 from the corporate network: GET /healthz through the router and Caddy is 200', async () => {
    expect(await httpsStatus(requireLab(), 'corp', host.caCert, '/healthz')).toBe(200);
    expect(accessLog(host.caddy, '/healthz')).toContainEqual(
      expect.objectContaining({ remote_ip: CORPORATE, status: 200 }),
    );
  });

  it('corporate ↔ cone, turns: on 443 the only ICE server: connected, the corporate side relays over TLS through the router, frames decode both ways', async () => {
    const { corp, cone } = requireBrowsers();
    const corporate = await openCall(corp, ROOM, 'Ada', ORIGIN);
    const home = await openCall(cone, ROOM, 'Bob', ORIGIN);
    // Measured, not asserted: each page's time from its navigation to `connected` (the corporate page's
    // includes the wait for the other page, opened after it).
    const [corporateMs, homeMs] = await Promise.all(
      [corporate, home].map(async (page) => {
        await waitForState(page, 'connected', CONNECT_MS);
        return Math.round(await page.evaluate(() => performance.now()));
      }),
    );
    console.info(`[one-address] page opened → connected: corporate ${corporateMs} ms, cone ${homeMs} ms`);
    const paths = [];
    for (const page of [corporate, home]) {
      const detail = await waitForPath(page, 'relay', CONNECT_MS);
      await expectFramesDecoding(page, String(detail.peerId), FRAMES_MS);
      expect(await events(page, 'vc-error')).toEqual([]);
      paths.push(detail);
    }
    expect(paths[0]).toMatchObject({ path: 'relay', local: 'relay', protocol: 'tls' });
    expect(paths[1]).toMatchObject({ path: 'relay' });
  });

  it("the relay's log names the corporate router's address as the client of its allocation over TLS", () => {
    expect(allocations(host.relay)).toContainEqual(expect.objectContaining({ client: CORPORATE, transport: 'tls' }));
  });

  it("Caddy's access log names the corporate router's address as the client of the page load", () => {
    expect(accessLog(host.caddy, `/r/${ROOM}`)).toContainEqual(
      expect.objectContaining({ remote_ip: CORPORATE, status: 200 }),
    );
  });

  it("the router's log shows the same connections, by address and port, handed to the relay and to Caddy", async () => {
    const allocation = allocations(host.relay).find(
      ({ client, transport }) => client === CORPORATE && transport === 'tls',
    );
    const page = accessLog(host.caddy, `/r/${ROOM}`).find(({ remote_ip }) => remote_ip === CORPORATE);
    if (allocation === undefined || page === undefined)
      throw new Error('the call left no corporate allocation or page load');
    for (const line of [
      await routedConnection(host.router, CORPORATE, allocation.clientPort, 'relay/relay'),
      await routedConnection(host.router, CORPORATE, page.remote_port, 'caddy/caddy'),
    ])
      console.info(`[one-address] router: ${line}`);
  });
});
