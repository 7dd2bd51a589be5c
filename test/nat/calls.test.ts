/**
 * Real calls through real NAT: two Chromiums, each in its own home behind
 * its own router, join one room on the signaling server in the public
 * namespace. Each case is a whole call: connected, video frames decoding on
 * both sides, and the media path as `vc-connection` reports it.
 *
 * | A | B | ICE servers | expected |
 * |---|---|---|---|
 * | cone | cone | STUN | srflx (hole punching) |
 * | symmetric | symmetric | STUN | ICE fails (so the lab is real) |
 * | symmetric | symmetric | bundled relay | relay |
 * | symmetric | symmetric | coturn, shipped config | relay |
 * | corporate (TCP 443 only) | cone | bundled relay, turns: on 443 | relay over TLS |
 * | corporate (TCP 443 only) | cone | bundled relay, turn:?transport=tcp on 443 | relay over TCP |
 *
 * Timeouts are generous (two cores, shared); nothing is retried but what ICE
 * itself retries.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatLab, RELAY_443_IP, RELAY_IP, SERVER_IP, type HomeName } from './lab.js';
import { events, waitForState } from '../e2e/browser.js';
import {
  expectFramesDecoding,
  launchIn,
  openCall,
  peerConnections,
  waitForIceFailure,
  waitForPath,
} from './browser.js';
import {
  relayCertificate,
  startBundledRelay,
  startCoturn,
  startSignaling,
  TURN_PORT,
  type Relay,
  type Service,
} from './services.js';

const CONNECT_MS = 60_000;
const FRAMES_MS = 30_000;

let lab: NatLab | undefined;
/** The bundled relay: TURN on 3478 (UDP, TCP), TURN over TLS on 443. */
let relay: Relay;
let certificate: { cert: string; key: string; spki: string };
/** Another bundled relay, for networks that let out TCP 443 and nothing else: TURN (UDP, TCP) on 443. */
let relay443: Relay;
/** What the current case started, stopped after it whatever happened. */
let browsers: Browser[] = [];
let services: Service[] = [];

beforeAll(async () => {
  lab = await NatLab.build();
  certificate = await relayCertificate(lab, RELAY_IP);
  [relay, relay443] = await Promise.all([
    startBundledRelay(lab, { address: RELAY_IP, port: TURN_PORT, tls: { port: 443, ...certificate } }),
    startBundledRelay(lab, { address: RELAY_443_IP, port: 443 }),
  ]);
});
afterAll(async () => {
  await lab?.teardown();
});
afterEach(async () => {
  // Whatever fails to close here, the lab's teardown still ends it.
  await Promise.allSettled(browsers.map((browser) => browser.close()));
  await Promise.allSettled(services.map((service) => service.stop()));
  browsers = [];
  services = [];
});

function requireLab(): NatLab {
  if (lab === undefined) throw new Error('the NAT lab was not built');
  return lab;
}

interface Side {
  home: HomeName;
  flags?: string[];
}

/** Starts the signaling server with `ice`, and one browser behind each router, both on the room's page. */
async function call(
  room: string,
  ice: { STUN_URLS?: string; TURN_URLS?: string },
  a: Side,
  b: Side,
): Promise<[Page, Page]> {
  services.push(await startSignaling(requireLab(), ice));
  const [browserA, browserB] = await Promise.all([
    launchIn(requireLab(), a.home, a.flags),
    launchIn(requireLab(), b.home, b.flags),
  ]);
  browsers.push(browserA, browserB);
  const ada = await openCall(browserA, room, 'Ada');
  const bob = await openCall(browserB, room, 'Bob');
  return [ada, bob];
}

/** Both sides connected, their frames decoding, and each side's path once it is known. */
async function connected(pages: [Page, Page], path: string): Promise<Array<Record<string, unknown>>> {
  const paths = [];
  for (const page of pages) {
    await waitForState(page, 'connected', CONNECT_MS);
    const detail = await waitForPath(page, path, CONNECT_MS);
    await expectFramesDecoding(page, String(detail.peerId), FRAMES_MS);
    expect(await events(page, 'vc-error')).toEqual([]);
    paths.push(detail);
  }
  return paths;
}

/** Chromium checks a TURN server's certificate (a turns: URL fails without this): trust exactly the lab relay's key. */
const TRUST_RELAY = () => [`--ignore-certificate-errors-spki-list=${certificate.spki}`];

const STUN_ONLY = { STUN_URLS: `stun:${RELAY_IP}:${TURN_PORT}` };
const BUNDLED_RELAY = { TURN_URLS: `turn:${RELAY_IP}:${TURN_PORT}?transport=udp` };
const COTURN = { TURN_URLS: `turn:${SERVER_IP}:${TURN_PORT}?transport=udp` };

describe('calls through the NAT lab', () => {
  it('cone ↔ cone with STUN only: connected peer to peer through both NATs (hole punching), path srflx', async () => {
    const pages = await call('cone-stun', STUN_ONLY, { home: 'cone-a' }, { home: 'cone-b' });
    for (const path of await connected(pages, 'srflx')) {
      expect(path).toMatchObject({ path: 'srflx', protocol: 'udp', settled: true });
      expect([path.local, path.remote]).not.toContain('relay');
    }
  });

  it('symmetric ↔ symmetric with STUN only: ICE fails on both sides, although both learned their srflx addresses', async () => {
    const pages = await call('symmetric-stun', STUN_ONLY, { home: 'sym-a' }, { home: 'sym-b' });
    for (const page of pages) await waitForIceFailure(page, 120_000);
    for (const page of pages) {
      const connections = await peerConnections(page);
      expect(connections.length).toBeGreaterThan(0);
      for (const { states, candidates } of connections) {
        expect(states).not.toContain('connected');
        expect(candidates).toContain('srflx');
      }
      // Signaling worked (each side met the other); only the media path did not.
      expect(await events(page, 'vc-peer-joined')).toHaveLength(1);
      expect(await events(page, 'vc-connection')).toEqual([]);
      expect(await page.locator('video-call').getAttribute('state')).not.toBe('connected');
    }
  });

  it('symmetric ↔ symmetric with the bundled relay: connected through it, path relay', async () => {
    const before = await relay.metric('vc_turn_relayed_packets_total{direction="to-client"}');
    const pages = await call('symmetric-bundled', BUNDLED_RELAY, { home: 'sym-a' }, { home: 'sym-b' });
    for (const path of await connected(pages, 'relay')) expect(path).toMatchObject({ path: 'relay', protocol: 'udp' });
    // At least one packet for each of the 20 frames the pages saw decoded came through it.
    expect(await relay.metric('vc_turn_relayed_packets_total{direction="to-client"}')).toBeGreaterThanOrEqual(
      before + 20,
    );
  });

  it('symmetric ↔ symmetric with coturn and the shipped configuration: connected through it, path relay', async () => {
    services.push(await startCoturn(requireLab(), certificate));
    const pages = await call('symmetric-coturn', COTURN, { home: 'sym-a' }, { home: 'sym-b' });
    for (const path of await connected(pages, 'relay')) expect(path).toMatchObject({ path: 'relay', protocol: 'udp' });
  });

  it('corporate (TCP 443 only) ↔ cone with the bundled relay: the corporate side relays over TURN/TLS on 443', async () => {
    const ice = {
      TURN_URLS: [
        `turn:${RELAY_IP}:${TURN_PORT}?transport=udp`,
        `turn:${RELAY_IP}:${TURN_PORT}?transport=tcp`,
        `turns:${RELAY_IP}:443?transport=tcp`,
      ].join(','),
    };
    const pages = await call(
      'corporate-tls',
      ice,
      { home: 'corp', flags: TRUST_RELAY() },
      { home: 'cone-a', flags: TRUST_RELAY() },
    );
    const [corporate, home] = await connected(pages, 'relay');
    expect(corporate).toMatchObject({ path: 'relay', local: 'relay', protocol: 'tls' });
    expect(home).toMatchObject({ path: 'relay' });
  });

  it('corporate (TCP 443 only) ↔ cone with the bundled relay: the corporate side relays over TURN/TCP on 443', async () => {
    const before = await relay443.metric('vc_turn_relayed_packets_total{direction="to-client"}');
    const ice = { TURN_URLS: `turn:${RELAY_443_IP}:443?transport=udp,turn:${RELAY_443_IP}:443?transport=tcp` };
    const pages = await call('corporate-tcp', ice, { home: 'corp' }, { home: 'cone-a' });
    const [corporate, home] = await connected(pages, 'relay');
    expect(corporate).toMatchObject({ path: 'relay', local: 'relay', protocol: 'tcp' });
    expect(home).toMatchObject({ path: 'relay' });
    expect(await relay443.metric('vc_turn_relayed_packets_total{direction="to-client"}')).toBeGreaterThanOrEqual(
      before + 20,
    );
  });
});
