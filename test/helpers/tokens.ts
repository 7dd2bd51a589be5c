/**
 * Room tokens for tests: good ones minted with a fixed test secret, any
 * payload signed any allowed way (to build bad ones), ES256/EdDSA key pairs,
 * and a ROOM_TOKEN_PUBLIC_KEYS file of their public halves in a temp dir.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { mintRoomToken, type MintOptions } from '../../server/access/mint.js';

/** The ROOM_TOKEN_SECRET of test servers (at least 32 characters). */
export const TEST_TOKEN_SECRET = 'test-room-token-secret-0123456789abcdef';

/** The variables of a server in token mode that verifies tokens made by mintToken(). */
export const TOKEN_ENV = { ROOM_ACCESS: 'token', ROOM_TOKEN_SECRET: TEST_TOKEN_SECRET } as const;

/** An HS256 token for `room` with the test secret, valid for an hour unless overridden. */
export function mintToken(overrides: Partial<MintOptions> & { room: string }): Promise<string> {
  return mintRoomToken({ secret: TEST_TOKEN_SECRET, ttlSeconds: 3600, ...overrides });
}

export interface TestKeyPair {
  alg: 'ES256' | 'EdDSA';
  kid: string | undefined;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

export async function makeKeyPair(alg: TestKeyPair['alg'], kid?: string): Promise<TestKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, publicKey, privateKey };
}

/** Seconds since the epoch, as the `iat`/`exp`/`nbf` claims count. */
export const seconds = (milliseconds = Date.now()) => Math.floor(milliseconds / 1000);

/**
 * Signs `payload` exactly as given (no claims added) with a key pair, or with
 * an HMAC secret (HS256): the way to build tokens the server must refuse.
 */
export function signToken(
  payload: JWTPayload,
  signer: TestKeyPair | { secret: string | Uint8Array; kid?: string } = { secret: TEST_TOKEN_SECRET },
): Promise<string> {
  if ('secret' in signer) {
    const bytes = typeof signer.secret === 'string' ? new TextEncoder().encode(signer.secret) : signer.secret;
    const header = { alg: 'HS256', ...(signer.kid === undefined ? {} : { kid: signer.kid }) };
    return new SignJWT(payload).setProtectedHeader(header).sign(bytes);
  }
  const header = { alg: signer.alg, ...(signer.kid === undefined ? {} : { kid: signer.kid }) };
  return new SignJWT(payload).setProtectedHeader(header).sign(signer.privateKey);
}

/** The PEM (SPKI) text of a key pair's public half. */
export function publicPem(pair: TestKeyPair): Promise<string> {
  return exportSPKI(pair.publicKey);
}

/**
 * Writes the public halves of `pairs` to a new file in a temp dir, as PEM
 * blocks each after a `# kid:` line, or as a JWKS; returns its path.
 */
export async function publicKeysFile(pairs: TestKeyPair[], format: 'pem' | 'jwks' = 'pem'): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'vc-keys-')), format === 'pem' ? 'keys.pem' : 'keys.json');
  if (format === 'pem') {
    const blocks = await Promise.all(
      pairs.map(async (pair) => `${pair.kid === undefined ? '' : `# kid: ${pair.kid}\n`}${await publicPem(pair)}`),
    );
    writeFileSync(path, blocks.join('\n'));
  } else {
    const keys = await Promise.all(
      pairs.map(async (pair) => ({ ...(await exportJWK(pair.publicKey)), kid: pair.kid, alg: pair.alg, use: 'sig' })),
    );
    writeFileSync(path, JSON.stringify({ keys }, null, 2));
  }
  return path;
}
