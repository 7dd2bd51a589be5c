/**
 * ES256/EdDSA room tokens checked against ROOM_TOKEN_PUBLIC_KEYS: keys chosen
 * by kid (PEM and JWKS files), rotation, algorithm confusion, and the
 * configuration errors a bad key file or a keyless token mode gives.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRoomAccess } from '../../server/access/room-access.js';
import type { AccessVerdict } from '../../server/access/types.js';
import { loadConfig } from '../../server/config.js';
import {
  makeKeyPair,
  publicKeysFile,
  publicPem,
  seconds,
  signToken,
  TEST_TOKEN_SECRET,
  type TestKeyPair,
} from '../helpers/tokens.js';
import { serverConfigProblems } from '../helpers/config-problems.js';

const claims = () => ({ room: 'standup', iat: seconds(), exp: seconds() + 600 });

async function gateFor(file: string, env: Record<string, string> = {}) {
  return createRoomAccess(loadConfig({ ROOM_ACCESS: 'token', ROOM_TOKEN_PUBLIC_KEYS: file, ...env }));
}

function reasonOf(verdict: AccessVerdict): string {
  return verdict.ok ? 'ok' : verdict.reason;
}

const problemsOf = serverConfigProblems;

function fileWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vc-keys-')), 'keys');
  writeFileSync(path, text);
  return path;
}

describe.each(['pem', 'jwks'] as const)('public keys from a %s file', (format) => {
  it('verifies ES256 and EdDSA tokens by their kid, both keys of a rotation alike', async () => {
    const old = await makeKeyPair('ES256', 'site-2025');
    const next = await makeKeyPair('EdDSA', 'site-2026');
    const gate = await gateFor(await publicKeysFile([old, next], format));
    expect(reasonOf(await gate.join('standup', await signToken(claims(), old), false))).toBe('ok');
    expect(reasonOf(await gate.join('standup', await signToken(claims(), next), false))).toBe('ok');
  });

  it('refuses a kid it does not know as unknown-key, and one without a kid when there are several keys', async () => {
    const [a, b] = [await makeKeyPair('ES256', 'a'), await makeKeyPair('ES256', 'b')];
    const gate = await gateFor(await publicKeysFile([a, b], format));
    const stranger = await makeKeyPair('ES256', 'c');
    expect(reasonOf(await gate.join('standup', await signToken(claims(), stranger), false))).toBe('unknown-key');
    const kidless = await signToken(claims(), { ...a, kid: undefined });
    expect(reasonOf(await gate.join('standup', kidless, false))).toBe('unknown-key');
  });

  it('takes a token without a kid when exactly one key is configured', async () => {
    const only = await makeKeyPair('EdDSA', 'only');
    const gate = await gateFor(await publicKeysFile([only], format));
    expect(reasonOf(await gate.join('standup', await signToken(claims(), { ...only, kid: undefined }), false))).toBe(
      'ok',
    );
  });

  it('refuses a token signed by another key under a known kid as bad-signature', async () => {
    const listed = await makeKeyPair('ES256', 'site');
    const gate = await gateFor(await publicKeysFile([listed], format));
    const impostor = { ...(await makeKeyPair('ES256')), kid: 'site' };
    expect(reasonOf(await gate.join('standup', await signToken(claims(), impostor), false))).toBe('bad-signature');
  });

  it("refuses a token whose alg is not its key's as bad-signature", async () => {
    const ec = await makeKeyPair('ES256', 'ec');
    const gate = await gateFor(await publicKeysFile([ec], format));
    const ed = { ...(await makeKeyPair('EdDSA')), kid: 'ec' };
    expect(reasonOf(await gate.join('standup', await signToken(claims(), ed), false))).toBe('bad-signature');
  });
});

describe('algorithm confusion', () => {
  it("refuses an HS256 token keyed with a public key's own bytes as bad-signature", async () => {
    const pair = await makeKeyPair('ES256', 'site');
    const file = await publicKeysFile([pair]);
    const pem = await publicPem(pair);
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    for (const gate of [await gateFor(file), await gateFor(file, { ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET })]) {
      for (const secret of [pem, new Uint8Array(der)]) {
        for (const kid of ['site', undefined]) {
          const confused = await signToken(claims(), { secret, ...(kid === undefined ? {} : { kid }) });
          expect(reasonOf(await gate.join('standup', confused, false))).toBe('bad-signature');
        }
      }
    }
  });

  it('refuses an ES256 token when only a secret is configured as bad-signature', async () => {
    const gate = await createRoomAccess(loadConfig({ ROOM_ACCESS: 'token', ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET }));
    const pair = await makeKeyPair('ES256', 'site');
    expect(reasonOf(await gate.join('standup', await signToken(claims(), pair), false))).toBe('bad-signature');
  });
});

describe('key configuration errors', () => {
  const noBytes = (problems: string[], secret: string) => expect(problems.join('\n')).not.toContain(secret);

  it('names a file that cannot be read', () => {
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: '/nonexistent/keys.pem' })).toEqual([
      'ROOM_TOKEN_PUBLIC_KEYS names a file that cannot be read: /nonexistent/keys.pem (ENOENT)',
    ]);
  });

  it('names a file that holds no key, or JSON that is not a JWKS', () => {
    const text = fileWith('hello\n');
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: text })).toEqual([
      `ROOM_TOKEN_PUBLIC_KEYS file ${text}: holds no key: expected PEM public keys ` +
        '("-----BEGIN PUBLIC KEY-----") or a JWKS',
    ]);
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith('{"kty":"EC"}') })[0]).toMatch(/not a JWKS/);
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith('{"keys": [') })[0]).toMatch(/not valid JSON/);
  });

  it('refuses a private key in the file without printing it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const problems = problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith(`# kid: leaked\n${pem}`) });
    expect(problems).toEqual([expect.stringMatching(/key "leaked" is a private key; list only public keys$/)]);
    noBytes(problems, pem.split('\n')[1] ?? '');
    const jwk = JSON.stringify({ keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'leaked' }] });
    const fromJwks = problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith(jwk) });
    expect(fromJwks).toEqual([expect.stringMatching(/key "leaked" is a private key/)]);
    noBytes(fromJwks, String(privateKey.export({ format: 'jwk' }).d));
  });

  it('refuses a key of another kind than P-256 or Ed25519, and a corrupt PEM block', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsa = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith(rsa) })).toEqual([
      expect.stringMatching(/PEM block #1 is neither a P-256 \(ES256\) nor an Ed25519 \(EdDSA\) key$/),
    ]);
    const corrupt = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: fileWith(corrupt) })).toEqual([
      expect.stringMatching(/PEM block #1 is not a valid PEM public key$/),
    ]);
  });

  it('wants a kid on every key when there are several, each unique', async () => {
    const [a, b] = [await makeKeyPair('ES256'), await makeKeyPair('EdDSA', 'b')];
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile([a, b]) })).toEqual([
      expect.stringMatching(/holds several keys, so each needs a kid/),
    ]);
    const twins = [await makeKeyPair('ES256', 'same'), await makeKeyPair('ES256', 'same')];
    expect(problemsOf({ ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile(twins, 'jwks') })).toEqual([
      expect.stringMatching(/names two keys "same"; each kid must be unique$/),
    ]);
  });

  it('refuses token mode with no key to check tokens with', () => {
    expect(problemsOf({ ROOM_ACCESS: 'token' })).toEqual([
      'ROOM_ACCESS=token needs ROOM_TOKEN_SECRET (HS256) or ROOM_TOKEN_PUBLIC_KEYS (ES256/EdDSA) to check tokens with',
    ]);
    expect(problemsOf({ ROOM_ACCESS: 'token', ROOM_TOKEN_SECRET: 'short-secret' })).toEqual([
      'ROOM_TOKEN_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)',
    ]);
  });

  it('refuses an unknown access mode and a lifetime cap out of range', () => {
    expect(problemsOf({ ROOM_ACCESS: 'closed', ROOM_TOKEN_MAX_LIFETIME_SECONDS: '10' })).toEqual([
      'ROOM_ACCESS must be one of open, token, got "closed"',
      'ROOM_TOKEN_MAX_LIFETIME_SECONDS must be an integer from 60 to 2592000, got "10"',
    ]);
  });

  it('lets a file of one key leave it unnamed', async () => {
    const pair: TestKeyPair = await makeKeyPair('ES256');
    expect(problemsOf({ ROOM_ACCESS: 'token', ROOM_TOKEN_PUBLIC_KEYS: await publicKeysFile([pair]) })).toEqual([]);
  });
});
