/**
 * docker-compose.yml as an operator runs it: `up -d` with each relay profile
 * in ROOM_ACCESS=token mode, every service healthy, then nothing handed out
 * without a room token (no join, no TURN credentials), a relay-only call
 * between two real browsers opening minted room links through the SNI router
 * and the HTTPS proxy (Caddy's local CA, since the domain is localhost) and
 * the relay container, a relay-only call whose one ICE server is TURN over
 * TLS on the HTTPS port (turns:turn.localhost, through the router), the
 * client addresses Caddy and the relay see behind the router, the health and
 * metrics endpoints as the Internet and the host see them, and `down -v`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import { metric } from '../helpers/metrics-text.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { TestClient } from '../helpers/client.js';
import { issueTurnCredential } from '../../server/turn-credentials.js';
import { expectFramesFlowing, openPage, waitForState } from '../e2e/browser.js';
import { httpsGet, iceCheck, relayOnly, selectedLocalCandidate, settledPath, untilHttpsAnswers } from './clients.js';
import { ComposeStack, ROOT, composeVariables } from './compose.js';
import { stackEnv } from './stack-env.js';
import { stackTokens, tokenOf, type StackTokens } from './room-tokens.js';

/**
 * coturn refuses loopback peers, and coturn takes peer exemptions only from
 * its configuration file: the shipped file plus the lab's lines, mounted in
 * its place (as test/helpers/coturn.ts does for the integration tests).
 */
async function coturnLabOverride(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-coturn-lab-'));
  const config = join(dir, 'turnserver.conf');
  const shipped = await readFile(join(ROOT, 'infra/coturn/turnserver.conf'), 'utf8');
  await writeFile(
    config,
    `${shipped}\n# test lab only: the relay address is loopback\nallow-loopback-peers\nallowed-peer-ip=127.0.0.1\n`,
  );
  const override = join(dir, 'coturn-lab.yml');
  await writeFile(override, `services:\n  coturn:\n    volumes:\n      - ${config}:/etc/coturn/turnserver.conf:ro\n`);
  return override;
}

describe('.env.example', () => {
  it('names every variable docker-compose.yml reads, and no secret value', async () => {
    const example = await readFile(join(ROOT, '.env.example'), 'utf8');
    const named = new Map([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    expect(composeVariables().filter((name) => !named.has(name))).toEqual([]);
    expect(named.get('TURN_SECRET')).toBe('');
    expect(named.get('SESSION_SECRET')).toBe('');
    expect(named.get('ROOM_TOKEN_SECRET')).toBe('');
  });

  it('makes token the access mode of a deployment', async () => {
    const example = await readFile(join(ROOT, '.env.example'), 'utf8');
    expect(example).toMatch(/^ROOM_ACCESS=token$/m);
  });
});

/**
 * This machine's first non-loopback IPv4 address. A client that connects to
 * the router there is told apart from the router itself, which reaches Caddy
 * and the relay from loopback: so what they log is the client's address only
 * if the PROXY header carried it.
 */
function hostAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
  if (address === undefined) throw new Error('this machine has no non-loopback IPv4 address for the router test');
  return address;
}

/**
 * Hands the page's RTCPeerConnections only the turns: URLs of their ICE
 * servers, as a network that lets out nothing but TCP 443 would leave them:
 * the call must go through the router to the relay over TLS, or not at all.
 */
function turnsOnly(): void {
  const Native = window.RTCPeerConnection;
  const only = (config?: RTCConfiguration): RTCConfiguration | undefined =>
    config?.iceServers === undefined
      ? config
      : {
          ...config,
          iceServers: config.iceServers
            .map((server) => ({
              ...server,
              urls: [server.urls].flat().filter((url) => url.startsWith('turns:')),
            }))
            .filter((server) => server.urls.length > 0),
        };
  class TurnsOnly extends Native {
    constructor(config?: RTCConfiguration) {
      super(only(config));
    }
    override setConfiguration(config?: RTCConfiguration): void {
      super.setConfiguration(only(config));
    }
  }
  window.RTCPeerConnection = TurnsOnly;
}

let browser: Browser;
beforeAll(async () => {
  // The proxy's certificate comes from Caddy's local CA, which this browser does not know.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...CHROMIUM_FLAGS,
      '--autoplay-policy=no-user-gesture-required',
      '--ignore-certificate-errors',
      // The relay's name is this machine's outward address for the browser, so that the router is not its client.
      `--host-resolver-rules=MAP turn.localhost ${hostAddress()}`,
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

describe.each(['bundled', 'coturn'] as const)('docker-compose.yml with the %s relay', (profile) => {
  const relay = profile === 'bundled' ? 'turn' : 'coturn';
  let stack: ComposeStack;
  let origin: string;
  let rootCa: string;
  let tokens: StackTokens;

  beforeAll(async () => {
    tokens = await stackTokens(profile);
    const env = { ...(await stackEnv(profile)), ...tokens.env };
    stack = await ComposeStack.create(
      `vc-compose-${profile}-${randomBytes(3).toString('hex')}`,
      env,
      profile === 'coturn' ? [await coturnLabOverride()] : [],
    );
    origin = `https://localhost:${env.HTTPS_PORT}`;
    await stack.runOk(['up', '-d'], 240_000);
    await stack.waitHealthy(['app', relay, 'proxy', 'router']);
    // Caddy made its local CA at start; its root is what a browser would need to trust.
    rootCa = await stack.runOk(['exec', '-T', 'proxy', 'cat', '/data/caddy/pki/authorities/local/root.crt']);
    await untilHttpsAnswers(`${origin}/healthz`, rootCa).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${(await stack.logs('proxy')).slice(-4000)}`);
    });
    // The relay serves TLS once it has turn.localhost's certificate from Caddy's storage, a moment after Caddy.
    const serving = profile === 'bundled' ? 'TLS certificate loaded' : 'caddy-certificate.sh: using';
    for (const deadline = Date.now() + 60_000; !(await stack.logs(relay)).includes(serving);) {
      if (Date.now() > deadline) throw new Error(`${relay} did not log "${serving}" within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  afterAll(async () => {
    for (const context of browser.contexts()) await context.close();
    await tokens?.cleanup();
    if (stack === undefined) return;
    await stack.down();
  });

  it(`starts app, ${relay}, proxy and router, and only those`, async () => {
    expect(await stack.runningServices()).toEqual(['app', 'proxy', 'router', relay].sort());
  });

  it('runs every service with a restart policy, the app as the unprivileged node user, the relay and router on the host network', async () => {
    const app = await stack.inspect('app');
    expect(app.Config.User).toBe('node');
    expect(app.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    const turn = await stack.inspect(relay);
    expect(turn.HostConfig.NetworkMode).toBe('host');
    expect(turn.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    // Root, to read Caddy's files, and nothing more: a process in it has no capability at all.
    expect(turn.Config.User).toBe('0:0');
    const status = await stack.runOk(['exec', '-T', relay, 'cat', '/proc/self/status']);
    expect(status).toMatch(/^Uid:\s+0\s/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapPrm:\s+0+$/m);
    const router = await stack.inspect('router');
    expect(router.HostConfig.NetworkMode).toBe('host');
    expect(router.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect((await stack.inspect('proxy')).HostConfig.RestartPolicy.Name).toBe('unless-stopped');
  });

  it("answers HTTPS through the router, and Caddy sees the client's own address in the router's PROXY header", async () => {
    const address = hostAddress();
    const health = await httpsGet(
      `https://${address}:${stack.env.HTTPS_PORT}/healthz`,
      rootCa,
      // One request per connection.
      { host: `localhost:${stack.env.HTTPS_PORT}`, connection: 'close' },
      'localhost',
    );
    expect(health.status).toBe(200);
    // Caddy's access log has the client; the router's log (tcplog: frontend, backend/server) the route.
    const caddySaw = (log: string) =>
      log.split('\n').some((line) => line.includes('"uri":"/healthz"') && line.includes(`"remote_ip":"${address}"`));
    expect(caddySaw(await stack.logs('proxy'))).toBe(true);
    const routed = new RegExp(`${address.replaceAll('.', '\\.')}:\\d+ \\[[^\\]]+\\] tls caddy/caddy `);
    expect(await stack.logs('router')).toMatch(routed);
  });

  it('answers /healthz through the proxy over HTTPS with a certificate for the domain, and redirects plain HTTP there', async () => {
    const health = await httpsGet(`${origin}/healthz`, rootCa);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    expect(health.protocol).toMatch(/^TLSv1\.[23]$/);
    const plain = await fetch(`http://localhost:${stack.env.HTTP_PORT}/healthz`, { redirect: 'manual' });
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe('https://localhost/healthz');
  });

  it('refuses /metrics through the proxy and serves it on the host-local app port', async () => {
    for (const path of ['/metrics', '/metrics/', '/metrics?x=1']) {
      const refused = await httpsGet(`${origin}${path}`, rootCa);
      expect(refused.status, path).toBe(404);
      expect(refused.body, path).not.toContain('vc_signaling');
    }
    const local = await fetch(`http://127.0.0.1:${stack.env.APP_PORT}/metrics`);
    expect(local.status).toBe(200);
    expect(await local.text()).toContain('vc_signaling_connections');
  });

  it('answers /api/ice-servers through the proxy only with a room token: 401 and a reason without one', async () => {
    const url = `${origin}/api/ice-servers`;
    const without = await httpsGet(url, rootCa);
    expect(without.status).toBe(401);
    expect(JSON.parse(without.body)).toMatchObject({ code: 'VC_ERR_UNAUTHORIZED', reason: 'missing' });
    expect(without.body).not.toContain('password');
    const bad = await tokens.refused();
    const refused = await httpsGet(url, rootCa, { authorization: `Bearer ${bad.token}` });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ reason: bad.reason });
    const token = tokenOf(await tokens.link(stack, origin, 'ice', 'Ops'));
    const granted = await httpsGet(url, rootCa, { authorization: `Bearer ${token}` });
    expect(granted.status).toBe(200);
    expect(JSON.parse(granted.body)).toMatchObject({
      username: expect.any(String),
      password: expect.any(String),
      uris: expect.arrayContaining([`turn:localhost:${stack.env.TURN_PORT}?transport=udp`]),
    });
  });

  it("refuses a join on the proxy's /ws without a room token (unauthorized, close 4003) and admits one with", async () => {
    const wsUrl = `wss://localhost:${stack.env.HTTPS_PORT}/ws`;
    const stranger = await TestClient.connect(wsUrl, { ca: rootCa });
    stranger.send({ type: 'join', room: 'guarded', name: 'Eve' });
    expect(await stranger.next('error')).toMatchObject({ code: 'unauthorized', reason: 'missing' });
    expect((await stranger.closed).code).toBe(4003);
    const token = tokenOf(await tokens.link(stack, origin, 'guarded', 'Ada'));
    const member = await TestClient.connect(wsUrl, { ca: rootCa });
    try {
      member.send({ type: 'join', room: 'guarded', name: 'Ada', token });
      const welcome = await member.next('welcome');
      expect(welcome.peers).toEqual([]);
      expect(welcome.iceServers.length).toBeGreaterThan(0);
    } finally {
      member.close();
    }
  });

  it('passes npm run ice-check with a room token, through the proxy, for every URL it hands out', async () => {
    const run = await iceCheck(origin, tokenOf(await tokens.link(stack, origin, 'ops', 'Ops')), rootCa);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`from ${origin}/api/ice-servers`);
    expect(run.stdout).toMatch(/OK +turn:localhost:\d+\?transport=udp +relay OK over UDP/);
    expect(run.stdout).toMatch(/OK +turn:localhost:\d+\?transport=tcp +relay OK over TCP/);
    expect(run.stdout).toMatch(
      new RegExp(`OK +turns:turn\\.localhost:${stack.env.HTTPS_PORT}\\?transport=tcp +relay OK over TLS`),
    );
    expect(run.stdout).toContain('All 4 URL(s) work.');
  });

  it(`carries a relay-only call between two browsers on minted room links, through the proxy's /ws and the ${relay} container`, async () => {
    const room = `compose-${profile}`;
    const links = [await tokens.link(stack, origin, room, 'Ada'), await tokens.link(stack, origin, room, 'Bob')];
    const ada = await openPage(browser, links[0] as string, 'Ada', relayOnly);
    const bob = await openPage(browser, links[1] as string, 'Bob', relayOnly);
    await waitForState(ada, 'connected', 60_000);
    await waitForState(bob, 'connected', 60_000);
    await expectFramesFlowing(ada);
    await expectFramesFlowing(bob);
    for (const page of [ada, bob]) {
      const path = (await settledPath(page)) as { path: string; local: string; peerId: string };
      expect(path).toMatchObject({ path: 'relay', local: 'relay' });
      // The relay candidate is an allocation of this stack's relay: its URL, its address, its port range.
      const candidate = await selectedLocalCandidate(page, path.peerId);
      expect(candidate).toMatchObject({
        type: 'relay',
        address: '127.0.0.1',
        url: expect.stringContaining(`localhost:${stack.env.TURN_PORT}?transport=`),
      });
      expect(candidate.port).toBeGreaterThanOrEqual(Number(stack.env.TURN_MIN_PORT));
      expect(candidate.port).toBeLessThanOrEqual(Number(stack.env.TURN_MAX_PORT));
    }
    // A room link is a credential: the proxy's access log and the app's log keep the visit, not the token.
    const proxyLog = await stack.logs('proxy');
    // Caddy writes the query re-encoded, keys sorted (`?prejoin=0&token=REDACTED` from the test's opener).
    expect(proxyLog).toMatch(new RegExp(`"uri":"/r/${room}\\?([^"]*&)?token=REDACTED(&[^"]*)?"`));
    for (const log of [proxyLog, await stack.logs('app')]) {
      for (const link of links) expect(log).not.toContain(tokenOf(link));
    }
    if (profile === 'bundled') {
      // The relay's metrics listen on the host's loopback (host network), as they would on a VPS.
      const text = await (await fetch(`http://127.0.0.1:${stack.env.TURN_METRICS_PORT}/metrics`)).text();
      expect(metric(text, 'vc_turn_relayed_packets_total{direction="to-client"}')).toBeGreaterThan(100);
    }
  });

  it(`carries a relay-only call whose one ICE server is turns:turn.localhost on the HTTPS port, through the router to the ${relay} container`, async () => {
    const room = `compose-tls-${profile}`;
    const address = hostAddress();
    // turn.localhost is this machine's address here, not loopback: the relay must learn it from the PROXY header.
    const pages = [];
    for (const name of ['Ada', 'Bob']) {
      pages.push(await openPage(browser, await tokens.link(stack, origin, room, name), name, [relayOnly, turnsOnly]));
    }
    for (const page of pages) await waitForState(page, 'connected', 60_000);
    for (const page of pages) {
      await expectFramesFlowing(page);
      const path = (await settledPath(page)) as { path: string; protocol: string; peerId: string };
      expect(path).toMatchObject({ path: 'relay', protocol: 'tls' });
      const candidate = await selectedLocalCandidate(page, path.peerId);
      expect(candidate).toMatchObject({
        type: 'relay',
        url: `turns:turn.localhost:${stack.env.HTTPS_PORT}?transport=tcp`,
      });
    }
    // The router logs each connection once routed: the browsers' TURN connections went to the relay.
    const backend = profile === 'bundled' ? 'relay/relay' : 'coturn/coturn';
    expect(await stack.logs('router')).toMatch(
      new RegExp(`${address.replaceAll('.', '\\.')}:\\d+ \\[[^\\]]+\\] tls ${backend} `),
    );
    if (profile === 'bundled') {
      // The relay logs each allocation with its client: the browser's address, which only the PROXY header told it.
      const allocations = (await stack.logs(relay)).split('\n').filter((line) => line.includes('allocation created'));
      expect(allocations.some((line) => line.includes(`"client":"${address}"`) && line.includes('"tls"'))).toBe(true);
    }
  });

  it(`lets the ${relay} container relay to public peers and refuses the metadata service and private networks`, async () => {
    // CreatePermission only: the relay decides without sending anything to the peer.
    const { username, password } = issueTurnCredential(stack.env.TURN_SECRET as string, 600, 'peer-rules');
    const client = await TurnTestClient.open(
      { address: '127.0.0.1', port: Number(stack.env.TURN_PORT) },
      { username, password },
    );
    try {
      expect(errorCode(await client.allocate())).toBe(200);
      const verdict = async (address: string) =>
        errorCode(await client.createPermission({ family: 4, address, port: 9 }));
      expect(await verdict('93.184.216.34')).toBe(200);
      expect(await verdict('169.254.169.254')).toBe(403);
      expect(await verdict('10.0.0.1')).toBe(403);
      expect(await verdict('192.168.1.1')).toBe(403);
    } finally {
      client.close();
    }
  });

  it('goes away with docker-compose down -v: containers, network and volumes (certificates included)', async () => {
    await stack.down();
    expect(await stack.runningServices()).toEqual([]);
    expect(await stack.volumes()).toEqual([]);
  });
});
