/**
 * Issues TURN credentials in the REST API scheme (protocol/turn-rest.ts).
 * Nothing is stored: any relay holding the secret can verify them until they
 * expire. Pure, with an injectable clock.
 */
import { restUsername, turnPassword } from '../protocol/turn-rest.js';

export interface TurnCredential {
  username: string;
  password: string;
  /** Seconds until the credential expires. */
  ttl: number;
}

export function issueTurnCredential(
  secret: string,
  ttlSeconds: number,
  user: string,
  now = Date.now(),
): TurnCredential {
  const username = restUsername(Math.floor(now / 1000) + ttlSeconds, user);
  return { username, password: turnPassword(secret, username), ttl: ttlSeconds };
}
