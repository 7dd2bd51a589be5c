import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { restUsernameExpiry, turnPassword } from '../../protocol/turn-rest.js';
import { RELAY_SECRET, startRelay, type TestRelay } from '../helpers/relay.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';

let server: TestServer;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

const TURN = {
  STUN_URLS: 'stun:{host}:3478',
  TURN_URLS: 'turn:{host}:3478?transport=udp,turn:{host}:3478?transport=tcp',
  TURN_SECRET: 'integration-turn-secret',
  ICE_TTL_SECONDS: '600',
};
const TTL = Number(TURN.ICE_TTL_SECONDS);

describe('GET /api/ice-servers', () => {
  it('returns TURN REST credentials that verify with the shared secret, and the RTCIceServer form', async () => {
    server = await startServer(TURN);
    const asking = Date.now();
    const response = await fetch(`${server.httpUrl}/api/ice-servers`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as {
      username: string;
      password: string;
      ttl: number;
      uris: string[];
      iceServers: unknown[];
    };
    expect(body.username).toMatch(/^\d+:[A-Za-z0-9_-]{16}$/);
    expect(restUsernameExpiry(body.username)).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(body.password).toBe(turnPassword('integration-turn-secret', body.username));
    const user = body.username.split(':')[1] ?? '';
    expectRestCredential({ username: body.username, credential: body.password }, user, asking, Date.now());
    expect(body.ttl).toBe(600);
    expect(body.uris).toEqual(['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
    expect(body.iceServers).toEqual([
      { urls: ['stun:127.0.0.1:3478'] },
      { urls: body.uris, username: body.username, credential: body.password },
    ]);
  });

  it('refuses a foreign origin, and answers an allowed one with CORS', async () => {
    server = await startServer({ ...TURN, ALLOWED_ORIGINS: 'https://app.example.com' });
    const refused = await fetch(`${server.httpUrl}/api/ice-servers`, { headers: { origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('VC_ERR_ORIGIN_NOT_ALLOWED');
    const allowed = await fetch(`${server.httpUrl}/api/ice-servers`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('rate-limits each client address to ICE_SERVERS_RATE_LIMIT a minute', async () => {
    server = await startServer({ ...TURN, ICE_SERVERS_RATE_LIMIT: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.httpUrl}/api/ice-servers`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('picks the user in each credential itself, ignoring the one the client names', async () => {
    server = await startServer(TURN);
    const users = [];
    for (const query of ['?username=ada', '?username=ada', '?username=a:b', '?service=turn']) {
      const response = await fetch(`${server.httpUrl}/api/ice-servers${query}`);
      expect(response.status).toBe(200);
      users.push(((await response.json()) as { username: string }).username.split(':')[1]);
    }
    expect(users).not.toContain('ada');
    expect(new Set(users).size).toBe(users.length);
  });

  it("uses PUBLIC_URL's host name for {host}, whatever Host the request came with", async () => {
    server = await startServer({ ...TURN, PUBLIC_URL: 'https://calls.example.com' });
    const body = (await (await fetch(`${server.httpUrl}/api/ice-servers`)).json()) as { uris: string[] };
    expect(body.uris).toEqual([
      'turn:calls.example.com:3478?transport=udp',
      'turn:calls.example.com:3478?transport=tcp',
    ]);
  });

  it('hands out STUN only, without credentials, when no TURN is configured', async () => {
    server = await startServer({ STUN_URLS: 'stun:stun.example.com:3478' });
    expect(await (await fetch(`${server.httpUrl}/api/ice-servers`)).json()).toEqual({
      ttl: 600,
      uris: [],
      iceServers: [{ urls: ['stun:stun.example.com:3478'] }],
    });
  });
});

describe("a peer's relay quota", () => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay.close();
  });

  it('cannot be used up by a room-mate asking /api/ice-servers for credentials in its name', async () => {
    relay = await startRelay({ TURN_MAX_ALLOCATIONS_PER_USER: '3' });
    server = await startServer({
      TURN_URLS: `turn:127.0.0.1:${relay.ports.udp}?transport=udp`,
      TURN_SECRET: RELAY_SECRET,
    });
    const victim = await TestClient.joined(server.wsUrl, 'call');
    const mate = await TestClient.joined(server.wsUrl, 'call');
    clients.push(victim.client, mate.client);
    const turnCredential = (iceServers: { username?: string; credential?: string }[]) => {
      const turn = iceServers.find((entry) => entry.username !== undefined);
      return { username: turn?.username ?? '', password: turn?.credential ?? '' };
    };

    const opened: TurnTestClient[] = [];
    try {
      // The room-mate asks for more credentials "for" the victim than the victim's quota, and allocates with each.
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${server.httpUrl}/api/ice-servers?username=${victim.welcome.id}`);
        const credential = turnCredential(
          ((await response.json()) as { iceServers: { username?: string; credential?: string }[] }).iceServers,
        );
        expect(credential.username.endsWith(`:${victim.welcome.id}`)).toBe(false);
        const attacker = await TurnTestClient.open(relay.server, credential);
        opened.push(attacker);
        expect(errorCode(await attacker.allocate())).toBe(200);
      }
      const own = await TurnTestClient.open(relay.server, turnCredential(victim.welcome.iceServers));
      opened.push(own);
      expect(errorCode(await own.allocate())).toBe(200);
    } finally {
      for (const client of opened) client.close();
    }
  });
});

/**
 * Checks a TURN REST credential from the outside: `<expiry>:<user>`, the
 * expiry TTL seconds after some moment between `from` and `to` (ms), and the
 * credential base64(HMAC-SHA1(secret, username)), computed here with
 * node:crypto rather than with the code under test.
 */
function expectRestCredential(
  entry: { username?: string; credential?: string } | undefined,
  user: string,
  from: number,
  to: number,
): void {
  const match = /^(\d+):(.+)$/.exec(entry?.username ?? '');
  expect(match?.[2]).toBe(user);
  const expiry = Number(match?.[1]);
  expect(expiry).toBeGreaterThanOrEqual(Math.floor(from / 1000) + TTL);
  expect(expiry).toBeLessThanOrEqual(Math.floor(to / 1000) + TTL);
  expect(entry?.credential).toBe(
    createHmac('sha1', TURN.TURN_SECRET)
      .update(entry?.username ?? '')
      .digest('base64'),
  );
}

describe('ICE servers over signaling', () => {
  it('gives each peer TURN credentials in its own name, in welcome and again on request', async () => {
    server = await startServer(TURN);
    const joining = Date.now();
    const { client, welcome } = await TestClient.joined(server.wsUrl, 'call');
    clients.push(client);
    const turn = welcome.iceServers.find((s) => s.username !== undefined);
    expect(turn?.username).toMatch(new RegExp(`^\\d+:${welcome.id}$`));
    expect(turn?.credential).toBe(turnPassword('integration-turn-secret', turn?.username ?? ''));
    expectRestCredential(turn, welcome.id, joining, Date.now());
    const asking = Date.now();
    client.send({ type: 'ice-servers' });
    const fresh = await client.next('ice-servers');
    expect(fresh.ttl).toBe(600);
    expectRestCredential(
      fresh.iceServers.find((s) => s.username !== undefined),
      welcome.id,
      asking,
      Date.now(),
    );
  });
});
