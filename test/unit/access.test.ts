/**
 * The access check with HS256 tokens on a fixed clock: every bad token the
 * issue lists gets its named reason, and the good ones get the grant their
 * claims say. Key files and asymmetric tokens are in access-keys.test.ts.
 */
import { UnsecuredJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRoomAccess, MAX_TOKEN_BYTES } from '../../server/access/room-access.js';
import type { AccessVerdict } from '../../server/access/types.js';
import { loadConfig } from '../../server/config.js';
import { mintToken, signToken, TEST_TOKEN_SECRET, TOKEN_ENV } from '../helpers/tokens.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const now = NOW / 1000;

function access(env: Record<string, string> = {}) {
  return createRoomAccess(loadConfig({ ...TOKEN_ENV, ...env }), () => NOW);
}

/** A token with the test secret and exactly these claims (a valid hour-long one for `standup` by default). */
const token = (claims: Record<string, unknown> = {}) =>
  signToken({ room: 'standup', iat: now, exp: now + 3600, ...claims });

function reasonOf(verdict: AccessVerdict): string {
  return verdict.ok ? 'ok' : verdict.reason;
}

describe('room tokens', () => {
  it('admits a token for its room with the role, name, lobby and user its claims give', async () => {
    const gate = await access();
    const claims = { role: 'host', name: 'Ada Lovelace', sub: 'user-42', lobby: true };
    expect(await gate.join('standup', await token(claims), false)).toEqual({
      ok: true,
      grant: { role: 'host', name: 'Ada Lovelace', user: 'user-42', lobby: true },
    });
  });

  it('makes a token without role, lobby or sub a guest not in the lobby, known by a digest of the token', async () => {
    const gate = await access();
    const first = await token();
    const verdict = await gate.join('standup', first, false);
    expect(verdict).toEqual({
      ok: true,
      grant: { role: 'guest', name: undefined, user: expect.any(String), lobby: false },
    });
    const user = verdict.ok ? verdict.grant.user : '';
    expect(user).not.toContain(first.split('.')[2]);
    expect(await gate.join('standup', first, false)).toMatchObject({ grant: { user } });
    expect(await gate.join('standup', await token({ exp: now + 3599 }), false)).not.toMatchObject({ grant: { user } });
  });

  it('mints tokens (mintRoomToken) that it admits', async () => {
    const gate = await createRoomAccess(loadConfig(TOKEN_ENV));
    const minted = await mintToken({ room: 'standup', role: 'host', name: 'Ada', sub: 'ada', lobby: false });
    expect(await gate.join('standup', minted, false)).toMatchObject({ ok: true, grant: { role: 'host', user: 'ada' } });
  });

  it('refuses alg none as bad-signature', async () => {
    const unsigned = new UnsecuredJWT({ room: 'standup' })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .encode();
    expect(reasonOf(await (await access()).join('standup', unsigned, false))).toBe('bad-signature');
  });

  it('refuses a token signed with another secret as bad-signature', async () => {
    const forged = await signToken({ room: 'standup', exp: now + 60 }, { secret: 'another-secret-of-32-characters!!' });
    expect(reasonOf(await (await access()).join('standup', forged, false))).toBe('bad-signature');
  });

  it('refuses a token without exp as malformed', async () => {
    expect(reasonOf(await (await access()).join('standup', await token({ exp: undefined }), false))).toBe('malformed');
  });

  it('refuses a token valid beyond the lifetime cap as too-long, and admits one at the cap', async () => {
    const gate = await access({ ROOM_TOKEN_MAX_LIFETIME_SECONDS: '3600' });
    expect(reasonOf(await gate.join('standup', await token({ exp: now + 3601 }), false))).toBe('too-long');
    expect(reasonOf(await gate.join('standup', await token({ exp: now + 3600 }), false))).toBe('ok');
    expect(reasonOf(await gate.join('standup', await token({ iat: undefined, exp: now + 3601 }), false))).toBe(
      'too-long',
    );
  });

  it('counts the lifetime from now when iat claims a future beyond the clock skew', async () => {
    const gate = await access({ ROOM_TOKEN_MAX_LIFETIME_SECONDS: '3600' });
    const future = await token({ iat: now + 86_400, exp: now + 86_400 + 600 });
    expect(reasonOf(await gate.join('standup', future, false))).toBe('too-long');
  });

  it('refuses an expired token as expired, with a 30 s clock skew', async () => {
    const gate = await access();
    expect(reasonOf(await gate.join('standup', await token({ iat: now - 600, exp: now - 31 }), false))).toBe('expired');
    expect(reasonOf(await gate.join('standup', await token({ iat: now - 600, exp: now - 30 }), false))).toBe('expired');
    expect(reasonOf(await gate.join('standup', await token({ iat: now - 600, exp: now - 29 }), false))).toBe('ok');
  });

  it('admits an expired token when the join resumes a session, but nothing else that is wrong with it', async () => {
    const gate = await access();
    const expired = { iat: now - 7200, exp: now - 3600 };
    expect(reasonOf(await gate.join('standup', await token(expired), true))).toBe('ok');
    expect(reasonOf(await gate.join('other', await token(expired), true))).toBe('wrong-room');
    expect(reasonOf(await gate.join('standup', await token({ ...expired, role: 'admin' }), true))).toBe('malformed');
    const forged = await signToken({ room: 'standup', ...expired }, { secret: 'another-secret-of-32-characters!!' });
    expect(reasonOf(await gate.join('standup', forged, true))).toBe('bad-signature');
    const aud = await access({ ROOM_TOKEN_AUDIENCE: 'calls' });
    expect(reasonOf(await aud.join('standup', await token({ ...expired, aud: 'other' }), true))).toBe('wrong-audience');
  });

  it('refuses a token whose nbf is in the future as not-yet-valid, with a 30 s clock skew', async () => {
    const gate = await access();
    expect(reasonOf(await gate.join('standup', await token({ nbf: now + 31 }), false))).toBe('not-yet-valid');
    expect(reasonOf(await gate.join('standup', await token({ nbf: now + 30 }), false))).toBe('ok');
  });

  it('refuses a token for another room as wrong-room', async () => {
    expect(reasonOf(await (await access()).join('retro', await token(), false))).toBe('wrong-room');
  });

  it('lets a prefix token into the rooms it covers only', async () => {
    const gate = await access();
    const prefix = await token({ room: 'team-*' });
    expect(reasonOf(await gate.join('team-a', prefix, false))).toBe('ok');
    expect(reasonOf(await gate.join('team-', prefix, false))).toBe('ok');
    expect(reasonOf(await gate.join('teamb', prefix, false))).toBe('wrong-room');
    expect(reasonOf(await gate.join('other-team-a', prefix, false))).toBe('wrong-room');
  });

  it('refuses a wrong or missing aud, and a wrong iss, as wrong-audience when they are configured', async () => {
    const gate = await access({ ROOM_TOKEN_AUDIENCE: 'calls', ROOM_TOKEN_ISSUER: 'https://app.example.com' });
    const iss = 'https://app.example.com';
    expect(reasonOf(await gate.join('standup', await token({ aud: 'calls', iss }), false))).toBe('ok');
    expect(reasonOf(await gate.join('standup', await token({ aud: ['x', 'calls'], iss }), false))).toBe('ok');
    expect(reasonOf(await gate.join('standup', await token({ aud: 'chat', iss }), false))).toBe('wrong-audience');
    expect(reasonOf(await gate.join('standup', await token({ iss }), false))).toBe('wrong-audience');
    expect(
      reasonOf(await gate.join('standup', await token({ aud: 'calls', iss: 'https://evil.example' }), false)),
    ).toBe('wrong-audience');
    expect(reasonOf(await (await access()).join('standup', await token({ aud: 'chat' }), false))).toBe('ok');
  });

  it(`refuses a token over ${MAX_TOKEN_BYTES} bytes as malformed, naming the limit`, async () => {
    const huge = await token({ padding: 'x'.repeat(20 * 1024) });
    expect(huge.length).toBeGreaterThan(20 * 1024);
    const verdict = await (await access()).join('standup', huge, false);
    expect(verdict).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('4096 bytes') });
  });

  it('refuses non-JWT garbage as malformed', async () => {
    const gate = await access();
    for (const garbage of ['hello', 'a.b.c', '..', 'bm90IGpzb24.eyJyb29tIjoiYSJ9.c2ln', '\u0000'.repeat(10)]) {
      expect(reasonOf(await gate.join('standup', garbage, false)), garbage).toBe('malformed');
    }
  });

  it.each([
    ['no room', { room: undefined }],
    ['a room that is not a room name', { room: 'a b' }],
    ['a room that is not a string', { room: 7 }],
    ['a * inside the room', { room: 'te*am' }],
    ['a name with a control character', { name: 'Ada\u0007' }],
    ['a name longer than 64 characters', { name: 'A'.repeat(65) }],
    ['a role other than host or guest', { role: 'admin' }],
    ['a sub longer than 128 characters', { sub: 's'.repeat(129) }],
    ['an empty sub', { sub: '' }],
    ['a lobby that is not a boolean', { lobby: 'yes' }],
  ])('refuses a token with %s as malformed', async (_, claims) => {
    expect(reasonOf(await (await access()).join('standup', await token(claims), false))).toBe('malformed');
  });

  it('never puts the token or the secret in a refusal message', async () => {
    const gate = await access();
    const tokens = [await token({ exp: now - 100 }), await token({ room: 'x' }), await token({ role: 'x' }), 'garbage'];
    for (const each of tokens) {
      const verdict = await gate.join('standup', each, false);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) {
        expect(verdict.message).not.toContain(each);
        expect(verdict.message).not.toContain(TEST_TOKEN_SECRET);
      }
    }
  });
});

describe('access modes', () => {
  it('in token mode, refuses a join without a token as missing', async () => {
    expect(reasonOf(await (await access()).join('standup', undefined, false))).toBe('missing');
  });

  it('in open mode, admits a join without a token as a guest', async () => {
    const gate = await createRoomAccess(loadConfig({}));
    expect(gate.mode).toBe('open');
    expect(await gate.join('standup', undefined, false)).toEqual({
      ok: true,
      grant: { role: 'guest', user: undefined, name: undefined, lobby: false },
    });
  });

  it('in open mode with a key, verifies a token that is sent, and refuses a bad one', async () => {
    const gate = await access({ ROOM_ACCESS: 'open' });
    expect(await gate.join('standup', await token({ role: 'host' }), false)).toMatchObject({ grant: { role: 'host' } });
    expect(reasonOf(await gate.join('retro', await token(), false))).toBe('wrong-room');
  });

  it('in open mode without a key, ignores a token, admits a guest, and says so once at debug level', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const gate = await createRoomAccess(loadConfig({}), Date.now, log);
    const host = await token({ role: 'host' });
    expect(await gate.join('standup', host, false)).toMatchObject({ grant: { role: 'guest' } });
    expect(await gate.join('standup', host, false)).toMatchObject({ grant: { role: 'guest' } });
    expect(lines).toEqual([expect.stringMatching(/"level":20.*ignoring tokens/)]);
    expect(lines.join('')).not.toContain(host);
  });
});

describe('bearer tokens (GET /api/ice-servers)', () => {
  it('in token mode, wants a valid token for any room as "Bearer <token>"', async () => {
    const gate = await access();
    expect(reasonOf(await gate.bearer(undefined))).toBe('missing');
    expect(reasonOf(await gate.bearer(`Basic ${Buffer.from('a:b').toString('base64')}`))).toBe('missing');
    expect(reasonOf(await gate.bearer(`Bearer ${await token({ room: 'any-room' })}`))).toBe('ok');
    expect(reasonOf(await gate.bearer(`bearer ${await token({ room: 'team-*' })}`))).toBe('ok');
    expect(reasonOf(await gate.bearer(`Bearer ${await token({ exp: now - 60 })}`))).toBe('expired');
    expect(reasonOf(await gate.bearer(`Bearer ${await token({ room: 'a b' })}`))).toBe('malformed');
    expect(reasonOf(await gate.bearer('Bearer garbage'))).toBe('malformed');
  });

  it('in open mode, lets anyone through', async () => {
    const gate = await createRoomAccess(loadConfig({}));
    expect(reasonOf(await gate.bearer(undefined))).toBe('ok');
  });
});
