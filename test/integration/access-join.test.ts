/**
 * `join` through the access check, on a real server: in token mode a join
 * without a valid room token gets `unauthorized` with its reason and the
 * close 4003, and nothing reaches the room; a good token decides the name
 * and the role; an expired token still resumes a call; open mode is as in 1.0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/close-codes.js';
import type { UnauthorizedReason } from '../../protocol/signaling.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { TokenClients, type Claims } from '../helpers/token-clients.js';
import {
  makeKeyPair,
  mintToken,
  publicKeysFile,
  seconds,
  signToken,
  TEST_TOKEN_SECRET,
  TOKEN_ENV,
} from '../helpers/tokens.js';

let server: TestServer;
const clients = new TokenClients(() => server.wsUrl);
afterEach(async () => {
  clients.terminateAll();
  await server.close();
});

const joining = (fields: { room: string } & Record<string, unknown>) => clients.raw(fields);
/** A peer already in `room` with a good token, to prove what does (not) reach a room. */
const seated = (claims: Claims) => clients.seated(claims);

async function expectRefused(client: TestClient, reason: UnauthorizedReason): Promise<void> {
  expect(await client.nextError()).toMatchObject({ code: 'unauthorized', reason, message: expect.any(String) });
  expect((await client.closed).code).toBe(CloseCode.Unauthorized);
}

describe('joining in token mode', () => {
  it('refuses a join without a token (unauthorized, missing, close 4003), and the room hears nothing', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const inside = await seated({ room: 'standup' });
    const stranger = await joining({ room: 'standup', name: 'Mallory' });
    await expectRefused(stranger, 'missing');
    expect(stranger.received).toEqual([]);
    await inside.client.expectNothingPending();
    expect(await metric(server.httpUrl, 'vc_signaling_peers')).toBe(1);
  });

  it('gives each refusal its reason in error.reason, and counts it by reason', async () => {
    const audience = 'calls.example.com';
    const known = await makeKeyPair('ES256', 'known');
    const stranger = await makeKeyPair('ES256', 'stranger');
    server = await startServer({
      ...TOKEN_ENV,
      ROOM_TOKEN_AUDIENCE: audience,
      ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile([known]),
    });
    const room = 'standup';
    const now = seconds();
    const cases: Array<[UnauthorizedReason, string | undefined]> = [
      ['missing', undefined],
      ['malformed', 'not-a-jwt'],
      ['bad-signature', await signToken({ room, aud: audience, exp: now + 60 }, { secret: 'x'.repeat(40) })],
      ['expired', await mintToken({ room, audience, ttlSeconds: 60, now: Date.now() - 3_600_000 })],
      ['not-yet-valid', await signToken({ room, aud: audience, iat: now, nbf: now + 3600, exp: now + 7200 })],
      ['wrong-room', await mintToken({ room: 'other', audience })],
      ['wrong-audience', await mintToken({ room, audience: 'elsewhere.example.com' })],
      ['unknown-key', await signToken({ room, aud: audience, exp: now + 60 }, stranger)],
      ['too-long', await mintToken({ room, audience, ttlSeconds: 2 * 86_400 })],
    ];
    const inside = await seated({ room, audience });
    for (const [reason, token] of cases) {
      const client = await joining({ room, ...(token === undefined ? {} : { token }) });
      await expectRefused(client, reason);
      expect(await metric(server.httpUrl, `vc_signaling_joins_refused_total{reason="${reason}"}`)).toBe(1);
    }
    await inside.client.expectNothingPending();
  });

  it('refuses a valid token for room A in a join for room B (wrong-room)', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const inside = await seated({ room: 'room-b' });
    const client = await joining({ room: 'room-b', token: await mintToken({ room: 'room-a' }) });
    await expectRefused(client, 'wrong-room');
    await inside.client.expectNothingPending();
  });

  it('lets a prefix token into the rooms under its prefix', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const token = await mintToken({ room: 'team-*' });
    expect(await (await joining({ room: 'team-a', token })).next('welcome')).toMatchObject({ room: 'team-a' });
    await expectRefused(await joining({ room: 'other-a', token }), 'wrong-room');
  });

  it("takes the display name from the token, not the client's, and tells the room the role", async () => {
    server = await startServer({ ...TOKEN_ENV });
    const guest = await seated({ room: 'standup', name: 'Grace' });
    const client = await joining({
      room: 'standup',
      name: 'Impostor',
      token: await mintToken({ room: 'standup', name: 'Ada', role: 'host' }),
    });
    const welcome = await client.next('welcome');
    expect(welcome).toMatchObject({ role: 'host', locked: false, peers: [{ id: guest.welcome.id, name: 'Grace' }] });
    expect(welcome.peers[0]).not.toHaveProperty('role');
    expect(await guest.client.next('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { id: welcome.id, name: 'Ada', role: 'host' },
    });
    expect(guest.welcome.role).toBe('guest');
  });

  it('resumes a call whose token has expired since, but admits no new peer with it', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const other = await seated({ room: 'standup' });
    const peer = await seated({ room: 'standup', sub: 'ada' });
    await other.client.next('peer-joined');
    peer.client.terminate();
    const expired = await mintToken({ room: 'standup', sub: 'ada', ttlSeconds: 60, now: Date.now() - 3_600_000 });
    const back = await joining({ room: 'standup', token: expired, resume: peer.welcome.resume });
    expect(await back.next('welcome')).toMatchObject({ id: peer.welcome.id, resumed: true });
    await expectRefused(await joining({ room: 'standup', token: expired }), 'expired');
  });

  it('never logs a room token, whether it was refused or not', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const good = await mintToken({ room: 'standup' });
    const bad = await signToken({ room: 'standup', exp: seconds() + 60 }, { secret: 'y'.repeat(40) });
    await (await joining({ room: 'standup', token: good })).next('welcome');
    await expectRefused(await joining({ room: 'standup', token: bad }), 'bad-signature');
    const logs = server.logs.join('');
    expect(logs).toContain('room token bad-signature');
    for (const secret of [good, bad, good.split('.')[2] ?? good, TEST_TOKEN_SECRET]) expect(logs).not.toContain(secret);
  });
});

describe('joining in open mode', () => {
  it('is unchanged for a 1.0 client: no token, no v, a welcome as before', async () => {
    server = await startServer();
    const first = await joining({ room: 'standup', name: 'Ada' });
    const welcome = await first.next('welcome');
    expect(welcome).toMatchObject({ v: 1, room: 'standup', peers: [], resumed: false, role: 'guest', locked: false });
    const second = await joining({ room: 'standup' });
    expect((await second.next('welcome')).peers).toEqual([{ id: welcome.id, name: 'Ada' }]);
  });

  it('gives a tokenless joiner no host controls (forbidden)', async () => {
    server = await startServer();
    const a = await joining({ room: 'standup' });
    await a.next('welcome');
    a.send({ type: 'lock', locked: true });
    expect(await a.nextError()).toMatchObject({ code: 'forbidden' });
  });
});
