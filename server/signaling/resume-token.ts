/**
 * Resume tokens: `<peer id>.<expiry, base36 seconds>.<HMAC>`, signed with the
 * session secret and bound to one room. They need no server state, so a
 * client keeps its peer id across a reconnect and across a server restart
 * (when SESSION_SECRET is set), and its peers' connections carry on.
 * Pure, with an injectable clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ResumeTokens {
  issue(room: string, id: string): string;
  /** The peer id a token grants in `room`, or undefined if it is forged, expired or for another room. */
  verify(room: string, token: string): string | undefined;
}

export function createResumeTokens(
  secret: string,
  lifetimeSeconds: number,
  now: () => number = Date.now,
): ResumeTokens {
  const mac = (room: string, id: string, expiry: string) =>
    createHmac('sha256', secret).update(`resume\0${room}\0${id}\0${expiry}`).digest().subarray(0, 16);

  return {
    issue(room, id) {
      const expiry = Math.floor(now() / 1000 + lifetimeSeconds).toString(36);
      return `${id}.${expiry}.${mac(room, id, expiry).toString('base64url')}`;
    },
    verify(room, token) {
      const [id, expiry, signature, ...rest] = token.split('.');
      if (id === undefined || expiry === undefined || signature === undefined || rest.length > 0) return undefined;
      if (id === '' || !/^[0-9a-z]{1,10}$/.test(expiry)) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(room, id, expiry);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      if (parseInt(expiry, 36) * 1000 <= now()) return undefined;
      return id;
    },
  };
}
