/**
 * Mints an HS256 room token with ROOM_TOKEN_SECRET, for `npm run token` and
 * for sites whose backend runs Node (docs/access.md shows other languages).
 */
import { SignJWT } from 'jose';
import type { Role } from '../../protocol/signaling.js';

export interface MintOptions {
  secret: string;
  /** A room name, or a prefix ending in `*`. */
  room: string;
  name?: string;
  role?: Role;
  sub?: string;
  lobby?: boolean;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
  /** Milliseconds since the epoch; Date.now() when omitted. */
  now?: number;
}

export async function mintRoomToken(options: MintOptions): Promise<string> {
  const { secret, room, name, role, sub, lobby, ttlSeconds, issuer, audience } = options;
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims = { room, ...(name === undefined ? {} : { name }), ...(role === undefined ? {} : { role }) };
  const jwt = new SignJWT({ ...claims, ...(lobby === undefined ? {} : { lobby }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds);
  if (sub !== undefined) jwt.setSubject(sub);
  if (issuer !== undefined) jwt.setIssuer(issuer);
  if (audience !== undefined) jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
