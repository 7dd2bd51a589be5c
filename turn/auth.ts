/**
 * Long-term credentials (RFC 8489 §9.2) with TURN REST API usernames: the
 * password is not stored anywhere but recomputed from the shared secret
 * (protocol/turn-rest.ts), and a username whose expiry has passed is refused.
 * Nonces are stateless: a timestamp signed for the client's address, so
 * they expire (438) and take no memory however many clients ask.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { restUsernameExpiry, turnPassword } from '../protocol/turn-rest.js';
import { longTermKey } from './codec/integrity.js';

export type AuthFailure = 'missing' | 'bad-request' | 'stale-nonce' | 'expired' | 'bad-username' | 'bad-integrity';

export interface AuthOptions {
  secret: string;
  realm: string;
  nonceLifetimeSeconds: number;
  now?: () => number;
}

export class Authenticator {
  /** Signs nonces; new at every start, so a restart makes old nonces stale, which clients handle. */
  private readonly nonceKey = randomBytes(32);
  private readonly now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.now = options.now ?? Date.now;
  }

  get realm(): string {
    return this.options.realm;
  }

  nonce(clientAddress: string): string {
    const issued = Math.floor(this.now() / 1000).toString(36);
    return `${issued}.${this.sign(issued, clientAddress)}`;
  }

  nonceIsFresh(nonce: string, clientAddress: string): boolean {
    const [issued, signature, ...rest] = nonce.split('.');
    if (issued === undefined || signature === undefined || rest.length > 0 || !/^[0-9a-z]{1,10}$/.test(issued))
      return false;
    const given = Buffer.from(signature, 'base64url');
    const expected = Buffer.from(this.sign(issued, clientAddress), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    return this.now() / 1000 - parseInt(issued, 36) < this.options.nonceLifetimeSeconds;
  }

  /**
   * The long-term key for a REST username, or why there is none. The key
   * still has to verify the message's MESSAGE-INTEGRITY.
   */
  keyFor(username: string): { key: Buffer } | { failure: AuthFailure } {
    const expiry = restUsernameExpiry(username);
    if (expiry === undefined) return { failure: 'bad-username' };
    if (expiry * 1000 <= this.now()) return { failure: 'expired' };
    const password = turnPassword(this.options.secret, username);
    return { key: longTermKey(username, this.options.realm, password) };
  }

  private sign(issued: string, clientAddress: string): string {
    return createHmac('sha256', this.nonceKey)
      .update(`${issued}\0${clientAddress}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }
}

/** The user part of a REST username (`<expiry>:<user>`), for per-user quotas. */
export function userOf(username: string): string {
  return username.slice(username.indexOf(':') + 1);
}
