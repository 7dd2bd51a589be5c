/**
 * A relayed call over IPv6: two Chromiums in IPv6-only namespaces (lab6.ts),
 * relay-only (`iceTransportPolicy: relay` is what TURN_URLS alone with no
 * STUN gives the element, and the clients cannot reach each other anyway),
 * with one ICE server, `turn:[2001:db8:6::2]:…`. Chromium never sends
 * REQUESTED-ADDRESS-FAMILY, so the relay's TURN_ALLOCATION_FAMILY_DEFAULT
 * decides the relayed family: with `keep` (port 3478) both relayed addresses
 * are IPv6; with the default `ipv4` (port 3479) they are IPv4, and the call
 * works all the same, the two allocations meeting inside the relay. The
 * signaling server listens on IPv6 too; the clients have no IPv4 address to
 * reach anything by.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../helpers/chromium.js';
import { metric } from '../helpers/metrics-text.js';
import { events, launch, openPage, waitForState } from '../e2e/browser.js';
import { expectFramesDecoding, waitForPath } from './browser.js';
import { Ipv6Lab, RELAY_IP4, RELAY_IP6, SERVER_IP6, type Client6 } from './lab6.js';
import { must } from './shell.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'nat-lab-secret-0123456789abcdef';
const ORIGIN = `http://[${SERVER_IP6}]:443`;
/** The relay with TURN_ALLOCATION_FAMILY_DEFAULT=keep, and the one with the default (ipv4); metrics ports. */
const KEEP = { port: 3478, metrics: 9641 };
const IPV4_DEFAULT = { port: 3479, metrics: 9642 };
const CONNECT_MS = 60_000;
const FRAMES_MS = 60_000;

let lab: Ipv6Lab | undefined;
const browsers: Browser[] = [];

function node(script: string, env: Record<string, string>) {
  if (lab === undefined) throw new Error('the IPv6 lab was not built');
  return lab.start(lab.publicNs, process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

function relay({ port, metrics }: { port: number; metrics: number }, env: Record<string, string>) {
  return node('turn/main.ts', {
    TURN_SECRET: SECRET,
    TURN_PORT: String(port),
    TURN_LISTEN_HOST: '127.0.0.1',
    TURN_LISTEN_HOST6: RELAY_IP6,
    TURN_RELAY_ADDRESS: RELAY_IP4,
    TURN_RELAY_ADDRESS6: RELAY_IP6,
    TURN_METRICS_HOST: '127.0.0.1',
    TURN_METRICS_PORT: String(metrics),
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** The signaling server on [2001:db8:6::1]:443, handing out one TURN URL. */
function signaling(turnPort: number) {
  return node('server/main.ts', {
    HOST: SERVER_IP6,
    PORT: '443',
    STATIC_DIR: join(ROOT, 'web/dist'),
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '1000',
    TURN_SECRET: SECRET,
    TURN_URLS: `turn:[${RELAY_IP6}]:${turnPort}?transport=udp`,
  });
}

beforeAll(async () => {
  lab = await Ipv6Lab.build();
  const relays = [relay(KEEP, { TURN_ALLOCATION_FAMILY_DEFAULT: 'keep' }), relay(IPV4_DEFAULT, {})];
  for (const started of relays) await started.waitFor(/TURN relay listening/, 30_000);
});

afterAll(async () => {
  await Promise.allSettled(browsers.map((browser) => browser.close()));
  await lab?.teardown();
});

async function browserIn(name: Client6): Promise<Browser> {
  if (lab === undefined) throw new Error('the IPv6 lab was not built');
  const wrapper = join(lab.dir, `chromium-${name}`);
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${lab.clientNs(name)}' ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  const browser = await launch({
    executablePath: wrapper,
    flags: [`--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`],
  });
  browsers.push(browser);
  return browser;
}

/** The selected candidate pair's local candidate, from the element's getStats for `peerId`. */
function selectedLocal(page: Page, peerId: string): Promise<Record<string, unknown> | undefined> {
  return page.evaluate(async (id) => {
    const call = document.querySelector('video-call') as
      (HTMLElement & { getStats(peer: string): Promise<RTCStatsReport | undefined> }) | null;
    const stats = await call?.getStats(id);
    if (stats === undefined) return undefined;
    const all = [...stats.values()] as Array<Record<string, unknown>>;
    const transport = all.find((stat) => stat.type === 'transport' && stat.selectedCandidatePairId !== undefined);
    const pair = all.find((stat) => stat.id === transport?.selectedCandidatePairId);
    const local = all.find((stat) => stat.id === pair?.localCandidateId);
    return local === undefined
      ? undefined
      : {
          candidateType: local.candidateType,
          relayProtocol: local.relayProtocol,
          address: local.address,
          url: local.url,
        };
  }, peerId);
}

async function relayedToClient(metricsPort: number): Promise<number> {
  if (lab === undefined) throw new Error('the IPv6 lab was not built');
  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  const fetchMetrics = `fetch('${url}').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const text = await must('ip', ['netns', 'exec', lab.publicNs, process.execPath, '-e', fetchMetrics]);
  return metric(text, 'vc_turn_relayed_packets_total{direction="to-client"}');
}

/** Ada and Bob, each in an IPv6-only namespace, in one room; each side's relay path and selected local candidate. */
async function relayedCall(room: string, metricsPort: number) {
  const before = await relayedToClient(metricsPort);
  const [browserA, browserB] = await Promise.all([browserIn('a'), browserIn('b')]);
  const pages = [
    await openPage(browserA, `${ORIGIN}/r/${room}`, 'Ada'),
    await openPage(browserB, `${ORIGIN}/r/${room}`, 'Bob'),
  ];
  const locals = [];
  for (const page of pages) {
    await waitForState(page, 'connected', CONNECT_MS);
    const path = await waitForPath(page, 'relay', CONNECT_MS);
    expect(path).toMatchObject({ path: 'relay', local: 'relay', protocol: 'udp' });
    await expectFramesDecoding(page, String(path.peerId), FRAMES_MS);
    expect(await events(page, 'vc-error')).toEqual([]);
    locals.push(await selectedLocal(page, String(path.peerId)));
  }
  expect(await relayedToClient(metricsPort)).toBeGreaterThan(before + 100);
  await Promise.all([browserA.close(), browserB.close()]);
  return locals;
}

describe('the IPv6 lab', () => {
  let server: ReturnType<typeof signaling> | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('IPv6-only ↔ IPv6-only, relay keeping the family: connected through [2001:db8:6::2], relayed addresses IPv6', async () => {
    server = signaling(KEEP.port);
    await server.waitFor(/Server listening at/, 30_000);
    for (const local of await relayedCall('ipv6-keep', KEEP.metrics)) {
      // The relay candidate came from the IPv6 TURN URL over UDP, and its relayed address is IPv6.
      expect(local).toMatchObject({ candidateType: 'relay', relayProtocol: 'udp', address: RELAY_IP6 });
      expect(String(local?.url)).toContain(`[${RELAY_IP6}]:${KEEP.port}`);
    }
  });

  it('IPv6-only ↔ IPv6-only, relay on the RFC default: reached over IPv6, relayed addresses IPv4, connected', async () => {
    server = signaling(IPV4_DEFAULT.port);
    await server.waitFor(/Server listening at/, 30_000);
    for (const local of await relayedCall('ipv6-default', IPV4_DEFAULT.metrics)) {
      expect(local).toMatchObject({ candidateType: 'relay', relayProtocol: 'udp', address: RELAY_IP4 });
      expect(String(local?.url)).toContain(`[${RELAY_IP6}]:${IPV4_DEFAULT.port}`);
    }
  });
});
