/**
 * The one place room tokens are read (DESIGN.md, "Access"): createRoomAccess
 * builds the RoomAccess that the join handler and GET /api/ice-servers both
 * ask. Tokens are JWTs verified by jose, with an allow-list tied to the key
 * kind (HS256 with ROOM_TOKEN_SECRET only; ES256/EdDSA with the public keys
 * only), so neither `none` nor an HMAC "signed" with a public key can pass.
 * Every refusal carries a protocol reason and a message for people that
 * names no token or key material.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../config.js';
import { checkClaims, refusal, tooLong, type Refusal } from './claims.js';
import type { AccessVerdict, Grant, RoomAccess } from './types.js';

/**
 * Largest token accepted, in bytes, judged before any parsing: a few claims
 * signed with any allowed algorithm fit in well under 1 KiB, and anything
 * bigger is refused without decoding it.
 */
export const MAX_TOKEN_BYTES = 4096;

/** How far the minter's clock and ours may disagree, for `exp`, `nbf` and `iat`. */
export const CLOCK_SKEW_SECONDS = 30;

export type AccessConfig = Pick<
  Config,
  | 'roomAccess'
  | 'roomTokenSecret'
  | 'roomTokenPublicKeys'
  | 'roomTokenMaxLifetimeSeconds'
  | 'roomTokenIssuer'
  | 'roomTokenAudience'
>;

const GUEST: Grant = { role: 'guest', user: undefined, name: undefined, lobby: false };

type Key = { alg: string; key: Parameters<typeof jwtVerify>[1] };

export async function createRoomAccess(
  config: AccessConfig,
  now: () => number = Date.now,
  log?: FastifyBaseLogger,
): Promise<RoomAccess> {
  const secret = config.roomTokenSecret === undefined ? undefined : new TextEncoder().encode(config.roomTokenSecret);
  const publicKeys = config.roomTokenPublicKeys?.keys ?? [];
  const keyless = secret === undefined && publicKeys.length === 0;
  let ignoredLogged = false;

  function keyFor(token: string): Key | Refusal {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return refusal('malformed', 'the room token is not a token (a JWT); check that the link was copied whole');
    }
    const { alg, kid } = header;
    if (alg === 'HS256' && secret !== undefined) return { alg, key: secret };
    if (alg !== 'ES256' && alg !== 'EdDSA') return badSignature();
    if (publicKeys.length === 0) return badSignature();
    const named =
      kid === undefined ? (publicKeys.length === 1 ? publicKeys[0] : undefined) : publicKeys.find((k) => k.kid === kid);
    if (named === undefined) {
      return refusal(
        'unknown-key',
        'the room token was signed with a key this server does not know; ask for a new one',
      );
    }
    return named.alg === alg ? { alg, key: named.key } : badSignature();
  }

  async function verify(token: string, room: string | undefined, resuming: boolean): Promise<AccessVerdict> {
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) {
      return refusal(
        'malformed',
        `the room token is longer than ${MAX_TOKEN_BYTES} bytes; use a token with fewer claims`,
      );
    }
    const key = keyFor(token);
    if ('ok' in key) return key;
    const nowSeconds = Math.floor(now() / 1000);
    let payload: JWTPayload;
    let expired = false;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(now()),
        ...(config.roomTokenIssuer === undefined ? {} : { issuer: config.roomTokenIssuer }),
        ...(config.roomTokenAudience === undefined ? {} : { audience: config.roomTokenAudience }),
      }));
    } catch (error) {
      // jose judges `exp` after the signature and every other claim it checks, so an
      // expired token's payload is otherwise sound, and ours are checked on it below.
      if (!(error instanceof errors.JWTExpired)) return joseRefusal(error);
      payload = error.payload;
      expired = true;
    }
    const cap = config.roomTokenMaxLifetimeSeconds;
    if (tooLong(payload, nowSeconds, cap, CLOCK_SKEW_SECONDS)) {
      const hours = Math.round((cap / 3600) * 10) / 10;
      return refusal(
        'too-long',
        `the room token is valid for longer than this server allows (${hours} h); mint a shorter one`,
      );
    }
    const claims = checkClaims(payload, room);
    if (!claims.ok) return claims;
    if (expired && !resuming) return refusal('expired', 'the room token has expired; ask for a new link');
    const user = claims.sub ?? `token:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
    return { ok: true, grant: { role: claims.role, user, name: claims.name, lobby: claims.lobby } };
  }

  return {
    mode: config.roomAccess,
    async join(room, token, resuming) {
      if (token === undefined) {
        if (config.roomAccess === 'open') return { ok: true, grant: GUEST };
        return refusal('missing', 'this room needs a room token; open the link you were given, which carries one');
      }
      if (config.roomAccess === 'open' && keyless) {
        if (!ignoredLogged) log?.debug('a join carried a room token, but none can be checked here; ignoring tokens');
        ignoredLogged = true;
        return { ok: true, grant: GUEST };
      }
      return verify(token, room, resuming);
    },
    async bearer(authorization) {
      if (config.roomAccess === 'open') return { ok: true, grant: GUEST };
      const token = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (token === undefined) {
        return refusal('missing', 'this server needs a room token: send it as "Authorization: Bearer <token>"');
      }
      return verify(token, undefined, false);
    },
  };
}

function badSignature(): Refusal {
  return refusal('bad-signature', 'the room token is not signed by a key this server trusts; ask for a new one');
}

function joseRefusal(error: unknown): Refusal {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return refusal('not-yet-valid', 'the room token is not valid yet; try again later');
    if (error.claim === 'iss' || error.claim === 'aud') {
      return refusal('wrong-audience', 'the room token was made for another service; ask for a token for this one');
    }
    return refusal('malformed', `the room token's "${error.claim}" claim is missing or invalid; mint it again`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return badSignature();
  }
  return refusal('malformed', 'the room token cannot be read; check that the link was copied whole');
}
