import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { restUsernameExpiry, turnPassword } from '../../protocol/turn-rest.js';

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

describe('GET /api/ice-servers', () => {
  it('returns TURN REST credentials that verify with the shared secret, and the RTCIceServer form', async () => {
    server = await startServer(TURN);
    const response = await fetch(`${server.httpUrl}/api/ice-servers?username=ada`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { username: string; password: string; ttl: number; uris: string[]; iceServers: unknown[] };
    expect(body.username).toMatch(/^\d+:ada$/);
    expect(restUsernameExpiry(body.username)).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(body.password).toBe(turnPassword('integration-turn-secret', body.username));
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
    const allowed = await fetch(`${server.httpUrl}/api/ice-servers`, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('rate-limits each client address to ICE_SERVERS_RATE_LIMIT a minute', async () => {
    server = await startServer({ ...TURN, ICE_SERVERS_RATE_LIMIT: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.httpUrl}/api/ice-servers`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('refuses a username that is not a plain id', async () => {
    server = await startServer(TURN);
    expect((await fetch(`${server.httpUrl}/api/ice-servers?username=a:b`)).status).toBe(400);
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

describe('ICE servers over signaling', () => {
  it('gives each peer TURN credentials in its own name, in welcome and again on request', async () => {
    server = await startServer(TURN);
    const { client, welcome } = await TestClient.joined(server.wsUrl, 'call');
    clients.push(client);
    const turn = welcome.iceServers.find((s) => s.username !== undefined);
    expect(turn?.username).toMatch(new RegExp(`^\\d+:${welcome.id}$`));
    expect(turn?.credential).toBe(turnPassword('integration-turn-secret', turn?.username ?? ''));
    client.send({ type: 'ice-servers' });
    const fresh = await client.next('ice-servers');
    expect(fresh.ttl).toBe(600);
    expect(fresh.iceServers.find((s) => s.username !== undefined)?.credential).toBeDefined();
  });
});
