/**
 * The TURN REST API credential scheme (draft-uberti-behave-turn-rest-00),
 * shared by the server that issues credentials and every relay that checks
 * them (ours in turn/, and coturn with `use-auth-secret`): the username is
 * `<unix expiry>:<user>`, the password base64(HMAC-SHA1(secret, username)).
 * Node only (node:crypto); the browser never sees the secret.
 */
import { createHmac } from 'node:crypto';

export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

export function restUsername(expiryUnixSeconds: number, user: string): string {
  return `${expiryUnixSeconds}:${user}`;
}

/** The expiry (unix seconds) a REST username carries, or undefined if it is not one. */
export function restUsernameExpiry(username: string): number | undefined {
  const match = /^(\d{1,12}):[^:]/.exec(username);
  return match === null ? undefined : Number(match[1]);
}
