/**
 * A verified room token's own claims (docs/access.md has the table): `room`
 * (a room name, or a prefix ending in `*`), `sub`, `name`, `role`, `lobby`,
 * and the lifetime cap. jose has checked the signature, `exp`, `nbf`, `iss`
 * and `aud` before these are read.
 */
import type { JWTPayload } from 'jose';
import { NAME_PATTERN, ROLES, ROOM_PATTERN, type Role, type UnauthorizedReason } from '../../protocol/signaling.js';

export type Refusal = { ok: false; reason: UnauthorizedReason; message: string };

export function refusal(reason: UnauthorizedReason, message: string): Refusal {
  return { ok: false, reason, message };
}

export interface Claims {
  ok: true;
  sub: string | undefined;
  name: string | undefined;
  role: Role;
  lobby: boolean;
}

/** Longest `sub` accepted: an id from the minting site's user table, not a payload. */
export const MAX_SUB_LENGTH = 128;

const ROOM = new RegExp(ROOM_PATTERN);
/** A prefix claim: room-name characters (possibly none), then `*`. */
const ROOM_PREFIX = /^[A-Za-z0-9_-]{0,63}\*$/;
const NAME = new RegExp(NAME_PATTERN);

/**
 * Whether the token is valid for longer than `cap` seconds: counted from its
 * `iat`, or from now without one; an `iat` beyond the clock skew in the
 * future counts from now, so a future `iat` cannot stretch the window.
 */
export function tooLong(payload: JWTPayload, nowSeconds: number, cap: number, skew: number): boolean {
  const { exp, iat } = payload;
  if (typeof exp !== 'number') return false;
  const start = typeof iat === 'number' ? Math.min(iat, nowSeconds + skew) : nowSeconds;
  return exp - start > cap;
}

/** The claims, or why they are refused; `room` undefined accepts any well-formed `room` claim (the bearer check). */
export function checkClaims(payload: JWTPayload, room: string | undefined): Claims | Refusal {
  const { room: claim, sub, name, role, lobby } = payload;
  const prefix = typeof claim === 'string' && ROOM_PREFIX.test(claim);
  if (typeof claim !== 'string' || !(prefix || ROOM.test(claim))) {
    return malformed('"room" must be a room name, or a prefix ending in *');
  }
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH)) {
    return malformed(`"sub" must be a string of 1 to ${MAX_SUB_LENGTH} characters`);
  }
  if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) {
    return malformed('"name" must be 1 to 64 characters, with no control characters');
  }
  const roles: readonly unknown[] = ROLES;
  if (role !== undefined && !roles.includes(role)) return malformed('"role" must be "host" or "guest"');
  if (lobby !== undefined && typeof lobby !== 'boolean') return malformed('"lobby" must be true or false');
  if (room !== undefined && !(prefix ? room.startsWith(claim.slice(0, -1)) : room === claim)) {
    return refusal('wrong-room', `the room token is for ${prefix ? 'other rooms' : 'another room'}; use its own link`);
  }
  return {
    ok: true,
    sub,
    name: name as string | undefined,
    role: (role as Role | undefined) ?? 'guest',
    lobby: lobby ?? false,
  };
}

function malformed(what: string): Refusal {
  return refusal('malformed', `the room token's ${what}; mint it again`);
}
