/**
 * GET /api/ice-servers in ROOM_ACCESS=token mode, on a real server: no TURN
 * credentials without a valid bearer token, a 401 that says why, CORS that
 * lets an allowed page send the token, and open mode unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeKeyPair, mintToken, publicKeysFile, seconds, signToken, TOKEN_ENV } from '../helpers/tokens.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TURN = {
  TURN_URLS: 'turn:{host}:3478?transport=udp',
  TURN_SECRET: 'integration-turn-secret',
};

async function iceServers(headers: Record<string, string> = {}) {
  if (server === undefined) throw new Error('no server');
  const response = await fetch(`${server.httpUrl}/api/ice-servers`, { headers });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /api/ice-servers in token mode', () => {
  it('refuses a request without a token with 401, reason missing, and no credentials', async () => {
    server = await startServer({ ...TURN, ...TOKEN_ENV });
    const { response, body } = await iceServers();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(body).toEqual({
      code: 'VC_ERR_UNAUTHORIZED',
      reason: 'missing',
      message: expect.stringContaining('Bearer'),
    });
  });

  it.each([
    ['garbage', () => Promise.resolve('not-a-jwt'), 'malformed'],
    [
      'another secret',
      () => signToken({ room: 'a', exp: seconds() + 60 }, { secret: 'x'.repeat(32) }),
      'bad-signature',
    ],
    ['an expired token', () => mintToken({ room: 'a', now: Date.now() - 7200_000 }), 'expired'],
  ])('refuses a bearer token of %s with 401 and its reason', async (_, make, reason) => {
    server = await startServer({ ...TURN, ...TOKEN_ENV });
    const token = await make();
    const { response, body } = await iceServers({ authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(body).toMatchObject({ code: 'VC_ERR_UNAUTHORIZED', reason });
    expect(body).not.toHaveProperty('password');
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('hands out TURN credentials for a valid token, whatever room it is for', async () => {
    server = await startServer({ ...TURN, ...TOKEN_ENV });
    const { response, body } = await iceServers({ authorization: `Bearer ${await mintToken({ room: 'team-*' })}` });
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ username: expect.any(String), password: expect.any(String), ttl: 600 });
  });

  it('logs a flood of refusals as one line, never the token, and counts them by reason', async () => {
    server = await startServer({ ...TURN, ...TOKEN_ENV, ICE_SERVERS_RATE_LIMIT: '100' });
    const token = await signToken({ room: 'a', exp: seconds() + 60 }, { secret: 'x'.repeat(32) });
    for (let i = 0; i < 20; i++)
      expect((await iceServers({ authorization: `Bearer ${token}` })).response.status).toBe(401);
    const refusals = server.logs.filter((line) => line.includes('refusing a client address'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('room token bad-signature');
    expect(server.logs.join('')).not.toContain(token);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toContain('vc_ice_servers_unauthorized_total{reason="bad-signature"} 20');
  });

  it('answers the CORS preflight of an allowed page so it may send Authorization; refuses other pages', async () => {
    server = await startServer({ ...TURN, ...TOKEN_ENV, ALLOWED_ORIGINS: 'https://app.example.com' });
    const preflight = (origin: string) =>
      fetch(`${server?.httpUrl}/api/ice-servers`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET');
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const token = await mintToken({ room: 'a' });
    const { response } = await iceServers({ origin: 'https://app.example.com', authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const unauthorized = await iceServers({ origin: 'https://app.example.com' });
    expect(unauthorized.response.status).toBe(401);
    // A page must be able to read why it was refused.
    expect(unauthorized.response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});

describe('start-up', () => {
  it('logs the access mode and the keys tokens are checked with, never the secret', async () => {
    server = await startServer({
      ...TOKEN_ENV,
      ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile([await makeKeyPair('EdDSA', 'site-1')]),
    });
    const line = server.logs
      .map((each) => JSON.parse(each) as Record<string, unknown>)
      .find((entry) => String(entry.msg).startsWith('ROOM_ACCESS=token'));
    expect(line).toMatchObject({ hs256: true, publicKeys: ['site-1 EdDSA'] });
    expect(server.logs.join('')).not.toContain(TOKEN_ENV.ROOM_TOKEN_SECRET);
  });
});

describe('GET /api/ice-servers in open mode', () => {
  it('hands out credentials without a token, and ignores an Authorization header', async () => {
    server = await startServer(TURN);
    expect((await iceServers()).response.status).toBe(200);
    const { response, body } = await iceServers({ authorization: 'Bearer garbage' });
    expect(response.status).toBe(200);
    expect(body).toHaveProperty('password');
  });
});
