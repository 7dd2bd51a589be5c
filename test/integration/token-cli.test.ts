/**
 * `npm run token` as an operator runs it (a real process): the token it
 * prints verifies with jose and the test secret, carries the claims asked
 * for, and the server's access check admits it; bad flags, a TTL beyond the
 * cap and a missing secret are named, with exit status 2 and no token.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createRoomAccess } from '../../server/access/room-access.js';
import { loadConfig } from '../../server/config.js';
import { TEST_TOKEN_SECRET, TOKEN_ENV } from '../helpers/tokens.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function token(args: string[], env: Record<string, string> = { ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/token.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

const verify = (jwt: string) => jwtVerify(jwt, new TextEncoder().encode(TEST_TOKEN_SECRET), { algorithms: ['HS256'] });

describe('npm run token', () => {
  it('prints an HS256 token with the room, name, role, sub and lobby asked for, valid for --ttl', async () => {
    const run = await token(['--room', 'standup', '--name', 'Ada L', '--role', 'host', '--ttl', '2h', '--sub', 'ada']);
    expect(run.code, run.stderr).toBe(0);
    const jwt = run.stdout.trim();
    expect(jwt).toMatch(JWT);
    const { payload, protectedHeader } = await verify(jwt);
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ room: 'standup', name: 'Ada L', role: 'host', sub: 'ada' });
    expect(payload).not.toHaveProperty('lobby');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7200);
    const access = await createRoomAccess(loadConfig(TOKEN_ENV));
    expect(await access.join('standup', jwt, false)).toMatchObject({ ok: true, grant: { role: 'host', lobby: false } });
  });

  it('prints a room link with --link, and sets lobby, iss and aud from flags and the environment', async () => {
    const env = { ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET, ROOM_TOKEN_ISSUER: 'site', ROOM_TOKEN_AUDIENCE: 'calls' };
    const run = await token(['--room', 'standup', '--lobby', '--link', 'https://calls.example.com/'], env);
    expect(run.code, run.stderr).toBe(0);
    const link = new URL(run.stdout.trim());
    expect(`${link.origin}${link.pathname}`).toBe('https://calls.example.com/r/standup');
    const jwt = link.searchParams.get('token') ?? '';
    const { payload } = await verify(jwt);
    expect(payload).toMatchObject({ room: 'standup', lobby: true, iss: 'site', aud: 'calls', role: 'guest' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('refuses a --ttl beyond ROOM_TOKEN_MAX_LIFETIME_SECONDS, naming the cap', async () => {
    const env = { ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET, ROOM_TOKEN_MAX_LIFETIME_SECONDS: '3600' };
    const run = await token(['--room', 'standup', '--ttl', '61m'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('ROOM_TOKEN_MAX_LIFETIME_SECONDS=3600');
  });

  it('refuses to mint without ROOM_TOKEN_SECRET, or with one too short, without printing it', async () => {
    const missing = await token(['--room', 'standup'], {});
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('ROOM_TOKEN_SECRET is required');
    const short = await token(['--room', 'standup'], { ROOM_TOKEN_SECRET: 'hunter2' });
    expect(short).toMatchObject({ code: 2, stdout: '' });
    expect(short.stderr).toContain('ROOM_TOKEN_SECRET must be at least 32 characters');
    expect(short.stderr).not.toContain('hunter2');
  });

  it.each([
    [['--name', 'Ada'], '--room is required'],
    [['--room', 'a b'], '--room must be a room name'],
    [['--room', 'a', '--role', 'admin'], '--role must be host or guest'],
    [['--room', 'a', '--ttl', '2 hours'], '--ttl must be a time like'],
    [['--room', 'a', '--ttl', '0s'], '--ttl must be a time like'],
    [['--room', 'team-*', '--link', 'https://calls.example.com'], '--link needs one room'],
    [['--room', 'a', '--link', 'calls.example.com'], '--link must be the http(s) URL'],
    [['--room', 'a', '--colour', 'red'], "Unknown option '--colour'"],
  ])('refuses %j: %s', async (args, message) => {
    const run = await token(args);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
  });
});
