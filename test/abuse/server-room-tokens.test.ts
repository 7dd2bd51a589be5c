/**
 * Issue 13's bad input, thrown at `join` and at the host controls of a
 * server process in token mode: every forged, stale, misdirected or
 * oversized room token gets `unauthorized` with its reason and the close
 * 4003; a guest's host controls get `forbidden`. No crash, and nothing
 * reaches any room: the control pair's room hears nothing and still relays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UnsecuredJWT } from 'jose';
import { CloseCode } from '../../protocol/close-codes.js';
import type { UnauthorizedReason } from '../../protocol/signaling.js';
import { ServerProcess } from '../helpers/process.js';
import { controlPair } from '../helpers/control-pair.js';
import { TestClient } from '../helpers/client.js';
import { makeKeyPair, mintToken, publicKeysFile, publicPem, seconds, signToken, TOKEN_ENV } from '../helpers/tokens.js';

let server: ServerProcess | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server?.stop();
  server = undefined;
});

const ISSUER = 'https://app.example.com';
const AUDIENCE = 'calls.example.com';
const ROOM = 'target';

describe('room tokens under attack', () => {
  it('refuse every bad token with its reason, close 4003, and let nothing into any room', async () => {
    const pair = await makeKeyPair('ES256', 'site-1');
    const stranger = await makeKeyPair('ES256', 'nobody-knows-me');
    server = await ServerProcess.start({
      ...TOKEN_ENV,
      ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile([pair]),
      ROOM_TOKEN_ISSUER: ISSUER,
      ROOM_TOKEN_AUDIENCE: AUDIENCE,
    });
    const wsUrl = server.wsUrl;
    const good = { issuer: ISSUER, audience: AUDIENCE };
    const control = await controlPair(wsUrl, {
      localAddress: '127.0.0.2',
      token: await mintToken({ room: 'control-room', ...good }),
    });
    const inside = await TestClient.joining(wsUrl, { room: ROOM, token: await mintToken({ room: ROOM, ...good }) });
    clients.push(inside);
    await inside.next('welcome');

    const now = seconds();
    const claims = { room: ROOM, iss: ISSUER, aud: AUDIENCE, iat: now };
    const cases: Array<[string, string, UnauthorizedReason]> = [
      ['alg none', new UnsecuredJWT({ ...claims, exp: now + 60 }).encode(), 'bad-signature'],
      [
        'HS256 signed with the public key (algorithm confusion)',
        await signToken({ ...claims, exp: now + 60 }, { secret: await publicPem(pair), kid: 'site-1' }),
        'bad-signature',
      ],
      ['no exp', await signToken(claims, pair), 'malformed'],
      ['exp beyond the cap', await signToken({ ...claims, exp: now + 3 * 86_400 }, pair), 'too-long'],
      ['expired', await signToken({ ...claims, iat: now - 7200, exp: now - 3600 }, pair), 'expired'],
      ['nbf in the future', await signToken({ ...claims, nbf: now + 3600, exp: now + 7200 }, pair), 'not-yet-valid'],
      ['another room', await signToken({ ...claims, room: 'elsewhere', exp: now + 60 }, pair), 'wrong-room'],
      ['a prefix outside it', await signToken({ ...claims, room: 'team-*', exp: now + 60 }, pair), 'wrong-room'],
      ['a wrong aud', await signToken({ ...claims, aud: 'evil.example', exp: now + 60 }, pair), 'wrong-audience'],
      [
        'a wrong iss',
        await signToken({ ...claims, iss: 'https://evil.example', exp: now + 60 }, pair),
        'wrong-audience',
      ],
      ['an unknown kid', await signToken({ ...claims, exp: now + 60 }, stranger), 'unknown-key'],
      ['20 KB', `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`, 'malformed'],
      ['garbage', '\u0000\u00ff not a token at all', 'malformed'],
      ['a token for the control room', await mintToken({ room: 'control-room', ...good }), 'wrong-room'],
    ];
    for (const [, token, reason] of cases) {
      const client = await TestClient.joining(wsUrl, { room: ROOM, name: 'Mallory', token });
      clients.push(client);
      expect(await client.nextError()).toMatchObject({ code: 'unauthorized', reason });
      expect((await client.closed).code).toBe(CloseCode.Unauthorized);
    }

    expect(await server.metric('vc_signaling_peers')).toBe(3);
    await inside.expectNothingPending();
    await control.assertUnaffected();
    control.close();
  });

  it('refuse a flood of host controls from a guest with forbidden, and its call goes on', async () => {
    server = await ServerProcess.start({ ...TOKEN_ENV });
    const control = await controlPair(server.wsUrl, {
      localAddress: '127.0.0.2',
      token: await mintToken({ room: 'control-room' }),
    });
    const guest = await TestClient.joining(server.wsUrl, {
      room: 'control-room-2',
      token: await mintToken({ room: 'control-room-2' }),
    });
    clients.push(guest);
    await guest.next('welcome');
    for (const type of ['kick', 'mute', 'admit', 'deny']) guest.send({ type, id: 'anyone' });
    guest.send({ type: 'lock', locked: true });
    for (let i = 0; i < 5; i += 1) expect(await guest.nextError()).toMatchObject({ code: 'forbidden' });
    await guest.expectNothingPending();
    await control.assertUnaffected();
    control.close();
  });
});
